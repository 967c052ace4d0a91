#pragma once
// Incremental parser for the SSE event stream format, following the WHATWG HTML "server-sent
// events" interpretation rules. Used by tests, tools and the relay mode; sans-io: feed it bytes
// as they arrive, in any split, and it returns the events that became complete.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sse::stream {

struct parsed_event {
  /// The last event ID at dispatch, as EventSource reports it (MessageEvent.lastEventId): the
  /// `id` field of this event if it had one, else the last one seen before.
  std::string id;
  bool id_set = false;  ///< this event's own block had an `id` field
  std::string event;    ///< the `event` field; empty when the block had none ("message")
  std::string data;     ///< data lines joined with "\n"
  /// A valid `retry` field seen in this event's block, if any.
  std::optional<std::uint64_t> retry;
};

/// Thread safety: none; one parser per stream of bytes.
class sse_parser {
 public:
  /// Consumes bytes and returns the events dispatched by them (by a blank line). Blocks without
  /// any `data` field are not dispatched (spec), though their `id` and `retry` still apply.
  std::vector<parsed_event> feed(std::string_view bytes);

  /// Comment lines (starting with ':') seen so far.
  std::size_t comments() const noexcept { return comments_; }
  /// The last event ID buffer (persists across events, like EventSource's).
  const std::string& last_event_id() const noexcept { return last_event_id_; }
  /// The latest valid `retry` value, if any was ever received.
  std::optional<std::uint64_t> reconnection_time() const noexcept { return reconnection_time_; }

 private:
  void process_line(std::string_view line, std::vector<parsed_event>& out);
  void process_field(std::string_view field, std::string_view value);
  void dispatch(std::vector<parsed_event>& out);

  std::string line_;  // the current incomplete line
  std::string bom_;   // bytes held at the start while deciding whether they are a BOM
  bool bom_checked_ = false;
  bool skip_lf_ = false;  // the previous chunk ended in CR: a leading LF completes CRLF
  std::size_t comments_ = 0;

  std::string data_;
  std::string event_type_;
  bool has_data_ = false;
  bool id_set_ = false;
  std::optional<std::uint64_t> block_retry_;
  std::string last_event_id_;
  std::optional<std::uint64_t> reconnection_time_;
};

}  // namespace sse::stream
