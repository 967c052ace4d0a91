#include "http/h2/stream.hpp"

#include <nghttp2/nghttp2.h>

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cstring>

#include "http/h2/session.hpp"

namespace sse::http::h2 {

namespace net = boost::asio;

stream::stream(std::int32_t id, stream_owner& owner, net::any_io_executor ex,
               const config::config& cfg)
    : request_deadline(ex),
      id_(id),
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

void stream::cut_if_unfinished() {
  if (closed_ || body_done_) {
    return;  // gone, or its END_STREAM is on the way
  }
  // Stopped without its `last` write (a slow client, a store held too long): HTTP/1.1 closes
  // without the final chunk; here the stream alone is reset, so the client sees a cut, not an
  // end.
  abort();
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
  const std::size_t body_part = n;
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
  } else if (handler_ && n > body_part) {
    pending_taken_ += n - body_part;
    report_held();
  }
  streamed_ += n;
  const bool empty = body_.empty() && !handler_;
  eof = empty && body_done_;
  deferred = empty && !body_done_;
  return n;
}

void stream::start_head(const stream_head& head, write_handler handler) {
  if (closed_) {
    net::post(executor_, [h = std::move(handler)]() mutable {
      std::move(h)(net::error::connection_reset, 0);
    });
    return;
  }
  set_head(head);
  net::post(executor_,
            [h = std::move(handler)]() mutable { std::move(h)(boost::system::error_code{}, 0); });
}

void stream::set_head(const stream_head& head) {
  if (closed_) {
    return;  // the next write says so
  }
  // `close` is HTTP/1.1's: an HTTP/2 stream ends on its own (END_STREAM) and the connection
  // goes on. HEADERS is queued in the session at once; DATA follows when the body comes.
  header_list fields;
  fields.reserve(head.fields.size() + 1);
  fields.emplace_back("server", "sse-gateway");
  fields.insert(fields.end(), head.fields.begin(), head.fields.end());
  head_sent_ = true;
  owner_.h2_session().submit_response(id_, head.status, fields, true);
  owner_.wake_writer();
}

void stream::start_body(buffer_view body, bool last, write_handler handler) {
  if (closed_) {
    net::post(executor_, [h = std::move(handler)]() mutable {
      std::move(h)(net::error::connection_reset, 0);
    });
    return;
  }
  std::size_t total = 0;
  for (const auto& b : body) {
    total += b.size();
  }
  if (last) {
    body_done_ = true;  // END_STREAM once these bytes are taken
  }
  pending_ = body;
  pending_buf_ = 0;
  pending_at_ = 0;
  pending_total_ = total;
  pending_taken_ = 0;
  handler_.emplace(std::move(handler));
  auto slot = handler_->get_cancellation_slot();
  if (slot.is_connected()) {
    // `writer || watch_peer` cancels a write the peer's departure left pending.
    slot.assign([this](net::cancellation_type) {
      complete_write(net::error::operation_aborted, /*from_slot=*/true);
    });
  }
  report_held();
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
  pending_total_ = 0;
  pending_taken_ = 0;
  if (closed_) {
    queued_ = 0;  // nothing more will be written
  }
  report_held();
  net::post(executor_, [h = std::move(h), ec, written]() mutable { std::move(h)(ec, written); });
}

void stream::start_read(net::mutable_buffer, read_handler handler) {
  // The peer sends nothing on an SSE stream after its request that matters here: the watch only
  // learns when the stream closes (peer_gone_ is cancelled then, and by cancel_read()). The
  // caller's cancellation slot goes with the wait (the Durable Streams door's watch is one side
  // of `||`).
  auto slot = handler.get_cancellation_slot();
  auto finish = [this, h = std::move(handler)](boost::system::error_code) mutable {
    std::move(h)(
        closed_ && !dropped_ ? net::error::connection_reset : net::error::operation_aborted, 0);
  };
  if (closed_ || read_cancelled_) {
    net::post(executor_, [f = std::move(finish)]() mutable { std::move(f)({}); });
    return;
  }
  peer_gone_.async_wait(net::bind_cancellation_slot(slot, std::move(finish)));
}

void stream::closed() {
  close_with(net::error::connection_reset);
}

void stream::close_with(boost::system::error_code ec) {
  closed_ = true;
  request_deadline.cancel();
  complete_write(ec);
  peer_gone_.cancel();
}

void stream::queued(std::size_t bytes) noexcept {
  if (closed_ || bytes == queued_) {
    return;
  }
  queued_ = bytes;
  report_held();
}

void stream::report_held() noexcept {
  owner_.held_changed(id_, pending_total_ - pending_taken_ + queued_);
}

void stream::abort() noexcept {
  reset_with(net::error::connection_reset);
}

void stream::reset_with(boost::system::error_code ec) noexcept {
  if (closed_) {
    return;
  }
  owner_.h2_session().reset_stream(id_, NGHTTP2_CANCEL);
  owner_.wake_writer();
  close_with(ec);
}

void stream::drop_slow() noexcept {
  if (closed_) {
    return;
  }
  dropped_ = true;
  reset_with(net::error::operation_aborted);
}

}  // namespace sse::http::h2
