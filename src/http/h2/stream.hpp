#pragma once
// One HTTP/2 stream of a connection: its request as it arrives, then its answer. It is the
// exchange serve_request gets and, when the request becomes a stream, the sse_transport the
// answer is written to: the head becomes HEADERS, each body write is handed to nghttp2's data
// provider (DATA frames) and completes once nghttp2 took all of it, `last` ends it with
// END_STREAM (so a reader whose window is shut blocks the write, the subscription's
// queue grows, and past --max-queue-bytes the subscription calls abort(): RST_STREAM(CANCEL) for
// this stream alone). Private to src/http/h2; worker thread only.

#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "core/clock.hpp"
#include "http/h2/request_builder.hpp"
#include "http/request_life.hpp"
#include "http/sse_transport.hpp"
#include "http/worker_context.hpp"

namespace sse::http::h2 {

class session;

/// What a stream needs of its connection.
class stream_owner {
 public:
  virtual session& h2_session() noexcept = 0;
  /// Something was submitted to the session: its bytes should go out.
  virtual void wake_writer() = 0;
  /// The stream's current write has `bytes` that nghttp2 has not taken yet (0: none).
  virtual void held_changed(std::int32_t id, std::size_t bytes) = 0;

 protected:
  ~stream_owner() = default;
};

class stream final : public sse_transport, public exchange {
 public:
  stream(std::int32_t id, stream_owner& owner, boost::asio::any_io_executor ex,
         const config::config& cfg);

  std::int32_t id() const noexcept { return id_; }
  request_builder& incoming() noexcept { return builder_; }
  /// The stream's own registration for shutdown (a connection has many subscriptions).
  session_entry entry;
  core::steady_time_point received;  ///< on services::steady
  /// Runs from the request's first HEADERS to its END_STREAM (--request-timeout); cancelled at
  /// the end of the request and when the stream closes.
  boost::asio::steady_timer request_deadline;
  /// The request is over: complete (END_STREAM), or answered 408 without it.
  bool request_done = false;

  /// A complete answer (headers, then the body unless `head_only` or 204/304).
  void respond(response res, bool head_only);
  /// The streamed answer is over: a stream that did not get its `last` write is reset.
  void cut_if_unfinished();
  /// nghttp2 asks for the next body bytes (session_handler::read_body).
  std::size_t read_body(std::span<std::uint8_t> out, bool& eof, bool& deferred);
  /// The stream closed (either side, or the connection): pending reads and writes fail.
  void closed();
  bool is_closed() const noexcept { return closed_; }
  /// Bytes of an SSE body handed to nghttp2 (the access log's size).
  std::uint64_t streamed() const noexcept { return streamed_; }

  // exchange
  sse_transport& open_sse() override { return *this; }
  // sse_transport
  void start_head(const stream_head& head, write_handler handler) override;
  void set_head(const stream_head& head) override;
  void start_body(buffer_view body, bool last, write_handler handler) override;
  void start_read(boost::asio::mutable_buffer buffer, read_handler handler) override;
  boost::asio::any_io_executor get_executor() noexcept override { return executor_; }
  void abort() noexcept override;
  void cancel_read() noexcept override {
    read_cancelled_ = true;
    peer_gone_.cancel();
  }
  void queued(std::size_t bytes) noexcept override;

  /// Resets the stream (RST_STREAM CANCEL) for the connection's queue bound: the pending write
  /// and the peer watch end as cancelled, not as a departed peer, since the connection reports
  /// the slow client itself.
  void drop_slow() noexcept;
  /// The request's access note, which serve_request fills (the SSE stream's id for telemetry).
  access_note note;

 private:
  void complete_write(boost::system::error_code ec, bool from_slot = false);
  /// Closes the stream; its pending write ends with `ec`, the peer watch ends.
  void close_with(boost::system::error_code ec);
  /// RST_STREAM CANCEL, then close_with(ec) (nothing when already closed).
  void reset_with(boost::system::error_code ec) noexcept;
  /// Tells the connection what this stream holds: its write's bytes nghttp2 has not taken, and
  /// what the subscription queued behind it.
  void report_held() noexcept;

  std::int32_t id_;
  stream_owner& owner_;
  boost::asio::any_io_executor executor_;
  request_builder builder_;
  boost::asio::steady_timer peer_gone_;  // the peer watch waits on it; cancelled on close
  bool closed_ = false;
  bool dropped_ = false;         // by drop_slow()
  bool read_cancelled_ = false;  // cancel_read(): the watch ends, now or when it begins
  bool head_sent_ = false;
  bool body_done_ = false;  // no bytes will follow what is queued
  std::string body_;        // a complete answer's body
  std::size_t body_at_ = 0;
  // The write in progress (an SSE batch): viewed, not copied, until nghttp2 takes it.
  buffer_view pending_;
  std::size_t pending_buf_ = 0;  // buffer index in pending_
  std::size_t pending_at_ = 0;   // offset in that buffer
  std::size_t pending_total_ = 0;
  std::size_t pending_taken_ = 0;  // of pending_total_, by nghttp2
  std::size_t queued_ = 0;         // the subscription's frames behind the write
  std::optional<write_handler> handler_;
  std::uint64_t streamed_ = 0;
};

}  // namespace sse::http::h2
