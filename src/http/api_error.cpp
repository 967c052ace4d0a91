#include "http/api_error.hpp"

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>
#include <stdexcept>

namespace sse::http {

void throw_exception_from_error(const api_error& e, const boost::source_location&) {
  throw std::runtime_error(e.code + ": " + e.message);
}

api_error make_api_error(errc e, std::string message) {
  unsigned status = 400;
  switch (e) {
    case errc::stream_not_found:
      status = 404;
      break;
    case errc::stream_ended:
    case errc::producer_seq_conflict:
      status = 409;
      break;
    case errc::store_unavailable:
    case errc::outcome_unknown:
      status = 503;
      break;
    case errc::too_large:
      status = 413;
      break;
    case errc::internal:
    case errc::ok:
      status = 500;
      break;
    case errc::invalid_stream_id:
    case errc::invalid_event:
    case errc::invalid_argument:
    case errc::bad_resume_point:
      status = 400;
      break;
  }
  return api_error{status, std::string(error_name(e)), std::move(message)};
}

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
