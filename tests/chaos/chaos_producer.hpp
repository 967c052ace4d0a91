#pragma once
// A producer that never loses or doubles an event through an outage: every append
// carries Producer-Seq (the seq its first event must get); on 503, a timeout or a dropped
// connection it retries the same batch with the same Producer-Seq, on whichever node the picker
// names next, until it is acknowledged. What was acknowledged is the truth subscribers are
// checked against.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "chaos_node.hpp"
#include "core/types.hpp"

namespace sse::test {

struct produced_event {
  std::string data;
  std::string type;  ///< empty: none
  int priority = 1;
};

/// `<stream>#<seq>|` then `pad` filler characters (with a newline now and then, so multi-line
/// data is exercised): the data names its own position, so a misplaced event is obvious.
std::string chaos_data(const std::string& stream, seq_t seq, std::size_t pad);

/// Thread safety: append/end from one thread; acked() and the counters from any thread; the
/// vectors once that thread is done.
class chaos_producer {
 public:
  using steady = std::chrono::steady_clock;

  chaos_producer(std::string stream, node_picker pick,
                 std::chrono::milliseconds request_timeout = std::chrono::seconds(5));

  /// Appends `batch` (one JSON object, or NDJSON when several) with Producer-Seq = acked() + 1,
  /// retrying as described above until 200 or `deadline`. True when acknowledged; a 409 or an
  /// answer with the wrong seqs is recorded in problems() and returns false.
  bool append(const std::vector<produced_event>& batch, steady::time_point deadline);
  /// POST /end (retried the same way; a second end answers the first's result).
  bool end(steady::time_point deadline, const std::string& status = "completed");

  const std::string& stream() const noexcept { return stream_; }
  /// The last acknowledged seq.
  seq_t acked() const noexcept { return acked_.load(); }
  std::string epoch() const;
  /// The seq of the end event (0 until end() succeeded).
  seq_t end_seq() const noexcept { return end_seq_.load(); }
  /// Acknowledged events by seq (events()[s - 1] has seq s).
  const std::vector<produced_event>& events() const noexcept { return events_; }
  /// `trimmed` of each acknowledged append, in order.
  const std::vector<std::int64_t>& trimmed_per_append() const noexcept { return trimmed_; }
  /// Tries that did not get 200 (503, timeouts, refused connections).
  std::uint64_t retries() const noexcept { return retries_.load(); }
  /// Of those, the ones answered 503.
  std::uint64_t unavailable_answers() const noexcept { return unavailable_.load(); }
  /// Appends acknowledged only after a failed try (the answer does not say whether the earlier
  /// try had been applied: Producer-Seq makes both cases the same to the producer).
  std::uint64_t acked_after_retry() const noexcept { return acked_after_retry_.load(); }
  /// Protocol violations (409, wrong seqs, epoch changes, give-ups), for assertion messages.
  std::vector<std::string> problems() const;

 private:
  struct answer {
    int status = 0;  ///< 0: no answer (refused, reset, timeout)
    std::string body;
    std::string error;
  };
  answer post(const endpoint& at, const std::string& target, const std::string& body,
              const std::string& content_type, std::optional<seq_t> producer_seq);
  void problem(std::string what);

  std::string stream_;
  node_picker pick_;
  std::chrono::milliseconds request_timeout_;
  std::atomic<seq_t> acked_{0};
  std::atomic<seq_t> end_seq_{0};
  std::atomic<std::uint64_t> retries_{0};
  std::atomic<std::uint64_t> unavailable_{0};
  std::atomic<std::uint64_t> acked_after_retry_{0};
  mutable std::mutex mu_;
  std::string epoch_;                   // guarded by mu_
  std::vector<std::string> problems_;   // guarded by mu_
  std::vector<produced_event> events_;  // producer thread
  std::vector<std::int64_t> trimmed_;   // producer thread
};

}  // namespace sse::test
