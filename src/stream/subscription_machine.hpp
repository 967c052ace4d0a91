#pragma once
// One SSE subscription's decisions, without I/O (sans-io): what to write next, when to re-read
// the store, when a heartbeat is due, when the subscription is over and how it ends. The caller
// (src/http/sse_writer.cpp) moves bytes and time: it feeds in live batches, store answers, write
// results and the current time, and does what next() says. Unit-tested with byte strings and
// simulated time (tests/unit/stream/subscription_machine_test.cpp).
//
// The rules it keeps:
// - Replay, then live, with no loss, duplicate or reorder at the hand-over: live events at or
//   below the next expected seq are dropped (the overlap with the replay), a live event beyond it
//   means a batch went missing and the store is read again after the last delivered seq.
// - Everything pending goes out in one write (frames coalesce while a write is in flight).
// - A subscriber whose pending bytes exceed max_queue_bytes while a write is blocked is slow: it is
//   closed without a final chunk (it resumes like any client that dropped).
// - A heartbeat comment after `heartbeat` without a write; the token's expiry ends the stream with
//   the token-expired frame; shutdown ends it with a comment; deletion (gone) with the final chunk
//   alone; the end event is the last frame.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/types.hpp"
#include "stream/event.hpp"
#include "stream/resume.hpp"

namespace sse::stream {

class subscription_machine {
 public:
  /// Monotonic time: the caller passes a monotonic clock's now(); tests pass simulated time.
  using time_point = core::steady_time_point;
  using duration = time_point::duration;
  using frame_ptr = std::shared_ptr<const std::string>;

  struct settings {
    duration heartbeat = std::chrono::seconds(15);
    std::size_t max_queue_bytes = 4 << 20;
    duration store_retry = std::chrono::seconds(1);  ///< after a failed re-read
  };

  enum class step {
    write,   ///< write frames() (with the final chunk when `last`), then call written()
    reread,  ///< read the store after `after`, then call reread_done() or reread_failed()
    wait,    ///< nothing to do before `until` or an input (batch, gone, resync, shutdown)
    finish,  ///< write frames() and the final chunk, then stop (see end_reason())
    close,   ///< stop without a final chunk (a slow subscriber)
  };

  struct decision {
    step what = step::wait;
    time_point until{};  ///< wait
    seq_t after = 0;     ///< reread
    bool last = false;   ///< write: the end event is among the frames
  };

  enum class ending { none, end_event, gone, shutdown, token_expired, slow };

  /// What a write delivered, for metrics and SseResumeSuccess.
  struct delivered {
    std::size_t events = 0;
    std::size_t gaps = 0;
  };

  subscription_machine(settings s, frame_ptr heartbeat, frame_ptr shutdown_comment);

  // ---- Before streaming: what start() and the resume decided. ----
  void set_epoch(std::string epoch) { epoch_ = std::move(epoch); }
  /// A frame that is not an event (retry, reset): goes out before anything else pending.
  void push_control(frame_ptr f, bool at_front = false);
  /// The heartbeat comment given at construction (the held phase writes it on its own clock).
  void push_heartbeat() { out_.push_back(heartbeat_.get()); }
  /// The replay after the resume point; its events and gaps, then live from plan.next_seq.
  void push_plan(replay_plan& plan);
  /// The access token's expiry: the stream ends there with `frame`.
  void set_token_deadline(time_point t, frame_ptr frame);
  /// Streaming starts now (the heartbeat clock starts).
  void start(time_point now) { last_write_ = now; }

  // ---- Inputs. ----
  /// A live batch of the stream. True when the subscriber just turned slow: close its connection.
  bool on_batch(std::shared_ptr<const event_batch> batch);
  void on_gone() { gone_ = true; }
  void on_resync();
  void on_shutdown() { shutdown_ = true; }
  /// The store's answer to a reread: events after `after` of the stream `epoch`.
  void reread_done(std::string_view epoch, const std::vector<stored_event>& events, seq_t last_seq,
                   std::span<const seq_range> unreadable);
  /// The stream is gone (not_found) or the store could not be asked (retry after store_retry).
  void reread_failed(time_point now, bool not_found);

  // ---- The decision. ----
  decision next(time_point now);

  // ---- The write in progress. ----
  /// The frames to write, in order; they stay valid until written().
  std::span<const std::string* const> frames() const noexcept { return out_; }
  /// A write of frames() is in flight until written(): batches arriving meanwhile coalesce.
  void writing() noexcept { write_in_flight_ = true; }
  /// The write finished: ok, or failed after `bytes` bytes of frames went out.
  delivered written(time_point now, bool ok, std::size_t bytes);

  // ---- Facts. ----
  ending end() const noexcept;
  const std::string& epoch() const noexcept { return epoch_; }
  seq_t last_delivered_seq() const noexcept { return next_seq_ - 1; }
  std::uint64_t delivered_events() const noexcept { return delivered_; }
  std::size_t dropped_queue_bytes() const noexcept { return dropped_queue_bytes_; }
  bool end_written() const noexcept { return end_written_; }
  bool slow() const noexcept { return slow_; }
  bool shutdown_requested() const noexcept { return shutdown_; }
  std::size_t queued_bytes() const noexcept { return queued_bytes_; }
  /// Slots its vectors keep allocated between writes (memory accounting and tests).
  std::size_t held_slots() const noexcept {
    return out_.capacity() + keep_.capacity() + queue_.capacity();
  }

  /// The most slots a vector keeps between writes; one that grew past it for a large write is
  /// given back after it. Also the writer's buffer list (sse_subscription).
  static constexpr std::size_t kept_slots = 64;
  template <class Vector>
  static void release_if_large(Vector& v) {
    if (v.capacity() > kept_slots) {
      Vector().swap(v);
    }
  }

 private:
  void drain_queue();
  decision finish();

  settings settings_;
  frame_ptr heartbeat_;
  frame_ptr shutdown_comment_;
  frame_ptr token_frame_;

  std::string epoch_;
  seq_t next_seq_ = 1;
  std::vector<std::shared_ptr<const event_batch>> queue_;
  std::size_t queued_bytes_ = 0;
  std::size_t dropped_queue_bytes_ = 0;
  // The frames pending, by address, and what keeps them alive: one reference per live batch
  // rather than one per event (an atomic increment and decrement per event per subscriber).
  std::vector<const std::string*> out_;
  std::vector<std::shared_ptr<const void>> keep_;
  std::size_t out_events_ = 0;
  std::size_t out_gaps_ = 0;
  std::uint64_t delivered_ = 0;
  time_point last_write_{};

  bool write_in_flight_ = false;
  bool need_reread_ = false;
  time_point reread_not_before_{};
  bool end_reached_ = false;  // the end event is in out_ (or written)
  bool end_written_ = false;
  bool finishing_ = false;  // finish() was decided: out_ holds the last frames
  bool gone_ = false;
  bool shutdown_ = false;
  bool slow_ = false;
  std::optional<time_point> token_deadline_;
  bool token_expired_ = false;
};

}  // namespace sse::stream
