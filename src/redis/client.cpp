#include "redis/client.hpp"

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <stdexcept>
#include <string>

#include "redis/noscript_reload.hpp"
#include "redis/run_on.hpp"
#include "redis/script_loader.hpp"

namespace sse::redis {

namespace net = boost::asio;

client::client(std::vector<executor_type> executors, connection_config cfg,
               std::vector<const script*> scripts, std::shared_ptr<availability> tracker,
               std::size_t first_slot) {
  if (executors.empty()) {
    throw std::invalid_argument("redis::client needs at least one executor");
  }
  for (std::size_t i = 0; i < executors.size(); ++i) {
    auto c = std::make_shared<connection>(executors[i], cfg);
    if (tracker) {
      c->set_ready_handler(
          [tracker, slot = first_slot + i](bool ready) { tracker->report(slot, ready); });
    }
    c->set_connect_hook(load_scripts_hook(scripts));
    connections_.push_back(std::move(c));
  }
}

client::~client() {
  stop();
}

void client::start() {
  for (auto& c : connections_) {
    c->start();
  }
}

void client::stop() {
  for (auto& c : connections_) {
    c->stop();
  }
}

net::awaitable<void> client::join() {
  for (auto& c : connections_) {
    co_await c->join();
  }
}

void client::drop_all() {
  for (auto& c : connections_) {
    c->drop();
  }
}

bool client::up() const noexcept {
  for (const auto& c : connections_) {
    if (!c->up()) {
      return false;
    }
  }
  return true;
}

connection* client::local_connection(const executor_type& ex) noexcept {
  for (auto& c : connections_) {
    if (c->get_executor() == ex) {
      return c.get();
    }
  }
  return nullptr;
}

net::awaitable<result<std::vector<reply>>> client::exec(request req,
                                                        std::chrono::milliseconds timeout) {
  auto ex = co_await net::this_coro::executor;
  if (connection* c = local_connection(ex)) {
    co_return co_await c->exec(std::move(req), timeout);
  }
  // Not on a worker (tests, the migrate command): run on a connection's own executor.
  std::shared_ptr<connection> c = connections_[next_.fetch_add(1) % connections_.size()];
  // Named, not a temporary inside the co_await: GCC 12 destroys such temporaries twice.
  auto op = [c, req = std::move(req), timeout]() mutable {
    return c->exec(std::move(req), timeout);
  };
  co_return co_await run_on<result<std::vector<reply>>>(c->get_executor(), std::move(op));
}

net::awaitable<result<std::vector<reply>>> client::exec(request req) {
  return exec(std::move(req), connections_.front()->config().command_timeout);
}

void push_evalsha(request& req, const script& s, std::span<const std::string_view> keys,
                  std::span<const std::string_view> args) {
  std::string numkeys = std::to_string(keys.size());
  std::vector<std::string_view> argv;
  argv.reserve(3 + keys.size() + args.size());
  argv.push_back("EVALSHA");
  argv.push_back(s.sha());
  argv.push_back(numkeys);
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  req.push_argv(argv);
}

net::awaitable<result<reply>> client::eval(const script& s, std::span<const std::string_view> keys,
                                           std::span<const std::string_view> args) {
  auto r = co_await eval_loading(s, keys, args);
  if (on_demoted_ && r && r->error_starts_with("READONLY")) {
    // The primary we talk to was demoted (it came back after a failover): reconnect to wherever
    // the sentinels now say; this call fails as unavailable and the producer retries.
    drop_all();
    on_demoted_();
  }
  co_return r;
}

net::awaitable<result<std::vector<reply>>> client::exec_on_key(std::string_view,
                                                               std::vector<command> commands) {
  request req;
  for (const auto& argv : commands) {
    const std::vector<std::string_view> views(argv.begin(), argv.end());
    req.push_argv(views);
  }
  co_return co_await exec(std::move(req));
}

net::awaitable<result<std::vector<std::string>>> client::node_keys() {
  co_return std::vector<std::string>{std::string()};
}

net::awaitable<result<reply>> client::eval_loading(const script& s,
                                                   std::span<const std::string_view> keys,
                                                   std::span<const std::string_view> args) {
  request call;
  push_evalsha(call, s, keys, args);
  script_sender send = [this, &s, &call](bool load_first) {
    request r;
    if (load_first) {
      r.push("SCRIPT", "LOAD", s.source());
    }
    r.append(call);
    return exec(std::move(r));
  };
  // One node: after one reload the script is there (SCRIPT FLUSH or a restart since our connect).
  co_return co_await call_with_noscript_reload(std::move(send), 1);
}

}  // namespace sse::redis
