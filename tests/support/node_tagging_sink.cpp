#include "node_tagging_sink.hpp"

#include <utility>

namespace sse::test {

node_tagging_sink::node_tagging_sink(std::string node, telemetry::sink& target)
    : node_(std::move(node)), target_(target) {}

void node_tagging_sink::emit(telemetry::event e) noexcept {
  try {
    if (auto* old = e.fields.if_contains("node")) {
      // Copied before inserting: the insertion may rehash the object, which frees *old.
      boost::json::value kept = *old;
      e.fields["field_node"] = std::move(kept);
    }
    e.fields["node"] = node_;
  } catch (...) {
    // Out of memory while tagging: forward untagged rather than lose the event.
  }
  target_.emit(std::move(e));
}

}  // namespace sse::test
