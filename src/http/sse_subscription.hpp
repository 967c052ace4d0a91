#pragma once
// One SSE subscription (private to src/http; the API is open_subscribe and ready_stream in
// sse_session.hpp).
//
// Flow (a bounded queue, encoded frames shared):
//   start()   a coroutine: resume point → hub.subscribe FIRST → store.read_after →
//             decide_resume → initial frames (reset, replay). Answers 400/404/204 before any
//             byte is written.
//   stream()  completion handlers, no coroutine frame while the stream lasts: the writer
//             (next_step() and the one wait, write or re-read it starts) sends the header,
//             `retry:`, the initial frames, then live frames de-duplicated by seq, heartbeats
//             when idle, and finishes with the body's end (the sink frames it); beside it
//             watch_peer's pending read notices the client leaving. stream()'s awaiter resumes
//             when both are over.
// A store that is unavailable at start is answered 200 and held with heartbeats until it is
// back (EventSource gives up for good on a non-200), for at most hold_limit.
//
// Sources: sse_subscription.cpp (start, telemetry), sse_writer.cpp (streaming).

#include <array>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fanout/subscriber.hpp"
#include "http/api_error.hpp"
#include "http/completion_slot.hpp"
#include "http/message.hpp"
#include "http/sse_transport.hpp"
#include "http/wakeup.hpp"
#include "http/worker_context.hpp"
#include "stream/resume.hpp"
#include "stream/sse_compressor.hpp"
#include "stream/subscription_machine.hpp"
#include "telemetry/metrics.hpp"

namespace sse::http {

class sse_subscription final : public fanout::subscriber, public shutdown_listener {
 public:
  /// How long a subscribe is held (200 + heartbeats) while the store is unavailable.
  static constexpr std::chrono::seconds hold_limit{30};
  /// Pause between store retries while held or after a failed re-read.
  static constexpr std::chrono::seconds store_retry{1};

  sse_subscription(worker_context& w, session_entry& entry, sse_transport& io, std::string id,
                   core::steady_time_point received);
  ~sse_subscription();
  sse_subscription(const sse_subscription&) = delete;
  sse_subscription& operator=(const sse_subscription&) = delete;

  /// Validates and prepares. A response: answer it, nothing was written. nullopt: call stream().
  boost::asio::awaitable<std::optional<response>> start(const request& req);
  /// Streams until the end event, the client's departure, deletion, a slow drop or shutdown.
  /// The connection is finished afterwards.
  boost::asio::awaitable<void> stream();

  // fanout::subscriber and shutdown_listener (worker thread).
  void on_batch(std::shared_ptr<const stream::event_batch> b) override;
  void on_gone() override;
  void on_resync() override;
  void notify_shutdown() override;

  /// Send a `Stream-Id` header (the relay's SSE answer, whose id the client did not choose).
  bool announce_stream_id_ = false;

 private:
  enum class prepared { ready, unavailable, answered };

  // sse_subscription.cpp
  boost::asio::awaitable<prepared> prepare(std::optional<response>& answer);
  /// The test-only --fault-resume: a 503 to answer, or a delay, inside its window.
  boost::asio::awaitable<std::optional<response>> inject_resume_fault();
  void emit(std::string_view name, boost::json::object fields);
  void resume_failure(std::string_view reason, telemetry::resume_outcome outcome);
  /// The stream is missing and the store keeps a marker that the resume point's incarnation
  /// expired (SseResumeFailure reason `expired` rather than `unknown_stream`).
  boost::asio::awaitable<bool> resumed_into_expired();
  void report_finish();
  /// Compressed SSE: takes the coding start() negotiated if the node's compressor
  /// budget has room for it (else counts the refusal and stays uncompressed).
  void start_compression();

  // sse_subscription.cpp: what stream() does before its first write and after its last.
  void begin_stream();
  void end_stream();
  /// SseResumeLiveEnd after the end event was written (a resumed subscriber).
  void report_live_end();
  /// What the stream's final write follows from (a token that expired: SseAuthRejected).
  void report_finishing();

  // sse_writer.cpp: moves bytes and time for m_ (stream() above is there too), by completion
  // handlers: next_step() asks m_ and starts one wait, write or re-read, whose handler calls it
  // again; finish() ends the writing, complete() the stream once the peer watch is over too.
  void begin_writing();
  boost::asio::awaitable<bool> write_while_held();
  void next_step();
  void after_wait();
  void start_write(bool last, bool final = false);
  void finish();
  void complete();
  /// Hands the stream's head to the sink, which sends it with the first write.
  void set_head();
  boost::asio::awaitable<bool> hold();
  boost::asio::awaitable<bool> write_out(bool last);
  /// write_out() in two halves, for the writer's loop to await the write itself: fills bufs_
  /// from m_.frames() (returns the body bytes before the first frame: 0, or more than any write
  /// when a cut-off write cannot be credited to frames), then settles the result.
  std::size_t prepare_write(bool last);
  /// prepare_write() for a compressed connection: the frames become one compressed write.
  std::size_t prepare_compressed_write(bool last);
  bool finish_write(boost::system::error_code ec, std::size_t written, std::size_t prefix);
  /// Starts the peer watch's next read (watching_ is set while one is pending).
  void watch_peer();
  boost::asio::awaitable<void> reread(seq_t after);
  boost::asio::awaitable<bool> sleep_until(core::steady_time_point t);
  void after_write(std::size_t events, std::size_t gaps);
  void wake() { wake_->ring(); }

  worker_context& w_;
  services& s_;
  session_entry& entry_;
  sse_transport& io_;
  std::string id_;
  core::steady_time_point received_;
  std::shared_ptr<wakeup> wake_;    // the writer waits on it: a ring, a deadline or cancellation
  header_list cors_headers_;        // of the stream's head, for the request's Origin
  stream::subscription_machine m_;  // what to write and when (sans-io)

  // Resume.
  std::optional<stream::resume_point> rp_;
  std::string rp_text_;
  bool resumed_ = false;  // resumed inside the current epoch (not a reset)
  bool success_reported_ = false;
  std::size_t replayed_ = 0;
  std::uint64_t missed_ = 0;
  // Checkpoints.
  stream::history_mode history_ = stream::history_mode::from_checkpoint;
  bool at_checkpoint_ = false;  // started at the latest checkpoint
  // Beside the flags above so that no padding is spent on it (this object is ~640 bytes, one
  // allocator size class, for every open SSE connection).
  stream::content_coding wanted_coding_ = stream::content_coding::identity;
  std::uint64_t skipped_ = 0;  // seqs it superseded that this subscriber was not sent

  // Connection.
  bool subscribed_ = false;
  bool held_ = false;  // 200 sent, store unavailable: retrying prepare()
  bool hold_expired_ = false;
  bool peer_closed_ = false;         // EOF or error from the peer (read or write)
  bool watching_ = false;            // the peer watch runs
  bool watch_ended_ = false;         // it ended by itself (the peer left, the transport aborted)
  bool writer_done_ = false;         // the writer finished and cancels the watch
  bool write_last_ = false;          // the write in flight carries the body's end
  bool write_final_ = false;         // ... and is the stream's last write (step::finish)
  bool compression_failed_ = false;  // the codec could not compress (out of memory): close
  // The write in progress: buffers pointing into m_.frames() (or the compressor's output). A
  // member, so that a steady stream of writes allocates nothing.
  std::vector<boost::asio::const_buffer> bufs_;
  std::array<char, 8> peer_buf_{};  // what the peer watch reads (and drops)
  std::size_t write_prefix_ = 0;    // of the write in flight (start_write)
  completion_slot done_;            // stream()'s awaiter, resumed by complete()

  // Compressed SSE: the connection's compressor when the budget granted the coding the request
  // allows (wanted_coding_, above; its estimated footprint is held in metrics' budget gauge
  // until the end).
  std::unique_ptr<stream::sse_compressor> compressor_;  // a pointer: most connections have none
  std::size_t compressor_reserved_ = 0;
};

}  // namespace sse::http
