#include "relay/checkpointer.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace sse::relay {

void checkpointer::add(std::string_view data) {
  ++events_since_;
  bytes_since_ += data.size();
  boost::system::error_code ec;
  const boost::json::value v = boost::json::parse(data, ec);
  if (ec) {
    return;  // e.g. OpenAI's closing "[DONE]"
  }
  const boost::json::value* at = v.find_pointer(o_.text_pointer, ec);
  if (at != nullptr && !ec && at->is_string()) {
    text_.append(at->get_string().data(), at->get_string().size());
  }
}

bool checkpointer::due() const noexcept {
  return (o_.every_events > 0 && events_since_ >= o_.every_events) ||
         (o_.every_bytes > 0 && bytes_since_ >= o_.every_bytes);
}

stream::new_event checkpointer::take(seq_t through_seq) {
  events_since_ = 0;
  bytes_since_ = 0;
  boost::json::object o{{"text", text_}, {"through_seq", through_seq}};
  return stream::new_event{o_.event, boost::json::serialize(o), max_priority, true};
}

}  // namespace sse::relay
