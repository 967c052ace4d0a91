#include "redis/sentinel/sentinel_resolver.hpp"

#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "redis/reply_reader.hpp"
#include "redis/request.hpp"

namespace sse::redis::sentinel {

namespace net = boost::asio;
using namespace net::experimental::awaitable_operators;
using tcp = net::ip::tcp;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

sentinel_resolver::sentinel_resolver(std::vector<cluster::node_address> sentinels,
                                     std::string master_name, std::chrono::milliseconds timeout)
    : sentinels_(std::move(sentinels)), master_name_(std::move(master_name)), timeout_(timeout) {}

std::optional<cluster::node_address> sentinel_resolver::last_known() const {
  std::lock_guard lock(mu_);
  return last_;
}

connection::address_provider sentinel_resolver::provider(std::shared_ptr<sentinel_resolver> self) {
  return
      [self = std::move(self)]() -> net::awaitable<result<std::pair<std::string, std::uint16_t>>> {
        auto where = co_await self->current_primary();
        if (!where) {
          co_return where.error();
        }
        co_return std::pair<std::string, std::uint16_t>{where->host, where->port};
      };
}

net::awaitable<result<cluster::node_address>> sentinel_resolver::current_primary() {
  const std::size_t n = sentinels_.size();
  const std::size_t first = preferred_.load() % (n == 0 ? 1 : n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t which = (first + i) % n;
    auto r = co_await ask(sentinels_[which]);
    if (r) {
      preferred_.store(which);
      std::lock_guard lock(mu_);
      last_ = *r;
      co_return r;
    }
  }
  co_return errc::store_unavailable;
}

net::awaitable<result<cluster::node_address>> sentinel_resolver::ask(
    cluster::node_address sentinel) {
  queries_.fetch_add(1);
  auto ex = co_await net::this_coro::executor;
  net::steady_timer deadline(ex);
  deadline.expires_after(timeout_);
  tcp::resolver resolver(ex);
  tcp::socket socket(ex);

  auto resolved =
      co_await (resolver.async_resolve(sentinel.host, std::to_string(sentinel.port), use_tuple) ||
                deadline.async_wait(use_tuple));
  if (resolved.index() != 0 || std::get<0>(std::get<0>(resolved))) {
    co_return errc::store_unavailable;
  }
  auto endpoints = std::get<1>(std::get<0>(std::move(resolved)));
  auto connected =
      co_await (net::async_connect(socket, endpoints, use_tuple) || deadline.async_wait(use_tuple));
  if (connected.index() != 0 || std::get<0>(std::get<0>(connected))) {
    co_return errc::store_unavailable;
  }
  request req;
  req.push("SENTINEL", "get-master-addr-by-name", master_name_);
  auto written = co_await (net::async_write(socket, net::buffer(req.payload()), use_tuple) ||
                           deadline.async_wait(use_tuple));
  if (written.index() != 0 || std::get<0>(std::get<0>(written))) {
    co_return errc::store_unavailable;
  }
  reply_reader reader;
  std::array<char, 1024> buf{};
  for (int reads = 0; reads < 64; ++reads) {
    auto got = co_await (socket.async_read_some(net::buffer(buf), use_tuple) ||
                         deadline.async_wait(use_tuple));
    if (got.index() != 0) {
      co_return errc::store_unavailable;
    }
    auto [ec, n] = std::get<0>(got);
    if (ec) {
      co_return errc::store_unavailable;
    }
    reader.feed(std::string_view(buf.data(), n));
    auto next = reader.next();
    if (!next) {
      co_return errc::store_unavailable;
    }
    if (!next->has_value()) {
      continue;
    }
    // ["host", "port"], or nil when this sentinel does not monitor that name.
    const reply& r = **next;
    if (!r.is_array() || r.elements.size() != 2) {
      co_return errc::store_unavailable;
    }
    const auto port = r.elements[1].to_int();
    if (r.elements[0].str.empty() || !port || *port <= 0 || *port > 65535) {
      co_return errc::store_unavailable;
    }
    co_return cluster::node_address{r.elements[0].str, static_cast<std::uint16_t>(*port)};
  }
  co_return errc::store_unavailable;
}

}  // namespace sse::redis::sentinel
