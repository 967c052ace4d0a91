#include "load/controller.hpp"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "common/launcher.hpp"
#include "load/cost_meter.hpp"
#include "load/report.hpp"
#include "load/target_watch.hpp"

namespace sse::load {
namespace {

using namespace std::chrono_literals;

bool write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  return static_cast<bool>(out);
}

std::optional<resource_figures> usage_of(const tools::child_process& p) {
  if (p.pid() <= 0) {
    return std::nullopt;
  }
  auto u = tools::read_process_usage(p.pid());
  if (!u) {
    return std::nullopt;
  }
  return resource_figures{p.pid(), u->cpu_seconds, u->peak_rss_bytes};
}

/// The started processes, stopped in reverse order when the run ends.
struct started {
  std::optional<tools::launched_process> redis;
  std::optional<tools::launched_process> gateway;
};

int start_processes(const load_options& o, const std::filesystem::path& work, started& s,
                    std::string& target) {
  std::string message;
  std::string store = "memory";
  if (o.store == "redis") {
    auto r = tools::launch_redis(work.string(), message);
    if (!r) {
      std::cerr << "error: " << message << "\n";
      return 2;
    }
    s.redis = std::move(*r);
    store = "redis://127.0.0.1:" + std::to_string(s.redis->port);
    std::cout << "redis-server pid " << s.redis->process.pid() << " on port " << s.redis->port
              << "\n";
  }
  tools::gateway_launch g;
  g.binary = o.gateway_bin;
  g.store = store;
  g.extra_args = o.gateway_args;
  g.work_dir = work.string();
  auto gw = tools::launch_gateway(g, message);
  if (!gw) {
    std::cerr << "error: " << message << "\n";
    return 2;
  }
  s.gateway = std::move(*gw);
  target = "http://127.0.0.1:" + std::to_string(s.gateway->port);
  std::cout << "gateway pid " << s.gateway->process.pid() << " at " << target << " (store " << store
            << ", log " << s.gateway->log_path << ")\n";
  return 0;
}

/// A started process that is gone: the message naming it, else nullopt.
std::optional<std::string> exited(const char* name, std::optional<tools::launched_process>& p,
                                  std::chrono::nanoseconds elapsed) {
  if (!p || p->process.running()) {
    return std::nullopt;
  }
  char at[32];
  std::snprintf(at, sizeof at, "%.1f", std::chrono::duration<double>(elapsed).count());
  return std::string(name) + " (pid " + std::to_string(p->process.pid()) + ") exited with status " +
         std::to_string(p->process.exit_code()) + " at " + at +
         " s into the run (log: " + p->log_path + ")";
}

/// What the flags ask of the run, per second (SCHEMA.md, "Rules"): --rate events appended, each
/// delivered to the subscribers of its stream (subscribers / streams of them on average), and
/// each subscriber resuming once per cut cycle (--cut-mean, then --resume-pause). Subscribers
/// start over the first 300 ms + --ramp (see run_load).
configured_load configured_load_of(const load_options& o) {
  using seconds_d = std::chrono::duration<double>;
  configured_load l;
  l.appended_per_s = o.rate;
  if (o.streams > 0) {
    l.delivered_per_s = o.rate * static_cast<double>(o.subscribers) / o.streams;
  }
  const double cycle_s = seconds_d(o.cut_mean + o.resume_pause).count();
  if (o.cut_mean.count() > 0 && cycle_s > 0) {
    l.resume_attempts_per_s = static_cast<double>(o.subscribers) / cycle_s;
  }
  l.warmup_s = seconds_d(300ms + o.ramp).count();
  return l;
}

}  // namespace

int run_load(const load_options& o) {
  std::string message;
  auto limits = load_thresholds(o.gate_file, message);
  if (!limits) {
    std::cerr << "error: " << message << "\n";
    return 2;
  }
  const std::uint64_t nofile = tools::raise_open_files_limit();
  const std::uint64_t needed = o.subscribers + o.producers + 64;
  if (nofile < needed) {
    std::cerr << "error: RLIMIT_NOFILE is " << nofile << ", the run needs about " << needed
              << " descriptors (raise the hard limit: ulimit -Hn)\n";
    return 2;
  }
  std::error_code fs_ec;
  const std::filesystem::path out_dir(o.out_dir);
  const std::filesystem::path work = out_dir / "run";
  std::filesystem::create_directories(work, fs_ec);
  if (fs_ec) {
    std::cerr << "error: cannot create " << work << ": " << fs_ec.message() << "\n";
    return 2;
  }

  run_info info;
  info.options = &o;
  info.limits = *limits;
  info.date = utc_now();
  info.machine = tools::describe_machine();
  info.commit = o.commit.empty() ? tools::command_output("git rev-parse HEAD") : o.commit;
  info.open_files_limit = nofile;

  started procs;
  std::uint16_t port = o.target_port;
  info.target = o.target;
  if (!o.gateway_bin.empty()) {
    if (int rc = start_processes(o, work, procs, info.target); rc != 0) {
      return rc;
    }
    port = procs.gateway->port;
  }

  info.stream_prefix = "lr" + std::to_string(::getpid()) + "-" + std::to_string(std::time(nullptr));
  slot_table slots(o.streams, info.stream_prefix);
  shared_run shared;
  shared.options = &o;
  shared.server = {boost::asio::ip::make_address_v4("127.0.0.1"), port};
  shared.publish_server = shared.server;
  if (o.target_kind == "nchan") {
    shared.publish_server.port(o.publish.port);
  }
  shared.slots = &slots;

  std::vector<std::unique_ptr<worker>> workers;
  for (unsigned i = 0; i < o.threads; ++i) {
    workers.push_back(std::make_unique<worker>(shared, i));
  }
  for (unsigned p = 0; p < o.producers; ++p) {
    std::vector<std::size_t> mine;
    for (std::size_t s = p; s < o.streams; s += o.producers) {
      mine.push_back(s);
    }
    workers[p % o.threads]->add_producer(p, std::move(mine));
  }
  for (unsigned c = 0; c < o.subscribers; ++c) {
    // The producers create every first stream in their first moments; subscribers start a
    // little later and spread over --ramp so that they do not all connect at once.
    const auto delay =
        300ms + std::chrono::milliseconds(o.ramp.count() * c / std::max(1u, o.subscribers));
    workers[c % o.threads]->add_subscriber(c, c % o.streams, delay);
  }

  std::cout << "sse-live-resume: " << o.producers << " producers, " << o.streams << " streams, "
            << o.rate << " events/s, " << o.subscribers << " subscribers, " << o.threads
            << " thread(s), " << o.source_addresses << " source address(es), duration "
            << o.duration.count() / 1000.0 << " s, window " << o.window.count() / 1000.0
            << " s, seed " << o.seed << ", open files limit " << nofile << std::endl;

  gate g(*limits, o.window, configured_load_of(o));
  // The cost interval starts here: the gateway is up and idle, no connection of the tool open.
  cost_meter meter(procs.gateway ? procs.gateway->process.pid() : -1,
                   procs.redis ? procs.redis->process.pid() : -1);
  meter.start();
  shared.start = steady::now();
  for (auto& w : workers) {
    w->start();
  }
  std::vector<std::thread> threads;
  for (auto& w : workers) {
    threads.emplace_back([&w] { w->run(); });
  }

  auto collect = [&] {
    window_sample total;
    std::uint64_t open = 0;
    for (auto& w : workers) {
      shard& sh = w->stats();
      {
        std::lock_guard lock(sh.mutex);
        total.merge(sh.window);
        sh.window.clear();
      }
      open += sh.open_connections.load();
    }
    return std::pair{std::move(total), open};
  };
  auto close = [&](std::chrono::nanoseconds end) {
    auto [sample, open] = collect();
    auto f = g.close_window(end, sample, open, meter.window_end());
    std::cout << row_line(g.rows().back()) << std::endl;
    return f;
  };

  const std::chrono::nanoseconds duration = o.duration;
  std::optional<gate_failure> failure;
  target_watch watch;
  for (;;) {
    const auto next = shared.start + std::min(g.next_window_end(), duration);
    std::this_thread::sleep_until(std::min(next, steady::now() + 100ms));
    const auto now = steady::now();
    const auto elapsed = now - shared.start;
    // A gone gateway (or redis-server, or a target refusing every connect) cannot be judged:
    // stop now as a setup error rather than fail windows for the rest of --duration.
    info.setup_error = exited("gateway", procs.gateway, elapsed);
    if (!info.setup_error) {
      info.setup_error = exited("redis-server", procs.redis, elapsed);
    }
    if (!info.setup_error) {
      std::uint64_t accepted = 0;
      std::uint64_t refused = 0;
      for (auto& w : workers) {
        accepted += w->stats().connects_accepted.load(std::memory_order_relaxed);
        refused += w->stats().connects_refused.load(std::memory_order_relaxed);
      }
      if (auto m = watch.observe(elapsed, accepted, refused)) {
        info.setup_error = *m + " (" + info.target + ")";
      }
    }
    if (info.setup_error) {
      // The rows up to now still go into the artifacts; window rules no longer matter.
      const auto until = std::min<std::chrono::nanoseconds>(elapsed, duration);
      while (g.next_window_end() <= until) {
        close(g.next_window_end());
      }
      if (g.rows().empty() || g.rows().back().end_s * 1e9 < static_cast<double>(until.count())) {
        close(until);
      }
      std::cerr << "error: " << *info.setup_error << std::endl;
      break;
    }
    std::uint64_t oldest = 0;
    for (auto& w : workers) {
      shard& sh = w->stats();
      std::lock_guard lock(sh.mutex);
      const std::uint64_t t = sh.pending_resumes.empty() ? 0 : *sh.pending_resumes.begin();
      if (t != 0 && (oldest == 0 || t < oldest)) {
        oldest = t;
      }
    }
    if (oldest != 0 && to_ns(now) > oldest) {
      failure = g.check_resume_latency(elapsed, std::chrono::nanoseconds(to_ns(now) - oldest));
    }
    while (!failure &&
           g.next_window_end() <= std::min<std::chrono::nanoseconds>(elapsed, duration)) {
      failure = close(g.next_window_end());
    }
    if (failure) {
      // A window rule fired as its window closed; the latency rule fires mid-window, whose
      // partial row still belongs in the artifacts.
      if (g.rows().empty() || g.rows().back().index < failure->window) {
        close(std::min<std::chrono::nanoseconds>(elapsed, duration));
      }
      std::cout << "GATE FAILED (fail fast): " << failure->message << std::endl;
      break;
    }
    if (elapsed >= duration) {
      if (g.rows().empty() || g.rows().back().end_s * 1e9 < static_cast<double>(duration.count())) {
        close(duration);
      }
      break;
    }
  }

  shared.stopping.store(true);
  for (auto& w : workers) {
    w->stop(1s);
  }
  for (auto& t : threads) {
    t.join();
  }

  const auto self = tools::self_usage();
  info.tool = {::getpid(), self.cpu_seconds, self.peak_rss_bytes};
  if (procs.gateway) {
    info.gateway = usage_of(procs.gateway->process);
  }
  if (procs.redis) {
    info.redis = usage_of(procs.redis->process);
  }
  for (auto& w : workers) {
    info.counters.merge(w->stats().counters);
  }
  if (procs.gateway) {
    procs.gateway->process.stop(10s);
    const int rc = procs.gateway->process.exit_code();
    if (rc != 0 && !info.setup_error) {
      std::cout << "note: gateway exited with status " << rc << "\n";
    }
  }
  if (procs.redis) {
    procs.redis->process.stop(5s);
  }

  const run_report report = g.finish();
  info.cost = compute_run_cost(meter.gateway(), meter.redis(), report.aggregates.duration_s,
                               report.aggregates.totals.events_delivered,
                               report.aggregates.peak_open_connections);
  const double window_s = static_cast<double>(o.window.count()) / 1000.0;
  const bool written =
      write_file(out_dir / "timeseries.json", timeseries_json(g.rows(), window_s)) &&
      write_file(out_dir / "timeseries.csv", timeseries_csv(g.rows())) &&
      write_file(out_dir / "summary.json", summary_json(info, report));
  std::cout << summary_text(info, report);
  if (!written) {
    std::cerr << "error: cannot write artifacts into " << out_dir << "\n";
    return 2;
  }
  std::cout << "artifacts: " << (out_dir / "summary.json").string()
            << ", timeseries.json, timeseries.csv" << std::endl;
  if (info.setup_error) {
    return 2;
  }
  return report.pass ? 0 : 1;
}

}  // namespace sse::load
