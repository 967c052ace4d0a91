#pragma once
// Several in-process gateway nodes report into one collector; telemetry::event carries no node,
// so each node gets its own tagging sink that adds `node` before forwarding (the JSON-lines sink
// writes the node id the same way, so tests and operators read the same field).

#include <string>

#include "telemetry/sink.hpp"

namespace sse::test {

/// Thread safety: emit() from any thread (as the target allows).
class node_tagging_sink final : public telemetry::sink {
 public:
  /// `target` (not owned) must outlive this sink.
  node_tagging_sink(std::string node, telemetry::sink& target);

  /// Sets fields["node"] (an existing `node` field is kept as `field_node`) and forwards.
  void emit(telemetry::event e) noexcept override;
  void flush() noexcept override { target_.flush(); }

  const std::string& node() const noexcept { return node_; }

 private:
  std::string node_;
  telemetry::sink& target_;
};

}  // namespace sse::test
