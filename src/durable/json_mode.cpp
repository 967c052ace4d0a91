// JSON mode (PROTOCOL.md 7.1): validating a body and flattening one level of arrays.
#include <boost/json.hpp>

#include "durable/protocol.hpp"

namespace sse::durable {

json_messages flatten_json(std::string_view body, bool allow_empty) {
  json_messages out;
  boost::system::error_code ec;
  boost::json::value v = boost::json::parse(body, ec);
  if (ec) {
    out.error = "the body is not valid JSON: " + ec.message();
    return out;
  }
  if (auto* array = v.if_array()) {
    if (array->empty() && !allow_empty) {
      out.error = "an empty JSON array appends nothing";
      return out;
    }
    out.messages.reserve(array->size());
    for (const auto& element : *array) {
      out.messages.push_back(boost::json::serialize(element));
    }
  } else {
    out.messages.push_back(boost::json::serialize(v));
  }
  return out;
}

}  // namespace sse::durable
