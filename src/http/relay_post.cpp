#include "http/relay_post.hpp"

#include "http/access.hpp"
#include "http/api_error.hpp"

namespace sse::http {

namespace net = boost::asio;

net::awaitable<std::variant<relay_started, response>> begin_relay(services& s,
                                                                  const std::string& route,
                                                                  request& req,
                                                                  auth::counted_hold* place) {
  auto id = s.relay->stream_id(route, req.idempotency_key);
  if (!id) {
    co_return error_response(id.error());
  }
  if (auto full = co_await check_stream_room(s, *id)) {
    co_return std::move(*full);
  }
  if (place != nullptr) {
    if (auto full = take_subscriber_place(s, *id, *place)) {
      co_return std::move(*full);
    }
  }
  auto started =
      co_await s.relay->start(route, std::move(*id), std::move(req.body), req.content_type);
  if (!started) {
    co_return error_response(started.error());
  }
  if (place != nullptr && !started->created) {
    if (auto denied = check_subscribe_access(s, started->stream_id, req)) {
      co_return std::move(*denied);
    }
  }
  co_return std::move(*started);
}

}  // namespace sse::http
