// Compressed SSE: bytes on the wire and CPU per delivered event, per coding and
// setting, for one connection's stream flushed after every event (a live token stream: the worst
// case for the ratio, since nothing coalesces). Bytes include the chunk framing each write adds
// (`<hex>\r\n` ... `\r\n`). Two streams: OpenAI-style chat.completion.chunk deltas and the load
// tool's default traffic mix (tools/load/traffic_mix.hpp; what the gate sends). Prints a table;
// figures go to BENCHMARKS.md, "Compressed SSE".
//
//   sse_wire_compression_bench [events] [repeats]

#include <time.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "load/traffic_mix.hpp"
#include "stream/sse_compressor.hpp"
#include "stream/sse_encoder.hpp"

namespace {

using sse::stream::compressor_params;
using sse::stream::content_coding;

double thread_cpu_ns() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

std::vector<std::string> openai_stream(std::size_t n) {
  static constexpr const char* words[] = {
      "The", " model", " streams", " tokens", " one",     " at",  " a",        " time",
      ",",   " and",   " each",    " delta",  " repeats", " its", " envelope", "."};
  std::mt19937 rng(7);
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string data =
        R"({"id":"chatcmpl-AbC9xQ2rT5","object":"chat.completion.chunk","created":1733500000,)"
        R"("model":"gpt-4o-2024-08-06","choices":[{"index":0,"delta":{"content":")" +
        std::string(words[rng() % std::size(words)]) + R"("},"finish_reason":null}]})";
    out.push_back(sse::stream::encode_event("9f3a1c2b", i + 1, "", data));
  }
  return out;
}

std::vector<std::string> gate_stream(std::size_t n) {
  sse::load::traffic_source traffic(sse::load::traffic_mix{}, 1);
  std::uint64_t publish_ns = 1'733'500'000'000'000'000ull;
  std::vector<std::string> out;
  for (std::size_t i = 0; i < n; ++i) {
    const int priority = traffic.next_priority();
    const std::uint32_t filler = traffic.next_size(priority);
    publish_ns += 500'000 + (i * 7919) % 100'000;
    // The data append_event_line() writes: `<publish_ns> <filler>`.
    std::string data = std::to_string(publish_ns) + ' ';
    for (std::uint32_t k = 0; k < filler; ++k) {
      data.push_back((k % 6 == 5) ? ' ' : static_cast<char>('a' + (k * 7 + publish_ns) % 26));
    }
    out.push_back(
        sse::stream::encode_event("9f3a1c2b", i + 1, sse::load::event_type_for(priority), data));
  }
  return out;
}

std::size_t chunk_framing(std::size_t size) {
  std::size_t hex = 1;
  while (size >= 16) {
    size /= 16;
    ++hex;
  }
  return hex + 4;  // <hex>\r\n ... \r\n
}

struct row {
  std::string name;
  content_coding coding;
  compressor_params params;
};

}  // namespace

int main(int argc, char** argv) {
  const std::size_t events = argc > 1 ? std::strtoul(argv[1], nullptr, 10) : 20'000;
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 5;
  std::vector<row> rows{{"identity", content_coding::identity, {}}};
  for (int wb : {10, 12, 15}) {
    for (int level : {1, 5}) {
      compressor_params p;
      p.gzip_window_bits = wb;
      p.gzip_level = level;
      p.gzip_mem_level = wb == 15 ? 8 : 5;
      rows.push_back({"gzip w" + std::to_string(wb) + " l" + std::to_string(level) + " m" +
                          std::to_string(p.gzip_mem_level),
                      content_coding::gzip, p});
    }
  }
  for (int wl : {12, 14, 16}) {
    for (int level : {1, 3}) {
      compressor_params p;
      p.zstd_window_log = wl;
      p.zstd_level = level;
      rows.push_back(
          {"zstd w" + std::to_string(wl) + " l" + std::to_string(level), content_coding::zstd, p});
    }
  }
  rows.push_back({"gzip default", content_coding::gzip, {}});
  rows.push_back({"zstd default", content_coding::zstd, {}});

  const std::vector<std::pair<const char*, std::vector<std::string>>> streams{
      {"openai", openai_stream(events)}, {"gate-mix", gate_stream(events)}};
  std::printf("%-9s %-18s %12s %9s %7s %14s %12s\n", "stream", "coding", "wire B/event", "ratio",
              "", "CPU ns/event", "footprint B");
  for (const auto& [stream_name, frames] : streams) {
    double plain_bytes = 0;
    for (const auto& f : frames) {
      plain_bytes += static_cast<double>(f.size() + chunk_framing(f.size()));
    }
    for (const auto& r : rows) {
      std::vector<double> cpu;
      double wire = 0;
      for (int rep = 0; rep < repeats; ++rep) {
        wire = 0;
        const double t0 = thread_cpu_ns();
        if (r.coding == content_coding::identity) {
          for (const auto& f : frames) {
            wire += static_cast<double>(f.size() + chunk_framing(f.size()));
          }
        } else {
          sse::stream::sse_compressor c(r.coding, r.params);
          for (const auto& f : frames) {
            const std::string* one[] = {&f};
            if (!c.compress(one, false)) {
              std::fprintf(stderr, "compress failed\n");
              return 1;
            }
            wire += static_cast<double>(c.output().size() + chunk_framing(c.output().size()));
          }
        }
        cpu.push_back((thread_cpu_ns() - t0) / static_cast<double>(frames.size()));
      }
      std::sort(cpu.begin(), cpu.end());
      std::printf("%-9s %-18s %12.1f %8.2fx %7s %8.0f (%.0f-%.0f) %9zu\n", stream_name,
                  r.name.c_str(), wire / static_cast<double>(frames.size()), plain_bytes / wire, "",
                  cpu[cpu.size() / 2], cpu.front(), cpu.back(),
                  sse::stream::compressor_footprint(r.coding, r.params));
    }
  }
  return 0;
}
