#include "relay/pool.hpp"

#include <boost/asio/post.hpp>

namespace sse::relay {

namespace net = boost::asio;
namespace beast = boost::beast;

upstream_connection::upstream_connection(net::any_io_executor ex, net::ssl::context* tls)
    : ex_(std::move(ex)) {
  if (tls != nullptr) {
    secure_.emplace(ex_, *tls);
  } else {
    plain_.emplace(ex_);
  }
}

beast::tcp_stream& upstream_connection::lowest() noexcept {
  return secure_ ? beast::get_lowest_layer(*secure_) : *plain_;
}

void upstream_connection::close() noexcept {
  boost::system::error_code ignored;
  lowest().socket().close(ignored);
}

upstream_pool::~upstream_pool() {
  // The workers have stopped by now (the manager goes before the io_contexts): close here.
  std::lock_guard lock(mu_);
  for (auto& e : idle_) {
    e.c->close();
  }
}

std::string upstream_pool::key_of(const upstream_url& url) {
  std::string k = url.tls ? "https://" : "http://";
  k += url.host;
  k += ':';
  k += std::to_string(url.port);
  return k;
}

void upstream_pool::dispose(std::unique_ptr<upstream_connection> c) {
  // Closed and destroyed on its own executor, never under another worker's feet.
  auto shared = std::shared_ptr<upstream_connection>(std::move(c));
  net::post(shared->executor(), [shared] { shared->close(); });
}

void upstream_pool::prune_locked(core::steady_time_point now) {
  for (auto it = idle_.begin(); it != idle_.end();) {
    if (now - it->since >= limits_.idle_timeout) {
      dispose(std::move(it->c));
      it = idle_.erase(it);
    } else {
      ++it;
    }
  }
}

std::unique_ptr<upstream_connection> upstream_pool::take(const std::string& key,
                                                         const net::any_io_executor& ex) {
  std::lock_guard lock(mu_);
  prune_locked(clock_.now());
  for (auto it = idle_.rbegin(); it != idle_.rend(); ++it) {
    if (it->key == key && it->c->executor() == ex) {
      auto c = std::move(it->c);
      idle_.erase(std::next(it).base());
      reused.fetch_add(1, std::memory_order_relaxed);
      return c;
    }
  }
  return nullptr;
}

void upstream_pool::give_back(const std::string& key, std::unique_ptr<upstream_connection> c) {
  std::lock_guard lock(mu_);
  const auto now = clock_.now();
  prune_locked(now);
  std::size_t same = 0;
  for (const auto& e : idle_) {
    same += e.key == key && e.c->executor() == c->executor() ? 1 : 0;
  }
  if (same >= limits_.max_idle_per_host) {
    // Full: drop the oldest of this host and worker (or this one when the limit is 0).
    auto oldest = std::find_if(idle_.begin(), idle_.end(), [&](const entry& e) {
      return e.key == key && e.c->executor() == c->executor();
    });
    if (oldest == idle_.end()) {
      dispose(std::move(c));
      return;
    }
    dispose(std::move(oldest->c));
    idle_.erase(oldest);
  }
  idle_.push_back(entry{key, std::move(c), now});
}

std::size_t upstream_pool::idle() const {
  std::lock_guard lock(mu_);
  return idle_.size();
}

}  // namespace sse::relay
