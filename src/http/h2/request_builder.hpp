#pragma once
// An HTTP/2 request's header fields, as they arrive, into the framing-free request value that
// serve_request takes (the same fields the HTTP/1.1 reader keeps). Pure
// (tests/unit/http/h2_request_builder_test.cpp).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "http/message.hpp"

namespace sse::http::h2 {

class request_builder {
 public:
  request_builder(std::size_t max_header_bytes, std::size_t max_header_count)
      : max_bytes_(max_header_bytes), max_count_(max_header_count) {}

  /// One field (names arrive lowercase, as HTTP/2 requires).
  void add_header(std::string_view name, std::string_view value);
  /// Appends request body bytes; false once the body is over `max_body_bytes`.
  bool add_body(std::string_view bytes, std::size_t max_body_bytes);
  /// The header fields were over --max-header-bytes or --max-header-count: answer 431.
  bool headers_too_large() const noexcept { return too_large_; }
  bool body_too_large() const noexcept { return body_too_large_; }
  /// The request, once its headers (and body) are in.
  request take();

 private:
  std::size_t max_bytes_;
  std::size_t max_count_;
  std::size_t bytes_ = 0;
  std::size_t count_ = 0;
  bool too_large_ = false;
  bool body_too_large_ = false;
  std::string method_;
  std::string path_;
  std::optional<std::string> cookie_;
  request req_;
  header_list all_;  // every regular field, for the Durable Streams door
};

}  // namespace sse::http::h2
