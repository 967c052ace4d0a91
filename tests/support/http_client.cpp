#include "http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
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

bool contains_header(const header_list& headers, std::string_view name) {
  const case_insensitive_less less;
  for (const auto& [k, v] : headers) {
    if (!less(k, name) && !less(name, k)) {
      return true;
    }
  }
  return false;
}

}  // namespace

// ---- raw_connection -------------------------------------------------------------------------

struct raw_connection::impl {
  std::shared_ptr<net::io_context> io;
  tcp::socket socket;
};

raw_connection::raw_connection(std::unique_ptr<impl> p) : impl_(std::move(p)) {}
raw_connection::raw_connection(raw_connection&&) noexcept = default;
raw_connection& raw_connection::operator=(raw_connection&&) noexcept = default;
raw_connection::~raw_connection() {
  close();
}

bool raw_connection::send(std::string_view bytes, std::chrono::milliseconds timeout) {
  if (!is_open()) {
    return false;
  }
  bool done = false;
  boost::system::error_code result;
  net::async_write(impl_->socket, net::buffer(bytes.data(), bytes.size()),
                   [&](boost::system::error_code ec, std::size_t) {
                     result = ec;
                     done = true;
                   });
  return detail::run_until(*impl_->io, impl_->socket, done, timeout) && !result;
}

bool raw_connection::read_some(std::chrono::milliseconds timeout) {
  if (!is_open() || peer_closed_) {
    return false;
  }
  char buf[16 * 1024];
  bool done = false;
  boost::system::error_code result;
  std::size_t got = 0;
  impl_->socket.async_read_some(net::buffer(buf), [&](boost::system::error_code ec, std::size_t n) {
    result = ec;
    got = n;
    done = true;
  });
  const bool in_time = detail::run_until(*impl_->io, impl_->socket, done, timeout);
  if (!done) {
    return false;
  }
  // A read that completed just as the timeout cancelled it still brought its bytes (or the
  // close): dropping them lost an answer that arrived at the end of a wait (a 408 in
  // header_timeout_test, 2026-12-08).
  received_.append(buf, got);
  if (result && !(result == net::error::operation_aborted && !in_time)) {
    peer_closed_ = true;  // EOF, reset: either way the peer is gone
  }
  return in_time || got > 0;
}

std::string raw_connection::receive(std::chrono::milliseconds timeout) {
  const std::size_t start = received_.size();
  const auto deadline = clock_type::now() + timeout;
  while (!peer_closed_ && is_open() && clock_type::now() < deadline) {
    read_some(remaining(deadline));
  }
  return received_.substr(start);
}

std::string raw_connection::receive_until(std::string_view marker,
                                          std::chrono::milliseconds timeout) {
  const std::size_t start = received_.size();
  const auto deadline = clock_type::now() + timeout;
  while (!peer_closed_ && is_open() && clock_type::now() < deadline &&
         received_.find(marker, start) == std::string::npos) {
    read_some(remaining(deadline));
  }
  return received_.substr(start);
}

bool raw_connection::wait_closed(std::chrono::milliseconds timeout) {
  receive(timeout);
  return peer_closed_;
}

void raw_connection::close_abruptly() noexcept {
  if (!is_open()) {
    return;
  }
  boost::system::error_code ignored;
  impl_->socket.set_option(net::socket_base::linger(true, 0), ignored);
  impl_->socket.close(ignored);
}

void raw_connection::close() noexcept {
  if (is_open()) {
    boost::system::error_code ignored;
    impl_->socket.close(ignored);
  }
}

bool raw_connection::is_open() const noexcept {
  return impl_ && impl_->socket.is_open();
}

void raw_connection::set_receive_buffer(int bytes) {
  impl_->socket.set_option(net::socket_base::receive_buffer_size(bytes));
}

// ---- http_client ----------------------------------------------------------------------------

struct http_client::impl {
  explicit impl(net::io_context& io) : socket(io) {}
  tcp::socket socket;
  boost::beast::flat_buffer buffer;
  bool reused = false;  // the socket has already carried a request
  // HTTPS: the context (null for plain HTTP) and the current connection's TLS stream.
  std::shared_ptr<net::ssl::context> tls_ctx;
  tls_client_config tls_config;
  std::optional<detail::tls_socket_stream> tls;
  std::string alpn;

  /// Calls f with the stream requests go over: the TLS stream, or the socket.
  template <class F>
  void with_stream(F&& f) {
    if (tls) {
      f(*tls);
    } else {
      f(socket);
    }
  }
};

http_client::http_client(std::string host, std::uint16_t port, std::chrono::milliseconds timeout)
    : host_(std::move(host)),
      port_(port),
      timeout_(timeout),
      io_(std::make_shared<net::io_context>(1)),
      impl_(std::make_unique<impl>(*io_)) {}

http_client::http_client(std::string host, std::uint16_t port, tls_client_config tls,
                         std::chrono::milliseconds timeout)
    : http_client(std::move(host), port, timeout) {
  impl_->tls_ctx = detail::make_client_context(tls);
  impl_->tls_config = std::move(tls);
}

std::string http_client::negotiated_alpn() const {
  return impl_->alpn;
}

http_client::~http_client() {
  close();
}

void http_client::close() noexcept {
  boost::system::error_code ignored;
  impl_->tls.reset();
  impl_->socket.close(ignored);
  impl_->buffer.clear();
  impl_->reused = false;
}

http_response http_client::request(std::string_view method, std::string_view target,
                                   std::string body, const header_list& headers) {
  http::request<http::string_body> req;
  req.method_string(method);
  req.target(target);
  req.version(11);
  req.set(http::field::host, host_ + ":" + std::to_string(port_));
  for (const auto& [name, value] : headers) {
    req.insert(name, value);
  }
  req.body() = std::move(body);
  if (!req.body().empty() || method == "POST" || method == "PUT") {
    req.prepare_payload();
  }

  const auto deadline = clock_type::now() + timeout_;
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!impl_->socket.is_open()) {
      impl_->buffer.clear();
      impl_->reused = false;
      impl_->tls.reset();
      detail::connect_socket(*io_, impl_->socket, host_, port_, remaining(deadline));
      if (impl_->tls_ctx) {
        impl_->tls.emplace(impl_->socket, *impl_->tls_ctx);
        try {
          detail::tls_handshake(*io_, *impl_->tls, impl_->tls_config, host_, remaining(deadline));
        } catch (...) {
          close();
          throw;
        }
        impl_->alpn = detail::negotiated_alpn(*impl_->tls);
      }
    }
    const bool was_reused = impl_->reused;
    impl_->reused = true;

    bool done = false;
    boost::system::error_code ec;
    impl_->with_stream([&](auto& stream) {
      http::async_write(stream, req, [&](boost::system::error_code e, std::size_t) {
        ec = e;
        done = true;
      });
    });
    if (!detail::run_until(*io_, impl_->socket, done, remaining(deadline))) {
      close();
      throw std::runtime_error("http_client: timeout writing " + std::string(method) + " " +
                               std::string(target));
    }
    if (ec) {
      close();
      if (was_reused) {
        continue;  // the server closed the idle keep-alive connection: try a fresh one
      }
      throw std::runtime_error("http_client: write " + std::string(target) + ": " + ec.message());
    }

    http::response_parser<http::string_body> parser;
    parser.body_limit(64 * 1024 * 1024);
    if (method == "HEAD") {
      parser.skip(true);
    }
    done = false;
    impl_->with_stream([&](auto& stream) {
      http::async_read(stream, impl_->buffer, parser,
                       [&](boost::system::error_code e, std::size_t) {
                         ec = e;
                         done = true;
                       });
    });
    if (!detail::run_until(*io_, impl_->socket, done, remaining(deadline))) {
      close();
      throw std::runtime_error("http_client: timeout (" + std::to_string(timeout_.count()) +
                               " ms) waiting for the response to " + std::string(method) + " " +
                               std::string(target));
    }
    if (ec) {
      close();
      const bool nothing_read = ec == http::error::end_of_stream ||
                                ec == net::error::connection_reset || ec == net::error::eof ||
                                ec == net::ssl::error::stream_truncated;
      if (was_reused && nothing_read) {
        continue;
      }
      throw std::runtime_error("http_client: read response to " + std::string(method) + " " +
                               std::string(target) + ": " + ec.message());
    }
    auto res = parser.release();
    http_response out;
    out.status = static_cast<int>(res.result_int());
    out.reason = std::string(res.reason());
    for (const auto& field : res) {
      out.headers.emplace(std::string(field.name_string()), std::string(field.value()));
    }
    out.body = std::move(res.body());
    if (!res.keep_alive()) {
      close();
    }
    return out;
  }
  throw std::runtime_error("http_client: connection closed twice before an answer to " +
                           std::string(method) + " " + std::string(target));
}

http_response http_client::get(std::string_view target, const header_list& headers) {
  return request("GET", target, {}, headers);
}

http_response http_client::del(std::string_view target, const header_list& headers) {
  return request("DELETE", target, {}, headers);
}

http_response http_client::put(std::string_view target, std::string body,
                               const header_list& headers) {
  header_list h = headers;
  if (!body.empty() && !contains_header(h, "Content-Type")) {
    h.emplace_back("Content-Type", "application/json");
  }
  return request("PUT", target, std::move(body), h);
}

http_response http_client::post(std::string_view target, std::string body,
                                std::string_view content_type, const header_list& headers) {
  header_list h = headers;
  if (!content_type.empty() && !contains_header(h, "Content-Type")) {
    h.emplace_back("Content-Type", std::string(content_type));
  }
  return request("POST", target, std::move(body), h);
}

std::string http_client::raw_exchange(std::string bytes, std::chrono::milliseconds timeout) {
  raw_connection c = raw_connect();
  const auto deadline = clock_type::now() + timeout;
  c.send(bytes, remaining(deadline));  // a server may close before reading it all: keep going
  return c.receive(remaining(deadline));
}

raw_connection http_client::raw_connect() {
  auto p = std::make_unique<raw_connection::impl>(raw_connection::impl{io_, tcp::socket(*io_)});
  detail::connect_socket(*io_, p->socket, host_, port_, timeout_);
  return raw_connection(std::move(p));
}

}  // namespace sse::test
