#include "http/h1/stream_framing.hpp"

#include <boost/beast/http/status.hpp>

namespace sse::http::h1 {
namespace {

namespace net = boost::asio;

constexpr std::string_view crlf = "\r\n";
constexpr std::string_view last_chunk = "0\r\n\r\n";

void add_field(std::string& out, std::string_view name, std::string_view value) {
  out.append(name).append(": ").append(value).append(crlf);
}

}  // namespace

std::size_t chunk_size_line(std::size_t size, std::array<char, 20>& line) noexcept {
  char digits[16];
  std::size_t n = 0;
  do {
    digits[n++] = "0123456789abcdef"[size % 16];
    size /= 16;
  } while (size > 0);
  for (std::size_t i = 0; i < n; ++i) {
    line[i] = digits[n - 1 - i];
  }
  line[n] = '\r';
  line[n + 1] = '\n';
  return n + 2;
}

std::string_view stream_framing::head(const stream_head& head, unsigned version) {
  chunked_ = version >= 11 && !head.close;
  head_.clear();
  head_.append(version >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ").append(std::to_string(head.status));
  const auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(head.status));
  head_.append(" ").append(reason.data(), reason.size()).append(crlf);
  add_field(head_, "Server", "sse-gateway");
  if (head.close) {
    add_field(head_, "Connection", "close");
  }
  for (const auto& [name, value] : head.fields) {
    add_field(head_, name, value);
  }
  if (chunked_) {
    // The connection ends with the stream (the request loop serves nothing after it), so the
    // head says so: a client that took it for keep-alive sent its next request into a closing
    // socket (curl retried it, h2load --h1 counted it failed). Chunked all the same: the last
    // chunk tells the client and any proxy that the stream ended whole rather than cut.
    add_field(head_, "Connection", "close");
    add_field(head_, "Transfer-Encoding", "chunked");
  }
  head_.append(crlf);
  return head_;
}

boost::asio::const_buffer framed_body::operator[](std::size_t i) const noexcept {
  if (i < heads_) {
    return head_;
  }
  i -= heads_;
  if (i < before_) {
    return size_line_;
  }
  i -= before_;
  return i < body_.size() ? body_[i] : tail_[i - body_.size()];
}

framed_body stream_framing::body(buffer_view body, bool last, bool with_head) noexcept {
  framed_body out;
  out.body_ = body;
  body_ = 0;
  for (const auto& b : body) {
    body_ += b.size();
  }
  prefix_ = 0;
  if (with_head) {
    out.head_ = net::buffer(head_);
    out.heads_ = 1;
    prefix_ = head_.size();
  }
  if (chunked_ && body_ > 0) {
    const std::size_t line = chunk_size_line(body_, size_line_);
    prefix_ += line;
    out.size_line_ = net::const_buffer(size_line_.data(), line);
    out.before_ = 1;
    out.tail_[out.after_++] = net::buffer(crlf);
  }
  if (chunked_ && last) {
    out.tail_[out.after_++] = net::buffer(last_chunk);
  }
  return out;
}

void stream_framing::release_head() noexcept {
  std::string().swap(head_);
}

std::size_t stream_framing::body_written(std::size_t wire) const noexcept {
  const std::size_t past_prefix = wire > prefix_ ? wire - prefix_ : 0;
  return past_prefix < body_ ? past_prefix : body_;
}

}  // namespace sse::http::h1
