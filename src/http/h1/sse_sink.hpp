#pragma once
// The SSE sink of an HTTP/1.1 connection (private to src/http/h1, included by connection.cpp
// only): sse_transport over the connection's plain or TLS stream, the framing by
// stream_framing. A template over the stream like the request loop; see sse_transport.hpp for
// why the subscription sees it through a virtual interface.

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <cstdint>
#include <type_traits>
#include <utility>

#include "http/connection_streams.hpp"
#include "http/h1/stream_framing.hpp"
#include "http/sse_transport.hpp"
#include "http/worker_context.hpp"
#include "telemetry/metrics.hpp"

namespace sse::http::h1 {

template <class Stream>
class sse_sink final : public sse_transport {
 public:
  sse_sink(Stream& stream, telemetry::metrics& metrics) : stream_(&stream), metrics_(metrics) {}

  /// The same connection's stream, moved (nothing pending on either: before a stream starts).
  void rebind(Stream& stream) noexcept { stream_ = &stream; }

  /// The HTTP version of the request being answered (10 or 11): set before its stream starts.
  void set_version(unsigned version) noexcept { version_ = version; }

  void start_head(const stream_head& head, write_handler handler) override {
    write(boost::asio::buffer(framing_.head(head, version_)), false, std::move(handler));
  }
  void set_head(const stream_head& head) override {
    framing_.head(head, version_);
    head_pending_ = true;
  }
  void start_body(buffer_view body, bool last, write_handler handler) override {
    const bool with_head = std::exchange(head_pending_, false);
    write(framing_.body(body, last, with_head), true, std::move(handler), with_head);
  }
  void start_read(boost::asio::mutable_buffer buffer, read_handler handler) override {
    namespace net = boost::asio;
    if (read_cancelled_) {  // cancelled before it began
      net::post(stream_->get_executor(), [h = std::move(handler)]() mutable {
        std::move(h)(net::error::operation_aborted, 0);
      });
      return;
    }
    if constexpr (std::is_same_v<Stream, boost::asio::ip::tcp::socket>) {
      // A bare socket needs no bound executor; the op stays smaller for the connection's life.
      stream_->async_read_some(buffer, std::move(handler));
    } else {
      // Bound to the stream's executor for the reason write() below gives.
      stream_->async_read_some(buffer,
                               net::bind_executor(stream_->get_executor(), std::move(handler)));
    }
  }
  boost::asio::any_io_executor get_executor() noexcept override { return stream_->get_executor(); }
  void abort() noexcept override { close_socket(raw_socket(*stream_)); }
  void cancel_read() noexcept override {
    read_cancelled_ = true;
    boost::system::error_code ignored;
    raw_socket(*stream_).cancel(ignored);
  }
  /// Bytes written so far, framing included (the access log's size of a whole stream).
  std::uint64_t written() const noexcept { return written_; }

 private:
  /// Counts the bytes for the access log, keeping the awaiting coroutine's cancellation slot
  /// (so `writer || watch_peer` still cancels the write). Bound to the stream's executor:
  /// Beast's TLS stream posts through the handler's executor with blocking.never, which Boost
  /// 1.81's type-erased any_completion_executor cannot take. The same worker either way.
  template <class Buffers>
  void write(const Buffers& buffers, bool body, write_handler handler, bool with_head = false) {
    namespace net = boost::asio;
    auto slot = handler.get_cancellation_slot();
    net::async_write(
        *stream_, buffers,
        net::bind_cancellation_slot(
            slot, net::bind_executor(stream_->get_executor(),
                                     [this, body, with_head, h = std::move(handler)](
                                         boost::system::error_code ec, std::size_t n) mutable {
                                       written_ += n;
                                       metrics_.count_written(telemetry::protocol_http1, n);
                                       const std::size_t counted =
                                           body ? framing_.body_written(n) : n;
                                       if (!body || with_head) {
                                         framing_.release_head();
                                       }
                                       std::move(h)(ec, counted);
                                     })));
  }

  Stream* stream_;
  telemetry::metrics& metrics_;
  stream_framing framing_;
  unsigned version_ = 11;
  bool read_cancelled_ = false;  // cancel_read(): no read starts any more
  bool head_pending_ = false;    // set_head() was called: the head goes with the next body write
  std::uint64_t written_ = 0;
};

}  // namespace sse::http::h1
