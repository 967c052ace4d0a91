#pragma once
// HTTP/2 with prior knowledge (RFC 9113 3.3): a client that knows the server speaks h2 starts
// with this 24-byte preface instead of a request line. Pure.

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace sse::http::h2 {

inline constexpr std::string_view client_preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

enum class preface_match { yes, no, need_more };

/// Whether the first bytes of a connection are the preface. No HTTP/1.1 method starts with
/// "PRI ", so a request line is told apart from its first differing byte.
inline preface_match match_preface(std::string_view first_bytes) noexcept {
  const std::size_t n = std::min(first_bytes.size(), client_preface.size());
  if (first_bytes.substr(0, n) != client_preface.substr(0, n)) {
    return preface_match::no;
  }
  return n == client_preface.size() ? preface_match::yes : preface_match::need_more;
}

}  // namespace sse::http::h2
