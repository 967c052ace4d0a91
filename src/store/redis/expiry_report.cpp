#include "store/redis/expiry_report.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <string>
#include <utility>

#include "redis/request.hpp"

namespace sse::store::redis_layout {

namespace net = boost::asio;

expiry_keys make_expiry_keys(std::string_view prefix, std::string_view stream_id) {
  const std::string tag = "{" + std::string(stream_id) + "}";
  return expiry_keys{std::string(prefix) + "expired:" + tag,
                     std::string(prefix) + "expired-claim:" + tag};
}

net::awaitable<void> claim_expiry(std::weak_ptr<redis::client> weak, expiry_keys keys,
                                  expired_stream expired, std::chrono::milliseconds retention,
                                  std::function<void(expired_stream)> report) {
  if (expired.epoch.empty()) {
    net::steady_timer t(co_await net::this_coro::executor, unknown_epoch_delay);
    co_await t.async_wait(net::as_tuple(net::use_awaitable));
  }
  auto c = weak.lock();
  if (!c) {
    co_return;  // the store is gone: nothing to report to
  }
  redis::request claim;
  claim.push("SET", keys.claim, "1", "NX", "PX", expiry_claim_ttl.count());
  auto r = co_await c->exec(std::move(claim));
  const bool answered = r && r->size() == 1 && !r->front().is_error();
  if (answered && r->front().is_nil()) {
    co_return;  // another node claimed it and reports it
  }
  if (answered && !expired.ended) {
    // A marker with an empty epoch still says "expired" (see store::expired_epoch).
    redis::request mark;
    mark.push("SET", keys.marker, expired.epoch, "PX", std::max<long long>(retention.count(), 1));
    (void)co_await c->exec(std::move(mark));
  }
  report(std::move(expired));
}

net::awaitable<notify_outcome> enable_expiry_notifications(redis::client& c) {
  redis::request req;
  req.push("CONFIG", "SET", "notify-keyspace-events", "Ex");
  auto r = co_await c.exec(std::move(req));
  if (!r || r->size() != 1) {
    co_return notify_outcome::unreachable;
  }
  co_return r->front().is_error() ? notify_outcome::refused : notify_outcome::set;
}

net::awaitable<result<std::optional<std::string>>> read_expiry_marker(redis::client& c,
                                                                      std::string marker) {
  redis::request req;
  req.push("GET", marker);
  auto r = co_await c.exec(std::move(req));
  if (!r) {
    co_return r.error();
  }
  if (r->size() != 1 || r->front().is_error()) {
    co_return errc::store_unavailable;
  }
  if (r->front().is_nil()) {
    co_return std::optional<std::string>{};
  }
  co_return std::optional<std::string>{std::move(r->front().str)};
}

}  // namespace sse::store::redis_layout
