#include "redis/cluster/worker_clients.hpp"

#include <boost/asio/this_coro.hpp>
#include <stdexcept>

namespace sse::redis::cluster {

namespace net = boost::asio;

worker_clients::worker_clients(const std::vector<executor_type>& workers,
                               const std::vector<node_address>& seeds,
                               const connection_config& base,
                               const std::vector<const script*>& scripts,
                               std::shared_ptr<availability> tracker, std::size_t first_slot,
                               cluster_options options) {
  if (workers.empty()) {
    throw std::invalid_argument("cluster::worker_clients needs at least one executor");
  }
  for (std::size_t i = 0; i < workers.size(); ++i) {
    auto c = std::make_shared<cluster_client>(workers[i], seeds, base, scripts, options);
    if (tracker) {
      c->set_tracker(tracker, first_slot + i);
    }
    clients_.push_back(std::move(c));
  }
}

worker_clients::~worker_clients() {
  stop();
}

void worker_clients::start() {
  for (auto& c : clients_) {
    c->start();
  }
}

void worker_clients::stop() {
  for (auto& c : clients_) {
    c->stop();
  }
}

boost::asio::awaitable<void> worker_clients::join() {
  for (auto& c : clients_) {
    co_await c->join();
  }
}

bool worker_clients::up() const noexcept {
  for (const auto& c : clients_) {
    if (!c->up()) {
      return false;
    }
  }
  return true;
}

net::awaitable<cluster_client*> worker_clients::local() {
  const auto ex = co_await net::this_coro::executor;
  for (auto& c : clients_) {
    if (c->get_executor() == ex) {
      co_return c.get();
    }
  }
  // Not a worker (a test thread, a one-shot command): spread such callers over the workers.
  co_return clients_[next_.fetch_add(1, std::memory_order_relaxed) % clients_.size()].get();
}

net::awaitable<result<std::vector<reply>>> worker_clients::exec_on_key(
    std::string_view key, std::vector<command> commands) {
  cluster_client* c = co_await local();
  co_return co_await c->exec_on_key(key, std::move(commands));
}

net::awaitable<result<reply>> worker_clients::eval(const script& s,
                                                   std::span<const std::string_view> keys,
                                                   std::span<const std::string_view> args) {
  cluster_client* c = co_await local();
  co_return co_await c->eval(s, keys, args);
}

net::awaitable<result<std::vector<std::string>>> worker_clients::node_keys() {
  cluster_client* c = co_await local();
  co_return co_await c->node_keys();
}

}  // namespace sse::redis::cluster
