#pragma once
// Exactly-once, in-order checking of one subscriber's view of one stream, across its
// reconnects. Pure: parsed SSE events in, verdicts out (no clock, no socket).

#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "core/types.hpp"
#include "stream/sse_parser.hpp"

namespace sse::load {

/// Splits an SSE id `<epoch>:<seq>`; `epoch` views into `id`. False when malformed.
bool parse_event_id(std::string_view id, std::string_view& epoch, seq_t& seq);

/// What one received event meant.
struct check_result {
  enum class kind {
    data,     ///< a producer's event
    gap,      ///< `event: gap`: seqs announced missing
    reset,    ///< `event: reset`: the gateway restarted the stream from seq 1
    end,      ///< `event: end`: the stream is complete
    ignored,  ///< an event without a usable id (counted nowhere)
  };
  kind what = kind::ignored;
  bool in_order = true;        ///< the event continued the stream exactly
  std::uint64_t lost = 0;      ///< seqs skipped without announcement before this event
  bool duplicate = false;      ///< its seq was delivered (or announced) before
  bool reorder = false;        ///< it filled a hole left earlier: arrived late
  std::uint64_t gap_seqs = 0;  ///< for a gap: how many seqs it announced
};

/// Thread safety: none; one per subscriber.
class sequence_checker {
 public:
  /// Starts a new stream (fresh subscription from seq 0).
  void start_stream() noexcept;

  /// The Last-Event-ID to resume with ("" before anything arrived).
  std::string resume_point() const;
  seq_t position() const noexcept { return position_; }
  bool ended() const noexcept { return ended_; }

  /// Classifies one parsed event and advances the position.
  check_result on_event(const stream::parsed_event& ev);

 private:
  std::string epoch_;
  seq_t position_ = 0;  ///< last seq delivered or announced by a gap
  bool ended_ = false;
  std::set<seq_t> holes_;  ///< seqs skipped without announcement (bounded, see .cpp)
};

}  // namespace sse::load
