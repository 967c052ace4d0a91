// Reply builders and small helpers the door's operations share.
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>

#include "durable/door_detail.hpp"

namespace sse::durable::detail {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

reply base_reply(unsigned status) {
  reply r;
  r.status = status;
  r.headers = {{"X-Content-Type-Options", "nosniff"},
               {"Cross-Origin-Resource-Policy", "cross-origin"}};
  return r;
}

reply error_reply(unsigned status, std::string_view code, std::string_view message) {
  reply r = base_reply(status);
  boost::json::object o;
  o["error"] = code;
  o["message"] = message;
  r.headers.emplace_back("Content-Type", "application/json");
  r.body = boost::json::serialize(o);
  return r;
}

reply store_failure(const boost::system::error_code& ec) {
  if (ec == errc::store_unavailable || ec == errc::outcome_unknown) {
    return error_reply(503, error_name(static_cast<errc>(ec.value())), ec.message());
  }
  return error_reply(500, "internal", ec.message());
}

reply not_found_or_failure(const boost::system::error_code& ec) {
  return ec == errc::stream_not_found
             ? error_reply(404, "stream_not_found", "no stream at this path")
             : store_failure(ec);
}

std::string path_of(std::string_view target) {
  return std::string(target.substr(0, target.find('?')));
}

}  // namespace sse::durable::detail
