// zstd in the Redis store's write and read path: every stored event at or above
// --compress-min-bytes is compressed once on append and decompressed once per node on delivery.
// Token-like JSON (an LLM streaming chunk with varied words) at 256 B and 4 KiB. A fixed
// iteration count, so that instruction counts under callgrind compare run to run (BENCHMARKS.md,
// "zstd contexts").

#include <benchmark/benchmark.h>

#include <array>
#include <random>
#include <string>

#include "store/redis/compression.hpp"
#include "store/redis/record.hpp"

namespace sse::bench {
namespace {

constexpr int iterations = 5'000;
constexpr std::size_t variants = 64;  // different payloads in turn, as a live stream has

// A chat-completion chunk of about `size` bytes: fixed keys around words drawn from a small
// vocabulary, as token deltas look (compressible, but not a repeated pattern).
std::string chunk_payload(std::size_t size, std::mt19937& rng) {
  static constexpr std::array<std::string_view, 24> words{
      "the",   "model", "answer", "stream", "token", "of",    "and",   "resume",
      "event", "data",  "gap",    "client", "a",     "is",    "to",    "buffer",
      "redis", "seq",   "epoch",  "node",   "it",    "which", "every", "delivered"};
  std::string out = R"({"id":"chatcmpl-)" + std::to_string(rng()) +
                    R"(","object":"chat.completion.chunk","model":"gpt-4o",)" +
                    R"("choices":[{"index":0,"delta":{"content":")";
  while (out.size() + 30 < size) {
    out.append(words[rng() % words.size()]).push_back(' ');
  }
  out.append(R"("},"finish_reason":null}]})");
  return out;
}

std::array<std::string, variants> payloads(std::size_t size) {
  std::mt19937 rng(7);
  std::array<std::string, variants> out;
  for (auto& p : out) {
    p = chunk_payload(size, rng);
  }
  return out;
}

// One iteration's work in a function of its own, so that callgrind can count exactly it
// (--toggle-collect), without the setup. Returns the compressed size.
[[gnu::noinline]] std::size_t zstd_round_trip(const std::string& in) {
  std::string packed = store::redis_layout::zstd_compress(in, 3);
  auto out = store::redis_layout::zstd_decompress(packed, in.size());
  benchmark::DoNotOptimize(out);
  return packed.size();
}

[[gnu::noinline]] bool record_round_trip(const std::string& in) {
  auto rec = store::redis_layout::encode_record({"delta", in, 1}, false, 128, 3);
  auto e = store::redis_layout::decode_member("42:" + rec.bytes, "ep0001");
  benchmark::DoNotOptimize(e);
  return rec.compressed;
}

// zstd_compress then zstd_decompress of one payload.
void BM_ZstdRoundTrip(benchmark::State& state) {
  const auto inputs = payloads(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0;
  std::size_t packed_bytes = 0;
  for (auto _ : state) {
    packed_bytes += zstd_round_trip(inputs[i++ % variants]);
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.counters["ratio"] =
      static_cast<double>(packed_bytes) / static_cast<double>(state.iterations() * state.range(0));
}
BENCHMARK(BM_ZstdRoundTrip)->Arg(256)->Arg(4096)->Iterations(iterations);

// What the store does per event: encode_record on append (compressing at or above 128 bytes when
// worth it), decode_member on delivery (decompressing, building the SSE frame).
void BM_RecordRoundTrip(benchmark::State& state) {
  const auto inputs = payloads(static_cast<std::size_t>(state.range(0)));
  std::size_t i = 0;
  std::size_t compressed = 0;
  for (auto _ : state) {
    compressed += record_round_trip(inputs[i++ % variants]) ? 1 : 0;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
  state.counters["compressed"] =
      static_cast<double>(compressed) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_RecordRoundTrip)->Arg(256)->Arg(4096)->Iterations(iterations);

}  // namespace
}  // namespace sse::bench
