#include "http/api_error.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

namespace sse::http {

response json_response(unsigned status, const boost::json::value& body) {
  response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = boost::json::serialize(body);
  return r;
}

response error_response(unsigned status, std::string_view code, std::string_view message) {
  boost::json::object o;
  o["error"] = code;
  o["message"] = message;
  response r = json_response(status, o);
  if (status == 503) {
    // Producers retry with Producer-Seq: tell them when.
    r.headers.emplace_back("Retry-After", "1");
  }
  return r;
}

response error_response(const api_error& e) {
  return error_response(e.status, e.code, e.message);
}

}  // namespace sse::http
