// Redis store benchmarks: append with eviction at buffer limits 256, 4096 and 65536
// (the cost must stay flat), resume reads, Redis round trips per operation from INFO
// commandstats, Redis memory per buffered event, and the compression ratio on a payload mix.
//
// Needs redis-server on PATH: each benchmark process starts its own on a free loopback port
// (or uses SSE_BENCH_REDIS_PORT when set). Run a Release build:
//   sse_redis_bench --benchmark_counters_tabular=true

#include <benchmark/benchmark.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>

#include "bench_common.hpp"
#include "common/child_process.hpp"
#include "redis/client.hpp"
#include "store/redis/record.hpp"
#include "store/redis/redis_store.hpp"

namespace {

namespace net = boost::asio;
using namespace sse;
using namespace std::chrono_literals;

// One redis-server for the whole process, killed at exit (the tools' and tests' child process).
class bench_redis {
 public:
  bench_redis() {
    if (const char* p = std::getenv("SSE_BENCH_REDIS_PORT")) {
      port_ = static_cast<std::uint16_t>(std::atoi(p));
      return;
    }
    net::io_context io;
    net::ip::tcp::acceptor a(io, {net::ip::make_address("127.0.0.1"), 0});
    port_ = a.local_endpoint().port();
    a.close();
    tools::child_options o;
    o.program = "redis-server";
    o.args = {"--port", std::to_string(port_), "--bind", "127.0.0.1"};
    o.args.insert(o.args.end(), {"--save", "", "--appendonly", "no", "--dir", "/tmp"});
    o.name = "bench-redis";
    process_ = tools::child_process(std::move(o));
  }
  std::uint16_t port() const { return port_; }

 private:
  std::uint16_t port_ = 0;
  tools::child_process process_;
};

bench_redis& server() {
  static bench_redis r;
  return r;
}

const core::system_clock& clock() {
  static const core::system_clock c;
  return c;
}

template <class T>
T run(net::io_context& io, net::awaitable<T> op) {
  std::optional<T> out;
  net::co_spawn(io, std::move(op), [&](std::exception_ptr e, T v) {
    if (e) {
      std::rethrow_exception(e);
    }
    out.emplace(std::move(v));
  });
  while (!out) {
    io.run_one();
  }
  return std::move(*out);
}

// A started store on io, plus a plain client for INFO/CONFIG commands.
struct fixture {
  net::io_context io;
  std::unique_ptr<store::redis_store> store;
  std::unique_ptr<redis::client> admin;

  explicit fixture(store::store_limits limits) {
    redis::connection_config c;
    c.port = server().port();
    c.command_timeout = 30s;
    store::redis_store_options o;
    o.connection = c;
    store = std::make_unique<store::redis_store>(
        limits, o, std::vector<net::any_io_executor>{io.get_executor()}, clock());
    admin =
        std::make_unique<redis::client>(std::vector<net::any_io_executor>{io.get_executor()}, c);
    store->start();
    admin->start();
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!(store->available() && admin->up())) {
      if (std::chrono::steady_clock::now() > deadline) {
        throw std::runtime_error("redis-server not reachable");
      }
      io.run_for(10ms);
    }
  }
  ~fixture() {
    store->stop();
    admin->stop();
    io.run_for(50ms);
  }

  std::string command(std::vector<std::string> argv) {
    redis::request r;
    std::vector<std::string_view> views(argv.begin(), argv.end());
    r.push_argv(views);
    auto rep = run(io, admin->exec(std::move(r)));
    if (!rep || rep->empty()) {
      throw std::runtime_error("admin command failed");
    }
    return rep->front().str;
  }

  // A field of INFO, e.g. ("commandstats", "cmdstat_evalsha", "calls").
  double info_stat(const std::string& section, const std::string& line_key,
                   const std::string& field) {
    const std::string text = command({"INFO", section});
    auto pos = text.find(line_key + ":");
    if (pos == std::string::npos) {
      return 0;
    }
    auto end = text.find('\n', pos);
    const std::string line = text.substr(pos, end - pos);
    if (field.empty()) {
      return std::stod(line.substr(line_key.size() + 1));
    }
    auto f = line.find(field + "=");
    return f == std::string::npos ? 0 : std::stod(line.substr(f + field.size() + 1));
  }

  result<store::append_result> append(const std::string& id, std::vector<stream::new_event> evs) {
    store::append_request r;
    r.stream_id = id;
    r.events = std::move(evs);
    return run(io, store->append(std::move(r)));
  }
};

// Fills id to `limit` events with token payloads in batches of 512.
void fill(fixture& f, const std::string& id, long limit) {
  const auto& prio = bench::priority_mix();
  long done = 0;
  while (done < limit) {
    std::vector<stream::new_event> batch;
    for (long i = 0; i < 512 && done < limit; ++i, ++done) {
      batch.push_back(
          {"delta", bench::token_payload(64), prio[static_cast<std::size_t>(done) % prio.size()]});
    }
    if (!f.append(id, std::move(batch))) {
      throw std::runtime_error("fill failed");
    }
  }
}

// One event per append into a full buffer: every append evicts exactly one event. The Lua time
// per call (Redis' own usec_per_call) isolates the eviction cost from the network round trip.
void BM_RedisAppendEvict(benchmark::State& state) {
  const long limit = state.range(0);
  store::store_limits limits;
  limits.buffer_limit = static_cast<std::size_t>(limit);
  limits.buffer_max_bytes = 1ULL << 40;
  fixture f(limits);
  f.command({"FLUSHALL"});
  const std::string id = "bench-evict-" + std::to_string(limit);
  fill(f, id, limit);
  f.command({"CONFIG", "RESETSTAT"});
  const auto& prio = bench::priority_mix();
  std::size_t i = 0;
  std::size_t evicted = 0;
  for (auto _ : state) {
    auto a = f.append(id, {{"delta", bench::token_payload(64), prio[i++ % prio.size()]}});
    if (!a) {
      state.SkipWithError("append failed");
      break;
    }
    evicted += a->evicted.size();
  }
  const double calls = f.info_stat("commandstats", "cmdstat_evalsha", "calls");
  state.counters["evicted_per_append"] =
      static_cast<double>(evicted) / static_cast<double>(state.iterations());
  state.counters["evalsha_per_append"] = calls / static_cast<double>(state.iterations());
  state.counters["lua_usec_per_append"] =
      f.info_stat("commandstats", "cmdstat_evalsha", "usec_per_call");
}
BENCHMARK(BM_RedisAppendEvict)->Arg(256)->Arg(4096)->Arg(65536)->Unit(benchmark::kMicrosecond);

// A resume: read everything after a point 100 events before the end (a reconnect), counting
// commands per resume.
void BM_RedisResumeRead(benchmark::State& state) {
  const long limit = state.range(0);
  store::store_limits limits;
  limits.buffer_limit = static_cast<std::size_t>(limit);
  limits.buffer_max_bytes = 1ULL << 40;
  fixture f(limits);
  f.command({"FLUSHALL"});
  const std::string id = "bench-read-" + std::to_string(limit);
  fill(f, id, limit);
  auto last = run(f.io, f.store->info(id));
  const seq_t after = last->last_seq > 100 ? last->last_seq - 100 : 0;
  f.command({"CONFIG", "RESETSTAT"});
  std::size_t events = 0;
  for (auto _ : state) {
    auto r = run(f.io, f.store->read_after(id, after));
    if (!r) {
      state.SkipWithError("read failed");
      break;
    }
    events += r->events.size();
  }
  state.counters["events_per_resume"] =
      static_cast<double>(events) / static_cast<double>(state.iterations());
  state.counters["commands_per_resume"] = f.info_stat("commandstats", "cmdstat_evalsha", "calls") /
                                          static_cast<double>(state.iterations());
}
BENCHMARK(BM_RedisResumeRead)->Arg(256)->Arg(4096)->Arg(65536)->Unit(benchmark::kMicrosecond);

// Redis memory per buffered event (64-byte token payloads with type "delta"), measured as the
// growth of used_memory over `limit` events.
void BM_RedisMemoryPerEvent(benchmark::State& state) {
  const long n = state.range(0);
  store::store_limits limits;
  limits.buffer_limit = static_cast<std::size_t>(n);
  limits.buffer_max_bytes = 1ULL << 40;
  fixture f(limits);
  double per_event = 0;
  for (auto _ : state) {
    state.PauseTiming();
    f.command({"FLUSHALL"});
    const double before = f.info_stat("memory", "used_memory", "");
    state.ResumeTiming();
    fill(f, "bench-mem", n);
    state.PauseTiming();
    const double after = f.info_stat("memory", "used_memory", "");
    per_event = (after - before) / static_cast<double>(n);
    state.ResumeTiming();
  }
  state.counters["redis_bytes_per_event"] = per_event;
}
BENCHMARK(BM_RedisMemoryPerEvent)
    ->Arg(4096)
    ->Arg(65536)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

// Compression on a payload mix: LLM-token JSON deltas (mostly below --compress-min-bytes, so
// stored raw), tool-call/usage JSON and log lines (above it). Reports stored/input bytes.
void BM_CompressionMix(benchmark::State& state) {
  std::mt19937 rng(42);
  std::vector<std::string> payloads;
  const char* levels[] = {"INFO", "WARN", "DEBUG", "ERROR"};
  for (int i = 0; i < 2000; ++i) {
    switch (i % 4) {
      case 0:
      case 1:
        payloads.push_back(bench::token_payload(40 + rng() % 60));  // token deltas
        break;
      case 2: {
        std::string lines;
        for (int k = 0; k < 4; ++k) {
          lines += "2026-11-27T10:00:" + std::to_string(10 + rng() % 50) + "Z " +
                   levels[rng() % 4] + " worker-" + std::to_string(rng() % 8) +
                   " request_id=" + std::to_string(rng()) + " processed batch of " +
                   std::to_string(rng() % 1000) + " items in " + std::to_string(rng() % 900) +
                   "ms\n";
        }
        payloads.push_back(lines);
        break;
      }
      default:
        payloads.push_back(
            "{\"id\":\"chatcmpl-" + std::to_string(rng()) +
            "\",\"object\":\"chat.completion.chunk\",\"model\":\"gpt-4o-mini\",\"choices\":[{"
            "\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":"
            "\"{\\\"query\\\":\\\"weather in Paris tomorrow\\\"}\"}}]},\"finish_reason\":null}],"
            "\"usage\":{\"prompt_tokens\":" +
            std::to_string(rng() % 2000) + ",\"completion_tokens\":" + std::to_string(rng() % 500) +
            "}}");
    }
  }
  std::size_t in = 0;
  std::size_t out = 0;
  std::size_t compressed = 0;
  std::size_t big_in = 0;
  std::size_t big_out = 0;
  for (auto _ : state) {
    in = out = compressed = big_in = big_out = 0;
    for (const auto& p : payloads) {
      auto r = store::redis_layout::encode_record({"delta", p, 1}, false, 128, 3);
      const std::size_t stored = r.bytes.size() - 4 - 5;  // data only (header, type excluded)
      in += p.size();
      out += stored;
      compressed += r.compressed ? 1 : 0;
      if (p.size() >= 128) {
        big_in += p.size();
        big_out += stored;
      }
    }
  }
  state.counters["ratio_at_or_above_128B"] =
      static_cast<double>(big_out) / static_cast<double>(big_in);
  state.counters["input_bytes"] = static_cast<double>(in);
  state.counters["stored_bytes"] = static_cast<double>(out);
  state.counters["ratio"] = static_cast<double>(out) / static_cast<double>(in);
  state.counters["compressed_share"] =
      static_cast<double>(compressed) / static_cast<double>(payloads.size());
}
BENCHMARK(BM_CompressionMix)->Unit(benchmark::kMillisecond);

}  // namespace
