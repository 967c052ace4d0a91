// Replay: a subscriber resumes from the middle of a full buffer (with the holes that trimming
// left): read the buffered events after its seq, then plan the frames (shared event frames plus
// gap frames).

#include <benchmark/benchmark.h>

#include "bench_common.hpp"
#include "stream/priority_buffer.hpp"
#include "stream/resume.hpp"

namespace sse::bench {
namespace {

void BM_Replay(benchmark::State& state) {
  const auto limit = static_cast<std::size_t>(state.range(0));
  const auto& mix = priority_mix();
  stream::priority_buffer buffer(limit, std::size_t{1} << 40);
  std::vector<stream::trimmed_event> evicted;
  seq_t seq = 0;
  for (std::size_t i = 0; i < 2 * limit; ++i) {
    ++seq;
    buffer.push(sample_event(seq, mix[seq & 0xffff]), evicted);
  }
  const seq_t last = seq;
  const seq_t after = buffer.first_seq() + (last - buffer.first_seq()) / 2;
  std::size_t replayed = 0;
  for (auto _ : state) {
    auto events = buffer.copy_after(after);
    auto plan = stream::plan_replay("ep0001", after, events, last);
    replayed += plan.replayed;
    benchmark::DoNotOptimize(plan.frames.data());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(replayed));
  state.counters["events"] = static_cast<double>(buffer.copy_after(after).size());
}
BENCHMARK(BM_Replay)->Arg(256)->Arg(4096)->Arg(65536);

}  // namespace
}  // namespace sse::bench
