#include "app/gateway.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_future.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <future>
#include <stdexcept>

#include "app/demo_producer.hpp"
#include "app/startup_summary.hpp"
#include "app/store_factory.hpp"
#include "config/parse.hpp"
#include "durable/door.hpp"
#include "fanout/hub.hpp"
#include "http/durable_report.hpp"
#include "http/server.hpp"
#include "http/services.hpp"
#include "telemetry/jsonl_sink.hpp"
#include "telemetry/names.hpp"

namespace sse::app {

namespace net = boost::asio;
using namespace std::chrono_literals;

/// One worker: a single-threaded io_context. A connection stays on its worker, so its state
/// needs no locks.
class worker {
 public:
  worker() : ioc(1), guard(net::make_work_guard(ioc)) {}
  net::io_context ioc;
  net::executor_work_guard<net::io_context::executor_type> guard;
};

namespace {

void write_port_file(const std::string& path, std::uint16_t port) {
  // Write then rename: a reader polling for the file never sees it half-written.
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n";
    if (!out.flush()) {
      throw std::runtime_error("cannot write port file " + tmp);
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    throw std::runtime_error("cannot write port file " + path + ": " + ec.message());
  }
}

unsigned thread_count(unsigned configured) {
  if (configured > 0) {
    return configured;
  }
  unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : n;
}

void run_worker(net::io_context& ioc) {
  for (;;) {
    try {
      ioc.run();
      return;
    } catch (const std::exception& e) {
      // A bug escaped a handler: log it and keep the worker serving the others.
      spdlog::error("worker: unexpected exception: {}", e.what());
    }
  }
}

}  // namespace

gateway::gateway(config::config cfg, telemetry::sink* sink, const core::clock* clock,
                 const core::monotonic_clock* steady)
    : cfg_(std::move(cfg)),
      clock_(clock != nullptr ? *clock : system_clock_),
      steady_(steady != nullptr ? *steady : steady_clock_),
      sink_(sink) {
  if (cfg_.node_id.empty()) {
    cfg_.node_id = config::node_id_default();
  }
  if (sink_ == nullptr) {
    try {
      owned_sink_ = telemetry::make_sink(cfg_.telemetry, cfg_.node_id, &metrics_, &clock_);
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("telemetry: ") + e.what());
    }
    sink_ = owned_sink_.get();
  }

  const unsigned n = thread_count(cfg_.threads);
  std::vector<net::any_io_executor> executors;
  for (unsigned i = 0; i < n; ++i) {
    workers_.push_back(std::make_unique<worker>());
    executors.push_back(workers_.back()->ioc.get_executor());
  }
  tasks_ = std::make_unique<redis::task_group>(executors.front());
  sweep_wake_ = std::make_shared<redis::wake_signal>(executors.front(), &steady_);
  ready_wake_ = std::make_shared<redis::wake_signal>(executors.front());

  store_ = make_store(store_context{cfg_, clock_, executors, *sink_, metrics_});
  if (store_.on_availability) {
    store_.on_availability([wake = ready_wake_, ex = executors.front()] {
      net::post(ex, [wake] { wake->notify(); });
    });
  }
  try {
    auth_ = auth::make_authenticator(cfg_);
  } catch (const std::exception& e) {
    throw std::runtime_error(std::string("auth: ") + e.what());
  }
  services_ =
      std::make_unique<http::services>(cfg_, *store_.store, *sink_, metrics_, clock_, &steady_);
  services_->auth = auth_.get();
  limits_ = std::make_unique<auth::node_limits>(cfg_.max_connections_per_ip, cfg_.append_rate,
                                                cfg_.append_burst, cfg_.max_subscribers_per_stream);
  services_->limits = limits_.get();
  // The Durable Streams door: its access control and limits are http/durable_access's.
  durable::settings ds;
  ds.long_poll_timeout = cfg_.durable_long_poll_timeout;
  ds.buffer_limit = cfg_.max_buffer_limit;
  ds.max_ttl = cfg_.max_ttl;
  durable_report_ =
      std::make_unique<http::durable_report>(ops::context{*store_.store, *sink_, metrics_});
  durable_ =
      std::make_unique<durable::door>(*store_.store, ds, durable_report_.get(), &steady_, &clock_);
  services_->durable = durable_.get();
  if (!cfg_.relay_config.empty()) {
    auto routes = relay::load_routes(cfg_.relay_config);
    if (!routes.error.empty()) {
      throw std::runtime_error("relay: " + routes.error);
    }
    if (auto over = relay::check_stream_caps(routes.routes, cfg_.max_buffer_limit, cfg_.max_ttl);
        !over.empty()) {
      throw std::runtime_error("relay: " + cfg_.relay_config + ": " + over);
    }
    for (const auto& r : routes.routes) {
      relay_route_names_.push_back(r.name);
    }
    relay::manager_options relay_options;
    // With a shared store, a call's node holds a lease on its stream (ended by another node,
    // upstream_lost, if this one dies); one process with the memory store needs none.
    if (store_.make_lease) {
      relay_options.lease = store_.make_lease(cfg_.node_id, cfg_.relay_lease_ttl);
      relay_options.lease_sweep_interval = cfg_.relay_lease_sweep;
    }
    relay_options.clock = &steady_;
    relay_ = std::make_unique<relay::manager>(*services_, std::move(routes.routes),
                                              relay::make_client_tls_context(""),
                                              std::move(relay_options));
    services_->relay = relay_.get();
  }

  std::vector<http::worker_binding> bindings;
  for (const auto& ex : executors) {
    hubs_.push_back(std::make_unique<fanout::hub>(ex, *store_.store));
    bindings.push_back(http::worker_binding{ex, hubs_.back().get()});
  }
  if (cfg_.demo) {
    demo_ = std::make_unique<demo_producer>(*services_, executors.front());
    services_->demo_current = [d = demo_.get()] { return d->current(); };
  }
  server_ = std::make_unique<http::server>(*services_, bindings);
  if (!cfg_.tls_cert.empty() || !cfg_.tls_key.empty()) {
    if (auto error = server_->enable_tls(cfg_.tls_cert, cfg_.tls_key); !error.empty()) {
      throw std::runtime_error(error);
    }
  }
}

gateway::~gateway() {
  if (started_ && !finished_) {
    stop();
  }
  drain_workers();
  // Members go in reverse order: server, demo, hubs, services, store, and the io_contexts last,
  // so that whatever the store or the server posts while going down has a context to go to.
}

void gateway::drain_workers() noexcept {
  // The workers are stopped. Run what is still queued on them (completions of closed sockets,
  // the store's connections winding down), so that no session is left suspended, holding
  // pointers into the hubs and the store, when those are destroyed. Bounded.
  for (auto& w : workers_) {
    for (int round = 0; round < 100; ++round) {
      w->ioc.restart();
      try {
        if (w->ioc.poll() == 0) {
          break;
        }
      } catch (const std::exception& e) {
        spdlog::error("worker: unexpected exception while draining: {}", e.what());
      }
    }
  }
}

void gateway::start() {
  if (auto ec = server_->listen(cfg_.listen_host, cfg_.listen_port)) {
    throw std::runtime_error("cannot listen on " + cfg_.listen_host + ":" +
                             std::to_string(cfg_.listen_port) + ": " + ec.message());
  }
  if (!cfg_.port_file.empty()) {
    write_port_file(cfg_.port_file, server_->port());
  }
  server_->start();
  if (store_.start) {
    store_.start();
  }
  if (demo_) {
    tasks_->spawn(demo_->run());
  }
  tasks_->spawn(sweep_loop(this, sweep_wake_));
  if (relay_) {
    if (auto sweep = relay_->sweep_task(workers_.front()->ioc.get_executor())) {
      tasks_->spawn(std::move(*sweep));
    }
  }
  for (auto& w : workers_) {
    threads_.emplace_back([&ioc = w->ioc] { run_worker(ioc); });
  }
  started_ = true;
  // A network store connects in the background; give it a moment so that the first requests
  // do not meet 503 (it is not an error to start without it: /readyz says not ready).
  // (A real-time wait: the connections run on real sockets whatever clock is injected.)
  if (store_.wait_available) {
    store_.wait_available(3s);
  }
  if (!store_.store->available()) {
    const std::string problem = store_.problem ? store_.problem() : std::string();
    spdlog::warn("the store {} is not available yet{}; serving anyway (/readyz reports not ready)",
                 redact_store_url(cfg_.store),
                 problem.empty() ? std::string(" (still connecting)") : " (" + problem + ")");
  }
  if (cfg_.auth == "none") {
    spdlog::warn(
        "access control is OFF (--auth none): anyone who can reach {}:{} may read and "
        "write every stream",
        cfg_.listen_host, server_->port());
  } else if (cfg_.auth.empty()) {
    spdlog::info("access control is off: --demo on a loopback address");
  }
  spdlog::info(
      "sse-gateway listening on {}:{} ({}, {} workers, store {}, access control {}, CORS {}, "
      "relay routes {}{})",
      cfg_.listen_host, server_->port(), server_->tls_enabled() ? "HTTPS" : "HTTP", workers_.size(),
      redact_store_url(cfg_.store), describe_access(cfg_), describe_cors(cfg_),
      describe_relay(relay_route_names_), cfg_.demo ? ", demo on" : "");
}

std::uint16_t gateway::port() const noexcept {
  return server_->port();
}

bool gateway::ready() const noexcept {
  return services_->ready();
}

std::size_t gateway::open_connections() const noexcept {
  return server_->open_sessions();
}

std::size_t gateway::refusals_in_flight() const noexcept {
  return server_->refusals_in_flight();
}

net::awaitable<void> gateway::sweep_loop(gateway* self, std::shared_ptr<redis::wake_signal> wake) {
  const auto stopped = [self] { return self->tasks_stop_.load(std::memory_order_relaxed); };
  while (!co_await wake->wait(self->steady_.now() + 1s, stopped)) {
    self->sweep_once();
  }
}

void gateway::when_ready(std::function<void()> on_waiting, std::function<void()> on_ready) {
  tasks_->spawn(ready_watch(this, ready_wake_, std::move(on_waiting), std::move(on_ready)));
}

net::awaitable<void> gateway::ready_watch(gateway* self, std::shared_ptr<redis::wake_signal> wake,
                                          std::function<void()> on_waiting,
                                          std::function<void()> on_ready) {
  const auto stopped = [self] { return self->tasks_stop_.load(std::memory_order_relaxed); };
  bool said_waiting = false;
  while (!stopped()) {
    if (self->ready()) {
      on_ready();
      co_return;
    }
    if (!said_waiting) {
      on_waiting();
      said_waiting = true;
    }
    // A deadline far away, checked again in the loop: the store's reports and wait() wake it.
    (void)co_await wake->wait(wake->now() + 1h, [&] { return stopped() || self->ready(); });
  }
}

void gateway::sweep_once() {
  if (store_.tick) {
    store_.tick();
  }
  for (const auto& gone : store_.store->sweep_expired()) {
    metrics_.streams_expired_total.fetch_add(1, std::memory_order_relaxed);
    telemetry::event e{std::string(telemetry::names::stream_expired), gone.stream_id, {}, 0};
    e.fields["epoch"] = gone.epoch;
    e.fields["ended"] = gone.ended;
    sink_->emit(std::move(e));
  }
}

void gateway::request_stop() {
  {
    std::lock_guard lock(mu_);
    stop_requested_ = true;
  }
  cv_.notify_all();
}

void gateway::wait() {
  {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [this] { return stop_requested_; });
  }
  if (!started_ || finished_) {
    finished_ = true;
    return;
  }
  spdlog::info("shutting down: {} connections open", server_->open_sessions());
  tasks_stop_.store(true, std::memory_order_relaxed);
  net::post(workers_.front()->ioc, [sweep = sweep_wake_, ready = ready_wake_] {
    sweep->notify();
    ready->notify();
  });
  if (demo_) {
    demo_->stop();
  }
  if (relay_) {
    // Before the connections close, so that their subscribers still get the end event.
    if (const auto left = relay_->shutdown(cfg_.shutdown_grace); left > 0) {
      spdlog::warn("shutdown: {} relay calls did not end in time", left);
    }
  }
  server_->begin_shutdown();

  // Real-time waits from this (non-worker) thread: the sessions end on real sockets.
  if (!server_->wait_closed(cfg_.shutdown_grace)) {
    spdlog::warn("shutdown grace over: closing {} connections ({} of them refusals)",
                 server_->open_sessions() + server_->refusals_in_flight(),
                 server_->refusals_in_flight());
    server_->close_all();
    server_->wait_closed(1000ms);
  }
  // The sweeps and the demo were told to stop above; they use the store, so they go first.
  join_tasks(1000ms);
  if (store_.stop) {
    store_.stop();  // its connections wind down on the workers: drain_workers() runs the rest
  }
  if (store_.join && !store_.join(1000ms)) {
    spdlog::warn("shutdown: the store's background tasks did not end in time");
  }
  for (auto& w : workers_) {
    w->ioc.stop();
  }
  for (auto& t : threads_) {
    t.join();
  }
  threads_.clear();
  sink_->flush();
  finished_ = true;
}

void gateway::join_tasks(std::chrono::milliseconds limit) {
  auto joined = net::co_spawn(workers_.front()->ioc, tasks_->join(), net::use_future);
  if (joined.wait_for(limit) != std::future_status::ready) {
    // Left to the workers' drain: a task still in a store call then ends with the store.
    spdlog::warn("shutdown: {} background tasks did not end in time", tasks_->running());
  }
}

void gateway::stop() {
  request_stop();
  wait();
}

}  // namespace sse::app
