// Decoding a DS stream's stored events: their kind, bytes, Stream-Seq and producer tags.
#include "durable/door_detail.hpp"
#include "stream/sse_parser.hpp"

namespace sse::durable::detail {

decoded_event decode_event(const stream::stored_event& e) {
  decoded_event out;
  out.seq = e.seq;
  stream::sse_parser parser;
  auto events = parser.feed(*e.frame);
  if (!events.empty()) {
    out.type = std::move(events.front().event);
    out.data = std::move(events.front().data);
  }
  return out;
}

std::vector<data_event> data_events(const store::read_result& r) {
  std::vector<data_event> out;
  for (const auto& e : r.events) {
    if (e.is_end || e.seq <= meta_seq) {
      continue;
    }
    auto d = decode_event(e);
    if (d.type != data_type && d.type != state_type) {
      continue;
    }
    if (auto s = decode_stored(d.data)) {
      out.push_back({e.seq, std::move(*s), d.type == state_type});
    }
  }
  return out;
}

std::optional<producer_tag> last_producer_state(const std::vector<data_event>& events,
                                                const std::string& producer_id) {
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->stored.producer && it->stored.producer->id == producer_id) {
      return it->stored.producer;
    }
  }
  return std::nullopt;
}

std::optional<std::string> last_stream_seq(const std::vector<data_event>& events) {
  for (auto it = events.rbegin(); it != events.rend(); ++it) {
    if (it->stored.stream_seq) {
      return it->stored.stream_seq;
    }
  }
  return std::nullopt;
}

}  // namespace sse::durable::detail
