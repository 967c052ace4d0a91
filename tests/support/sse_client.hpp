#pragma once
// A real SSE client for tests: one socket, `GET <target>` with `Accept: text/event-stream`, the
// chunked body decoded by Beast's parser and the events parsed by the gateway's own WHATWG SSE
// parser (stream/sse_parser.hpp). Every call is bounded by a timeout.

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "http_types.hpp"
#include "stream/sse_parser.hpp"
#include "tls_client_config.hpp"

namespace sse::test {

using parsed_event = sse::stream::parsed_event;

struct sse_request {
  std::string target;                        ///< e.g. "/v1/streams/a/events?last_event_id=3"
  std::optional<std::string> last_event_id;  ///< sent as the Last-Event-ID header
  header_list headers;                       ///< extra request headers
  /// SO_RCVBUF set before connecting (0: the system default). A small value makes a client that
  /// stops reading fill up quickly (slow-client tests).
  int receive_buffer_bytes = 0;
  /// Bounds the connect and the wait for the response header.
  std::chrono::milliseconds timeout = std::chrono::seconds(10);
};

/// Thread safety: one thread at a time per object; each object has its own I/O loop, so
/// different clients may be used from different threads.
class sse_client {
 public:
  /// Connects, sends the request and reads the response header. Throws std::runtime_error on a
  /// connect failure or when no header arrives in time.
  sse_client(const std::string& host, std::uint16_t port, sse_request request);
  /// Over TLS (HTTPS): handshakes within request.timeout, verifying the server against
  /// tls.ca_pem, before sending the request.
  sse_client(const std::string& host, std::uint16_t port, sse_request request,
             const tls_client_config& tls);
  sse_client(const std::string& host, std::uint16_t port, std::string target,
             std::optional<std::string> last_event_id = std::nullopt);
  ~sse_client();
  sse_client(const sse_client&) = delete;
  sse_client& operator=(const sse_client&) = delete;

  int status() const noexcept;
  const header_map& headers() const noexcept { return headers_; }
  std::optional<std::string> header(std::string_view name) const {
    return find_header(headers_, name);
  }

  /// The next dispatched event, reading from the socket as needed until `timeout`. nullopt on
  /// timeout or when the response/connection ended with no further event.
  std::optional<parsed_event> next_event(std::chrono::milliseconds timeout);

  /// Reads events until pred(event) is true (that event included) or timeout. Returns every
  /// event read in this call.
  std::vector<parsed_event> collect_until(const std::function<bool(const parsed_event&)>& pred,
                                          std::chrono::milliseconds timeout);
  /// Reads until `count` events arrived (or timeout / end of response).
  std::vector<parsed_event> collect(std::size_t count, std::chrono::milliseconds timeout);

  /// Comment lines (": ...") received so far, and their text (without the leading ':').
  std::size_t comments_seen() const noexcept { return comments_.size(); }
  const std::vector<std::string>& comments() const noexcept { return comments_; }
  /// Reads until at least `count` comments were seen in total, or timeout.
  bool wait_comments(std::size_t count, std::chrono::milliseconds timeout);

  /// Reads (queueing any events for next_event) until the server finished the response (final
  /// chunk / full body) AND closed the connection, or timeout. True when both happened.
  bool wait_closed(std::chrono::milliseconds timeout);
  /// The response was completely received (the final chunk of a chunked body, or the whole
  /// fixed-length body; immediately for 204).
  bool response_done() const noexcept { return response_done_; }
  /// The server closed the connection (EOF) or it failed (reset...).
  bool connection_closed() const noexcept { return closed_; }
  /// The last I/O error seen ("" if none): e.g. "partial message" when the server closed in the
  /// middle of a chunked response.
  const std::string& last_error() const noexcept { return last_error_; }

  /// Every decoded body byte received so far (the SSE text, or a JSON error body).
  const std::string& raw_body() const noexcept { return raw_body_; }
  /// For non-SSE answers: reads the whole body (bounded) and returns it.
  std::string body_text(std::chrono::milliseconds timeout = std::chrono::seconds(5));

  /// Reads whatever is available for `duration` (events are queued). For "let it run" waits.
  void pump_for(std::chrono::milliseconds duration);

  /// Events parsed but not yet returned by next_event.
  std::size_t queued_events() const noexcept { return queue_.size(); }

  /// SO_LINGER 0 then close: the server sees a connection reset.
  void close_abruptly() noexcept;
  /// Plain close (FIN).
  void close() noexcept;
  /// Changes SO_RCVBUF now (prefer sse_request::receive_buffer_bytes, applied before connect).
  void set_receive_buffer(int bytes);

  // Slow-client tests simply stop calling the reading functions: nothing is read from the
  // socket unless one of the functions above is called.

 private:
  struct impl;
  /// tls: null for plain HTTP.
  sse_client(const std::string& host, std::uint16_t port, sse_request request,
             const tls_client_config* tls);
  /// One read from the socket (bounded). False on timeout or when nothing more can be read.
  bool read_once(std::chrono::milliseconds timeout);
  void consume(std::string_view bytes);

  std::unique_ptr<impl> impl_;
  header_map headers_;
  sse::stream::sse_parser parser_;
  std::deque<parsed_event> queue_;
  std::vector<std::string> comments_;
  std::string line_;  // the current line, for comment tracking
  bool skip_lf_ = false;
  std::string raw_body_;
  bool response_done_ = false;
  bool closed_ = false;
  std::string last_error_;
};

}  // namespace sse::test
