#include "sse_client.hpp"

#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <stdexcept>

#include "asio_run.hpp"
#include "tcp_connect.hpp"
#include "tls_connect.hpp"

namespace sse::test {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using clock_type = std::chrono::steady_clock;

std::chrono::milliseconds remaining(clock_type::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - clock_type::now());
  return std::max(left, std::chrono::milliseconds(0));
}

}  // namespace

struct sse_client::impl {
  net::io_context io{1};
  tcp::socket socket{io};
  // HTTPS: the context and the TLS stream over `socket` (absent for plain HTTP).
  std::shared_ptr<net::ssl::context> tls_ctx;
  std::optional<detail::tls_socket_stream> tls;

  /// Calls f with the stream the response comes over: the TLS stream, or the socket.
  template <class F>
  void with_stream(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(socket);
    }
  }

  boost::beast::flat_buffer buffer;
  http::response_parser<http::buffer_body> parser;
  char chunk[16 * 1024];
};

sse_client::sse_client(const std::string& host, std::uint16_t port, std::string target,
                       std::optional<std::string> last_event_id)
    : sse_client(host, port, sse_request{std::move(target), std::move(last_event_id), {}, 0}) {}

sse_client::sse_client(const std::string& host, std::uint16_t port, sse_request request)
    : sse_client(host, port, std::move(request), nullptr) {}

sse_client::sse_client(const std::string& host, std::uint16_t port, sse_request request,
                       const tls_client_config& tls)
    : sse_client(host, port, std::move(request), &tls) {}

sse_client::sse_client(const std::string& host, std::uint16_t port, sse_request request,
                       const tls_client_config* tls)
    : impl_(std::make_unique<impl>()) {
  impl_->parser.body_limit(boost::none);  // an SSE body has no end in sight
  const auto deadline = clock_type::now() + request.timeout;
  detail::connect_socket(impl_->io, impl_->socket, host, port, remaining(deadline),
                         request.receive_buffer_bytes);
  if (tls != nullptr) {
    impl_->tls_ctx = detail::make_client_context(*tls);
    impl_->tls.emplace(impl_->socket, *impl_->tls_ctx);
    detail::tls_handshake(impl_->io, *impl_->tls, *tls, host, remaining(deadline));
  }

  http::request<http::empty_body> req{http::verb::get, request.target, 11};
  req.set(http::field::host, host + ":" + std::to_string(port));
  req.set(http::field::accept, "text/event-stream");
  if (request.last_event_id) {
    req.set("Last-Event-ID", *request.last_event_id);
  }
  for (const auto& [name, value] : request.headers) {
    req.insert(name, value);
  }
  boost::system::error_code ec;
  bool done = false;
  impl_->with_stream([&](auto& stream) {
    http::async_write(stream, req, [&](boost::system::error_code e, std::size_t) {
      ec = e;
      done = true;
    });
  });
  if (!detail::run_until(impl_->io, impl_->socket, done, remaining(deadline)) || ec) {
    throw std::runtime_error("sse_client: write request " + request.target + ": " +
                             (ec ? ec.message() : "timeout"));
  }
  done = false;
  impl_->with_stream([&](auto& stream) {
    http::async_read_header(stream, impl_->buffer, impl_->parser,
                            [&](boost::system::error_code e, std::size_t) {
                              ec = e;
                              done = true;
                            });
  });
  if (!detail::run_until(impl_->io, impl_->socket, done, remaining(deadline)) || ec) {
    throw std::runtime_error("sse_client: no response header for " + request.target + " within " +
                             std::to_string(request.timeout.count()) +
                             " ms: " + (ec ? ec.message() : "timeout"));
  }
  for (const auto& field : impl_->parser.get()) {
    headers_.emplace(std::string(field.name_string()), std::string(field.value()));
  }
  response_done_ = impl_->parser.is_done();
}

sse_client::~sse_client() {
  close();
}

int sse_client::status() const noexcept {
  return static_cast<int>(impl_->parser.get().result_int());
}

bool sse_client::read_once(std::chrono::milliseconds timeout) {
  if (closed_ || !impl_->socket.is_open()) {
    return false;
  }
  boost::system::error_code ec;
  bool done = false;
  std::size_t got = 0;
  if (response_done_) {
    // The response is complete: only the connection's close is still to be observed.
    impl_->with_stream([&](auto& stream) {
      stream.async_read_some(net::buffer(impl_->chunk),
                             [&](boost::system::error_code e, std::size_t n) {
                               ec = e;
                               got = n;
                               done = true;
                             });
    });
    const bool in_time = detail::run_until(impl_->io, impl_->socket, done, timeout);
    // A read that completed as the timeout cancelled it still counts (see below).
    if (!done || (!in_time && ec == net::error::operation_aborted)) {
      return false;
    }
    if (ec) {
      closed_ = true;
      // Over TLS the server's close_notify reads as EOF; a peer closing without it as a
      // truncated stream (still a close, but worth reporting).
      if (ec != net::error::eof) {
        last_error_ = ec.message();
      }
      return false;
    }
    last_error_ = "unexpected bytes after the end of the response";
    return true;
  }
  auto& body = impl_->parser.get().body();
  body.data = impl_->chunk;
  body.size = sizeof(impl_->chunk);
  impl_->with_stream([&](auto& stream) {
    http::async_read_some(stream, impl_->buffer, impl_->parser,
                          [&](boost::system::error_code e, std::size_t) {
                            ec = e;
                            done = true;
                          });
  });
  const bool in_time = detail::run_until(impl_->io, impl_->socket, done, timeout);
  if (!done) {
    return false;
  }
  // A read that completed just as the timeout cancelled it has fed the parser already: its bytes
  // are kept (dropping them lost data that arrived at the end of a wait).
  if (!in_time && ec == net::error::operation_aborted) {
    ec = {};
  }
  got = sizeof(impl_->chunk) - body.size;
  if (got > 0) {
    consume(std::string_view(impl_->chunk, got));
  }
  if (ec == http::error::need_buffer) {
    ec = {};
  }
  if (impl_->parser.is_done()) {
    response_done_ = true;
  }
  if (ec) {
    closed_ = true;
    last_error_ = ec.message();
    return false;
  }
  return in_time || got > 0;
}

void sse_client::consume(std::string_view bytes) {
  raw_body_.append(bytes);
  for (auto& e : parser_.feed(bytes)) {
    queue_.push_back(std::move(e));
  }
  // Comment texts, tracked beside the parser (which only counts them): lines end at CR, LF or
  // CRLF, possibly split across reads.
  for (const char c : bytes) {
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') {
        continue;
      }
    }
    if (c == '\r' || c == '\n') {
      if (!line_.empty() && line_[0] == ':') {
        comments_.push_back(line_.substr(1));
      }
      line_.clear();
      skip_lf_ = c == '\r';
    } else {
      line_.push_back(c);
    }
  }
}

std::optional<parsed_event> sse_client::next_event(std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  while (queue_.empty() && !response_done_ && !closed_ && clock_type::now() < deadline) {
    read_once(remaining(deadline));
  }
  if (queue_.empty()) {
    return std::nullopt;
  }
  parsed_event e = std::move(queue_.front());
  queue_.pop_front();
  return e;
}

std::vector<parsed_event> sse_client::collect_until(
    const std::function<bool(const parsed_event&)>& pred, std::chrono::milliseconds timeout) {
  std::vector<parsed_event> out;
  const auto deadline = clock_type::now() + timeout;
  for (;;) {
    auto e = next_event(remaining(deadline));
    if (!e) {
      return out;
    }
    out.push_back(std::move(*e));
    if (pred(out.back())) {
      return out;
    }
  }
}

std::vector<parsed_event> sse_client::collect(std::size_t count,
                                              std::chrono::milliseconds timeout) {
  std::vector<parsed_event> out;
  const auto deadline = clock_type::now() + timeout;
  while (out.size() < count) {
    auto e = next_event(remaining(deadline));
    if (!e) {
      break;
    }
    out.push_back(std::move(*e));
  }
  return out;
}

bool sse_client::wait_comments(std::size_t count, std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  while (comments_.size() < count && !response_done_ && !closed_ && clock_type::now() < deadline) {
    read_once(remaining(deadline));
  }
  return comments_.size() >= count;
}

bool sse_client::wait_closed(std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  while (!closed_ && clock_type::now() < deadline) {
    read_once(remaining(deadline));
  }
  return response_done_ && closed_;
}

std::string sse_client::body_text(std::chrono::milliseconds timeout) {
  const auto deadline = clock_type::now() + timeout;
  while (!response_done_ && !closed_ && clock_type::now() < deadline) {
    read_once(remaining(deadline));
  }
  return raw_body_;
}

void sse_client::pump_for(std::chrono::milliseconds duration) {
  const auto deadline = clock_type::now() + duration;
  while (!closed_ && clock_type::now() < deadline) {
    read_once(remaining(deadline));
  }
}

void sse_client::close_abruptly() noexcept {
  boost::system::error_code ignored;
  if (impl_->socket.is_open()) {
    impl_->socket.set_option(net::socket_base::linger(true, 0), ignored);
    impl_->socket.close(ignored);
  }
  closed_ = true;
}

void sse_client::close() noexcept {
  boost::system::error_code ignored;
  impl_->socket.close(ignored);
  closed_ = true;
}

void sse_client::set_receive_buffer(int bytes) {
  impl_->socket.set_option(net::socket_base::receive_buffer_size(bytes));
}

}  // namespace sse::test
