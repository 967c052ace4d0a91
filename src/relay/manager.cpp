#include "relay/manager.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <future>
#include <random>

#include "core/stream_id.hpp"
#include "ops/stream_ops.hpp"
#include "relay/checkpointer.hpp"
#include "relay/manager_shared.hpp"
#include "relay/names.hpp"

namespace sse::relay {

namespace {

/// 32 random hex digits: a generated key, unguessable, in the route's namespace.
std::string generated_key() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  static constexpr char hex[] = "0123456789abcdef";
  std::string key;
  for (int i = 0; i < 2; ++i) {
    auto v = rng();
    for (int j = 0; j < 16; ++j) {
      key += hex[v & 0xf];
      v >>= 4;
    }
  }
  return key;
}

/// Ends a stream whose lease this node claimed (its node died): the readers get an
/// upstream_error event {"reason":"upstream_lost"} and the end `failed`. True when this node
/// ended it.
net::awaitable<bool> end_lost(std::shared_ptr<manager::shared> sh, std::string id) {
  ops::context& s = sh->s;
  bool ended = false;
  // Look first: an append to a stream that is gone would create it again.
  auto info = co_await s.store.info(id);
  if (info && info->status == store::stream_status::open) {
    boost::json::object detail{{"reason", "upstream_lost"}, {"upstream_status", 0}};
    ended = co_await end_failed(s, id, std::move(detail));
    if (ended) {
      sh->emit(names::upstream_error, id,
               {{"reason", "upstream_lost"}, {"upstream_status", 0}, {"local", false}});
    }
  } else if (!info && info.error() != make_error_code(errc::stream_not_found)) {
    co_return false;  // the store is down: the claim expires and a later sweep tries again
  }
  co_await sh->options.lease->release(id);
  co_return ended;
}

net::awaitable<std::size_t> sweep(std::shared_ptr<manager::shared> sh) {
  auto claimed = co_await sh->options.lease->claim_expired(sh->options.lease_sweep_batch);
  std::size_t ended = 0;
  if (!claimed) {
    co_return ended;
  }
  for (auto& id : *claimed) {
    if (co_await end_lost(sh, std::move(id))) {
      ++ended;
    }
  }
  co_return ended;
}

net::awaitable<void> sweep_loop(std::shared_ptr<manager::shared> sh) {
  net::steady_timer timer(co_await net::this_coro::executor);
  {
    std::lock_guard lock(sh->mutex);
    sh->sweep_timer = &timer;
  }
  while (!sh->shutting_down.load()) {
    timer.expires_after(sh->options.lease_sweep_interval);  // an interval: no clock to read
    co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    if (sh->shutting_down.load()) {
      break;
    }
    co_await sweep(sh);
  }
  std::lock_guard lock(sh->mutex);
  sh->sweep_timer = nullptr;
}

}  // namespace

manager::manager(ops::context& s, std::vector<route> routes, std::shared_ptr<net::ssl::context> tls,
                 manager_options options)
    : shared_(std::make_shared<shared>(s, std::move(tls), options)) {
  for (auto& r : routes) {
    std::string name = r.name;
    shared_->routes.emplace(std::move(name), entry{std::move(r), std::make_unique<route_stats>()});
  }
}

manager::~manager() {
  std::lock_guard lock(shared_->mutex);
  for (auto& [id, ctl] : shared_->running) {
    ctl->cancel();
  }
}

ops::api_result<std::string> manager::stream_id(std::string_view route_name,
                                                const std::optional<std::string>& key) const {
  if (shared_->routes.find(route_name) == shared_->routes.end()) {
    return ops::api_error{404, "unknown_route",
                          "no relay route named \"" + std::string(route_name.substr(0, 64)) + "\""};
  }
  // A generated key has 32 characters; route names (at most 64) leave room for it.
  auto id = core::relay_stream_id(route_name, key ? *key : generated_key());
  if (!id) {
    return ops::api_error{400, "invalid_idempotency_key",
                          "Idempotency-Key must be 1-" +
                              std::to_string(core::max_relay_key_length(route_name)) +
                              " characters of [A-Za-z0-9_:-] on this route (the stream is relay." +
                              std::string(route_name) + ".<key>)"};
  }
  return std::move(*id);
}

net::awaitable<ops::api_result<ops::relay_started>> manager::start(std::string route_name,
                                                                   std::string id, std::string body,
                                                                   std::string content_type) {
  auto it = shared_->routes.find(route_name);
  if (it == shared_->routes.end()) {
    co_return ops::api_error{404, "unknown_route",
                             "no relay route named \"" + route_name.substr(0, 64) + "\""};
  }
  // Only streams of this route's namespace: a call never writes into a stream it did not make.
  if (core::relay_route_of(id) != std::string_view(route_name)) {
    co_return ops::api_error{
        400, "invalid_stream_id",
        "relay streams of route " + route_name + " are relay." + route_name + ".<key>"};
  }
  if (shared_->shutting_down.load()) {
    co_return ops::api_error{503, "shutting_down", "the gateway is shutting down"};
  }
  const route& r = it->second.r;
  route_stats& stats = *it->second.stats;
  // Reserve a slot first: a full route must not create a stream nobody will fill.
  if (stats.active.fetch_add(1, std::memory_order_relaxed) >= r.max_concurrent) {
    stats.active.fetch_sub(1, std::memory_order_relaxed);
    stats.rejected_busy.fetch_add(1, std::memory_order_relaxed);
    co_return ops::api_error{429, "route_busy", "too many upstream calls on route " + r.name};
  }
  store::stream_options options;
  options.buffer_limit = r.buffer_limit;
  options.ttl = r.ttl;
  // The lease comes before the stream, so that no relayed stream ever exists without one: if
  // this node dies between the two, the sweep claims the lease and finds the stream (ended
  // then) or nothing. A retried POST whose call runs elsewhere finds the lease held.
  bool leased = false;
  if (shared_->options.lease) {
    auto acquired = co_await shared_->options.lease->acquire(id);
    if (!acquired) {
      stats.active.fetch_sub(1, std::memory_order_relaxed);
      co_return ops::store_error(acquired.error(), id);
    }
    leased = *acquired;
  }
  auto created = co_await ops::create_stream(shared_->s, id, options);
  if (!created || !created->created) {
    stats.active.fetch_sub(1, std::memory_order_relaxed);
    if (leased) {
      co_await shared_->options.lease->release(id);  // no call of ours to hold it for
    }
    if (!created) {
      co_return ops::store_error(created.error(), id);
    }
    co_return ops::relay_started{id, false, created->epoch};
  }
  stats.started.fetch_add(1, std::memory_order_relaxed);
  auto ctl = std::make_shared<upstream_control>();
  {
    std::lock_guard lock(shared_->mutex);
    shared_->running[id] = ctl;
  }
  // On this request's worker, owned by its task group: shutdown() joins the call.
  auto ex = co_await net::this_coro::executor;
  shared_->tasks_on(ex).spawn(
      run_relay(shared_, &r, &stats, id, std::move(body), std::move(content_type), ctl, leased));
  co_return ops::relay_started{id, true, created->epoch};
}

net::awaitable<ops::api_result<ops::relay_cancelled>> manager::cancel(std::string stream_id) {
  std::shared_ptr<upstream_control> ctl;
  {
    std::lock_guard lock(shared_->mutex);
    if (auto it = shared_->running.find(stream_id); it != shared_->running.end()) {
      ctl = it->second;
    }
  }
  // End it first, so that this answer decides the status (the aborted call would otherwise race
  // to end it itself); a call running on another node stops at its next append (stream_ended).
  auto ended = co_await ops::end_stream(shared_->s, stream_id, store::stream_status::cancelled);
  if (ctl) {
    ctl->cancel();
  }
  if (!ended) {
    co_return ops::store_error(ended.error(), stream_id);
  }
  if (ended->already_ended) {
    co_return ops::api_error{409, "stream_ended", "stream " + stream_id + " has already ended"};
  }
  if (!ctl) {
    shared_->emit(names::cancelled, stream_id, {{"local", false}});
  }
  co_return ops::relay_cancelled{ended->epoch, ended->last_seq};
}

std::optional<net::awaitable<void>> manager::sweep_task(net::any_io_executor ex) {
  if (!shared_->options.lease) {
    return std::nullopt;
  }
  {
    std::lock_guard lock(shared_->mutex);
    shared_->sweep_ex = ex;
  }
  return sweep_loop(shared_);
}

net::awaitable<std::size_t> manager::sweep_once() {
  if (!shared_->options.lease) {
    co_return 0;
  }
  co_return co_await sweep(shared_);
}

std::size_t manager::shutdown(std::chrono::milliseconds deadline) {
  shared_->shutting_down.store(true);
  std::unique_lock lock(shared_->mutex);
  if (shared_->sweep_ex) {
    net::post(*shared_->sweep_ex, [sh = shared_] {
      std::lock_guard l(sh->mutex);
      if (sh->sweep_timer != nullptr) {
        sh->sweep_timer->cancel();
      }
    });
  }
  for (auto& [id, ctl] : shared_->running) {
    ctl->cancel();  // each call then ends its stream failed (gateway_shutdown)
  }
  // Real-time waits (own_clock, never options.clock): the calls end on real sockets, on the
  // workers, whatever the clock.
  const auto until = shared_->own_clock.now() + deadline;
  shared_->call_ended.wait_until(lock, until, [this] { return shared_->running.empty(); });
  const std::size_t left = shared_->running.size();
  // Then the coroutines themselves: a call's lease keeper may still be in a refresh after the
  // call ended, and must be done before the store goes. Within what is left of the deadline.
  auto groups = shared_->tasks;
  lock.unlock();
  for (auto& [ex, group] : groups) {
    auto joined = net::co_spawn(ex, group.join(), net::use_future);
    if (joined.wait_until(until) != std::future_status::ready) {
      break;
    }
  }
  return left;
}

std::string manager::render_prometheus() const {
  std::string out;
  auto family = [&](std::string_view name, std::string_view type, std::string_view help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
  };
  auto line = [&](std::string_view name, const std::string& labels, std::uint64_t v) {
    out += name;
    out += '{';
    out += labels;
    out += "} ";
    out += std::to_string(v);
    out += '\n';
  };
  const auto load = [](const auto& a) { return static_cast<std::uint64_t>(a.load()); };
  family("sse_relay_calls_total", "counter", "Relay upstream calls by route and outcome.");
  for (const auto& [name, e] : shared_->routes) {
    const std::string r = "route=\"" + name + "\"";
    line("sse_relay_calls_total", r + ",outcome=\"started\"", load(e.stats->started));
    line("sse_relay_calls_total", r + ",outcome=\"completed\"", load(e.stats->completed));
    line("sse_relay_calls_total", r + ",outcome=\"failed\"", load(e.stats->failed));
    line("sse_relay_calls_total", r + ",outcome=\"cancelled\"", load(e.stats->cancelled));
  }
  family("sse_relay_rejected_total", "counter", "Relay requests refused with 429 (route full).");
  for (const auto& [name, e] : shared_->routes) {
    line("sse_relay_rejected_total", "route=\"" + name + "\"", load(e.stats->rejected_busy));
  }
  family("sse_relay_events_total", "counter", "Upstream events appended to relay streams.");
  for (const auto& [name, e] : shared_->routes) {
    line("sse_relay_events_total", "route=\"" + name + "\"", load(e.stats->events));
  }
  family("sse_relay_active", "gauge", "Relay upstream calls running on this node.");
  for (const auto& [name, e] : shared_->routes) {
    line("sse_relay_active", "route=\"" + name + "\"", load(e.stats->active));
  }
  family("sse_relay_ttfb_ms", "summary", "Upstream time to the response head, milliseconds.");
  for (const auto& [name, e] : shared_->routes) {
    const std::string r = "route=\"" + name + "\"";
    line("sse_relay_ttfb_ms_sum", r, load(e.stats->ttfb_ms_sum));
    line("sse_relay_ttfb_ms_count", r, load(e.stats->ttfb_count));
  }
  family("sse_relay_duration_ms_sum", "counter", "Total duration of finished relay calls, ms.");
  for (const auto& [name, e] : shared_->routes) {
    line("sse_relay_duration_ms_sum", "route=\"" + name + "\"", load(e.stats->duration_ms_sum));
  }
  family("sse_relay_upstream_connections_total", "counter",
         "Upstream connections: opened, taken again from the keep-alive pool, and replaced "
         "after a pooled one was found closed.");
  line("sse_relay_upstream_connections_total", "kind=\"opened\"", load(shared_->pool.opened));
  line("sse_relay_upstream_connections_total", "kind=\"reused\"", load(shared_->pool.reused));
  line("sse_relay_upstream_connections_total", "kind=\"stale_retry\"",
       load(shared_->pool.stale_retries));
  family("sse_relay_upstream_idle_connections", "gauge", "Idle keep-alive upstream connections.");
  out += "sse_relay_upstream_idle_connections " + std::to_string(shared_->pool.idle()) + "\n";
  return out;
}

const route_stats* manager::stats(std::string_view route) const {
  auto it = shared_->routes.find(route);
  return it == shared_->routes.end() ? nullptr : it->second.stats.get();
}

const upstream_pool& manager::pool() const {
  return shared_->pool;
}

std::size_t manager::running() const {
  std::lock_guard lock(shared_->mutex);
  return shared_->running.size();
}

}  // namespace sse::relay
