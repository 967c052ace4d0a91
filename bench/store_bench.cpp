// memory_store append of a single event at steady state (the stream's buffer is full, so each
// append also evicts): lookup, lock, encode, insert, trim, result. No watchers.

#include <benchmark/benchmark.h>

#include "bench_common.hpp"
#include "store/memory/memory_store.hpp"

namespace sse::bench {
namespace {

void BM_MemoryStoreAppend(benchmark::State& state) {
  const auto limit = static_cast<std::size_t>(state.range(0));
  const auto& mix = priority_mix();
  core::system_clock clock;
  store::store_limits limits;
  limits.buffer_limit = limit;
  limits.buffer_max_bytes = std::size_t{1} << 40;
  store::memory_store st(limits, clock);
  store::append_request request;
  request.stream_id = "bench:stream";
  request.events.push_back(stream::new_event{"delta", token_payload(96), 1});
  std::size_t n = 0;
  auto append = [&] {
    request.events[0].priority = mix[++n & 0xffff];
    auto r = st.append_now(request);
    benchmark::DoNotOptimize(r);
  };
  for (std::size_t i = 0; i < 3 * limit; ++i) {
    append();
  }
  for (auto _ : state) {
    append();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MemoryStoreAppend)->Arg(256)->Arg(4096)->Arg(65536);

}  // namespace
}  // namespace sse::bench
