// SSE serialization of one event, done once per append and shared by every subscriber.

#include <benchmark/benchmark.h>

#include "bench_common.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::bench {
namespace {

void BM_EncodeEvent(benchmark::State& state) {
  const std::string data = token_payload(static_cast<std::size_t>(state.range(0)));
  seq_t seq = 0;
  for (auto _ : state) {
    auto frame = stream::encode_event("ep0001", ++seq, "delta", data);
    benchmark::DoNotOptimize(frame.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_EncodeEvent)->Arg(256)->Arg(4096)->Arg(65536);

// Multi-line data (a line break every 64 bytes): one `data:` line per line.
void BM_EncodeEventMultiline(benchmark::State& state) {
  std::string data = token_payload(static_cast<std::size_t>(state.range(0)));
  for (std::size_t i = 63; i < data.size(); i += 64) {
    data[i] = '\n';
  }
  seq_t seq = 0;
  for (auto _ : state) {
    auto frame = stream::encode_event("ep0001", ++seq, "delta", data);
    benchmark::DoNotOptimize(frame.data());
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * data.size()));
}
BENCHMARK(BM_EncodeEventMultiline)->Arg(256)->Arg(4096)->Arg(65536);

}  // namespace
}  // namespace sse::bench
