#include "http/h2/stream.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <charconv>
#include <cstring>

#include "http/h2/session.hpp"

namespace sse::http::h2 {

namespace net = boost::asio;

stream::stream(std::int32_t id, stream_owner& owner, net::any_io_executor ex,
               const config::config& cfg)
    : id_(id),
      owner_(owner),
      executor_(ex),
      builder_(cfg.max_header_bytes, cfg.max_header_count),
      peer_gone_(ex, std::chrono::steady_clock::time_point::max()) {}

void stream::respond(response res, bool head_only) {
  if (closed_) {
    return;
  }
  const bool has_body = !head_only && res.status != 204 && res.status != 304;
  header_list headers;
  headers.reserve(res.headers.size() + 3);
  headers.emplace_back("server", "sse-gateway");
  if (!res.content_type.empty()) {
    headers.emplace_back("content-type", res.content_type);
  }
  if (res.status != 204 && res.status != 304) {
    headers.emplace_back("content-length", std::to_string(res.body.size()));
  }
  for (auto& h : res.headers) {
    headers.push_back(std::move(h));
  }
  body_ = has_body ? std::move(res.body) : std::string();
  body_done_ = true;
  head_sent_ = true;
  owner_.h2_session().submit_response(id_, res.status, headers, has_body);
  owner_.wake_writer();
}

void stream::finish_body() {
  if (closed_ || body_done_) {
    return;
  }
  body_done_ = true;
  if (head_sent_) {
    owner_.h2_session().resume_body(id_);
  } else {
    // Streamed nothing at all (cannot happen after a 200 head): end with an empty 200.
    owner_.h2_session().submit_response(id_, 200, {}, false);
  }
  owner_.wake_writer();
}

std::size_t stream::read_body(std::span<std::uint8_t> out, bool& eof, bool& deferred) {
  std::size_t n = 0;
  if (body_at_ < body_.size()) {
    n = std::min(out.size(), body_.size() - body_at_);
    std::memcpy(out.data(), body_.data() + body_at_, n);
    body_at_ += n;
    if (body_at_ == body_.size()) {
      body_.clear();
      body_at_ = 0;
    }
  }
  while (handler_ && n < out.size() && pending_buf_ < pending_.size()) {
    const auto& b = pending_[pending_buf_];
    const std::size_t take = std::min(out.size() - n, b.size() - pending_at_);
    std::memcpy(out.data() + n, static_cast<const char*>(b.data()) + pending_at_, take);
    n += take;
    pending_at_ += take;
    if (pending_at_ == b.size()) {
      ++pending_buf_;
      pending_at_ = 0;
    }
  }
  if (handler_ && pending_buf_ == pending_.size()) {
    complete_write({});  // nghttp2 holds every byte of it now
  }
  streamed_ += n;
  const bool empty = body_.empty() && !handler_;
  eof = empty && body_done_;
  deferred = empty && !body_done_;
  return n;
}

void stream::start_write(buffer_view buffers, write_handler handler) {
  if (closed_) {
    net::post(executor_, [h = std::move(handler)]() mutable {
      std::move(h)(net::error::connection_reset, 0);
    });
    return;
  }
  std::size_t total = 0;
  for (const auto& b : buffers) {
    total += b.size();
  }
  if (!head_sent_) {
    std::string bytes;
    bytes.reserve(total);
    for (const auto& b : buffers) {
      bytes.append(static_cast<const char*>(b.data()), b.size());
    }
    submit_head(bytes);
    owner_.wake_writer();
    net::post(executor_, [h = std::move(handler), total]() mutable {
      std::move(h)(boost::system::error_code{}, total);
    });
    return;
  }
  pending_ = buffers;
  pending_buf_ = 0;
  pending_at_ = 0;
  pending_total_ = total;
  handler_.emplace(std::move(handler));
  auto slot = handler_->get_cancellation_slot();
  if (slot.is_connected()) {
    // `writer || watch_peer` cancels a write the peer's departure left pending.
    slot.assign([this](net::cancellation_type) {
      complete_write(net::error::operation_aborted, /*from_slot=*/true);
    });
  }
  owner_.h2_session().resume_body(id_);
  owner_.wake_writer();
}

void stream::complete_write(boost::system::error_code ec, bool from_slot) {
  if (!handler_) {
    return;
  }
  write_handler h = std::move(*handler_);
  handler_.reset();
  if (!from_slot) {
    h.get_cancellation_slot().clear();  // it points into this stream
  }
  std::size_t written = 0;
  for (std::size_t i = 0; i < pending_buf_ && i < pending_.size(); ++i) {
    written += pending_[i].size();
  }
  written = ec ? written + pending_at_ : pending_total_;
  pending_ = {};
  net::post(executor_, [h = std::move(h), ec, written]() mutable { std::move(h)(ec, written); });
}

net::awaitable<sse_transport::io_result> stream::read_some(net::mutable_buffer) {
  // The peer sends nothing on an SSE stream after its request that matters here: the watch only
  // learns when the stream closes.
  if (!closed_) {
    co_await peer_gone_.async_wait(net::as_tuple(net::use_awaitable));
  }
  co_return io_result{closed_ ? net::error::connection_reset : net::error::operation_aborted, 0};
}

void stream::closed() {
  closed_ = true;
  complete_write(net::error::connection_reset);
  peer_gone_.cancel();
}

void stream::abort() noexcept {
  if (closed_) {
    return;
  }
  owner_.h2_session().reset_stream(id_, NGHTTP2_CANCEL);
  owner_.wake_writer();
  closed();
}

void stream::submit_head(std::string_view head) {
  // "HTTP/1.x 200 OK\r\nName: value\r\n...\r\n\r\n", as written for HTTP/1.0.
  unsigned status = 200;
  const auto line_end = head.find("\r\n");
  const auto sp = head.find(' ');
  if (sp != std::string_view::npos && sp + 4 <= head.size()) {
    std::from_chars(head.data() + sp + 1, head.data() + sp + 4, status);
  }
  header_list headers;
  std::size_t at = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (at < head.size()) {
    const auto end = head.find("\r\n", at);
    if (end == std::string_view::npos || end == at) {
      at = end == std::string_view::npos ? head.size() : end + 2;
      break;  // the empty line: the head ends
    }
    const std::string_view line = head.substr(at, end - at);
    const auto colon = line.find(':');
    if (colon != std::string_view::npos) {
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') {
        value.remove_prefix(1);
      }
      headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
    }
    at = end + 2;
  }
  body_.assign(head.substr(std::min(at, head.size())));
  head_sent_ = true;
  owner_.h2_session().submit_response(id_, status, headers, true);
}

}  // namespace sse::http::h2
