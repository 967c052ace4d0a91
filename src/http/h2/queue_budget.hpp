#pragma once
// The bytes one HTTP/2 connection holds for its streams' answers, against one bound
// (--http2-max-connection-queue-bytes). A stream holds the part of its current write that
// nghttp2 has not taken yet (what its flow-control window keeps back) and the frames its
// subscription queued behind that write (sse_transport::queued). This bounds what the streams of
// one connection hold back together.
//
// Holding bytes is not yet being slow: a reader whose window is small holds most of a large write
// for a round trip, until its WINDOW_UPDATE comes. A stream is stalled once nghttp2 has taken
// nothing of its write for `grace`; only stalled streams are chosen, so a reader keeping up is
// never reset for another's backlog. Pure and sans-io, time passed in
// (tests/unit/http/h2_queue_budget_test.cpp); worker thread only.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <unordered_map>
#include <vector>

namespace sse::http::h2 {

class queue_budget {
 public:
  using time_point = std::chrono::steady_clock::time_point;
  using duration = std::chrono::steady_clock::duration;

  struct holder {
    std::int32_t stream = 0;
    std::size_t bytes = 0;
  };

  queue_budget(std::size_t limit, duration grace) : limit_(limit), grace_(grace) {}

  /// Stream `stream` now holds `bytes` (0: none, as when its write completed or it closed). Less
  /// than before, or a new write, is progress: its stall clock starts again at `now`.
  void hold(std::int32_t stream, std::size_t bytes, time_point now);
  std::size_t total() const noexcept { return total_; }
  bool over() const noexcept { return total_ > limit_; }

  /// The streams to reset so that the rest fits the bound again: stalled ones only, the largest
  /// first. Empty while within the bound (or while nothing over it has stalled yet). Call when
  /// nghttp2 has sent all that the windows allow, so that every byte held is held by flow control.
  std::vector<holder> over_limit(time_point now) const;
  /// While over the bound: when the next stream that is not stalled yet would be (call
  /// over_limit() again then). nullopt within the bound or when every holder is stalled.
  std::optional<time_point> next_stall(time_point now) const;

 private:
  struct held {
    std::size_t bytes = 0;
    time_point since;  // the last progress
  };
  std::size_t limit_;
  duration grace_;
  std::size_t total_ = 0;
  std::unordered_map<std::int32_t, held> held_;  // only streams holding bytes
};

}  // namespace sse::http::h2
