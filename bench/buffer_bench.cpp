// priority_buffer push at steady state: the buffer is full, so every push evicts one event.
// Eviction must cost the same whatever the buffer size (picking and removing a victim is O(1)
// amortized, so a full large buffer is no slower to write than a small one).

#include <benchmark/benchmark.h>

#include "bench_common.hpp"
#include "stream/priority_buffer.hpp"

namespace sse::bench {
namespace {

void BM_BufferPushEvict(benchmark::State& state) {
  const auto limit = static_cast<std::size_t>(state.range(0));
  const auto& mix = priority_mix();
  // One frame shared by all events: this measures the buffer, not the encoder.
  const auto proto = sample_event(1, 1);
  stream::priority_buffer buffer(limit, std::size_t{1} << 40);
  std::vector<stream::trimmed_event> evicted;
  seq_t seq = 0;
  auto push = [&] {
    stream::stored_event e = proto;
    e.seq = ++seq;
    e.priority = mix[seq & 0xffff];
    buffer.push(std::move(e), evicted);
  };
  // Fill, then run past the fill so that the priority FIFOs reach their steady shape.
  for (std::size_t i = 0; i < 3 * limit; ++i) {
    push();
  }
  for (auto _ : state) {
    evicted.clear();
    push();
    benchmark::DoNotOptimize(evicted.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["buffered"] = static_cast<double>(buffer.size());
}
BENCHMARK(BM_BufferPushEvict)->Arg(256)->Arg(4096)->Arg(65536);

}  // namespace
}  // namespace sse::bench
