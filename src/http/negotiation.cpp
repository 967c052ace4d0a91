#include "http/negotiation.hpp"

#include <algorithm>
#include <array>
#include <cctype>

#include "core/text.hpp"

namespace sse::http {
namespace {

// The piece of `rest` before the first `sep` (all of it when there is none); `rest` moves past it.
std::string_view next_item(std::string_view& rest, char sep) noexcept {
  const auto at = rest.find(sep);
  const std::string_view item = rest.substr(0, at);
  rest = at == std::string_view::npos ? std::string_view{} : rest.substr(at + 1);
  return item;
}

// One element of a comma list: its name (trimmed) and what follows its first ';'.
struct list_element {
  std::string_view name;
  std::string_view params;
};
list_element split_element(std::string_view element) noexcept {
  const auto semi = element.find(';');
  return {core::trim_blanks(element.substr(0, semi)),
          semi == std::string_view::npos ? std::string_view{} : element.substr(semi + 1)};
}

// True when the parameters of a media range hold q=0 (q=0, q=0.0, q=0.000).
bool has_zero_q(std::string_view params) noexcept {
  while (!params.empty()) {
    std::string_view p = core::trim_blanks(next_item(params, ';'));
    if (p.size() >= 2 && (p[0] == 'q' || p[0] == 'Q') && p[1] == '=') {
      std::string_view v = p.substr(2);
      if (v.empty() || v[0] != '0') {
        return false;
      }
      for (char c : v.substr(1)) {
        if (c != '.' && c != '0') {
          return false;
        }
      }
      return true;
    }
  }
  return false;
}

/// The q of one element's parameters, in thousandths (RFC 9110 qvalue: 0 to 1 with up to three
/// decimals); 1000 when absent; -1 when malformed (the element is ignored).
int qvalue(std::string_view params) noexcept {
  while (!params.empty()) {
    std::string_view p = core::trim_blanks(next_item(params, ';'));
    if (p.size() < 2 || (p[0] != 'q' && p[0] != 'Q') || p[1] != '=') {
      continue;
    }
    std::string_view v = p.substr(2);
    if (v.empty() || (v[0] != '0' && v[0] != '1')) {
      return -1;
    }
    int q = (v[0] - '0') * 1000;
    v.remove_prefix(1);
    if (!v.empty()) {
      if (v[0] != '.' || v.size() > 4) {
        return -1;
      }
      int scale = 100;
      for (char c : v.substr(1)) {
        if (c < '0' || c > '9') {
          return -1;
        }
        q += (c - '0') * scale;
        scale /= 10;
      }
    }
    return q > 1000 ? -1 : q;
  }
  return 1000;
}

bool has_token(std::string_view list, std::string_view token) noexcept {
  while (!list.empty()) {
    std::string_view item = core::trim_blanks(next_item(list, ','));
    if (core::iequals(item, token)) {
      return true;
    }
  }
  return false;
}

}  // namespace

stream::content_coding choose_sse_coding(const std::optional<std::string>& accept_encoding,
                                         const std::optional<std::string>& cache_control,
                                         std::span<const stream::content_coding> offers) noexcept {
  using stream::content_coding;
  if (offers.empty() || !accept_encoding ||
      (cache_control && has_token(*cache_control, "no-transform"))) {
    return content_coding::identity;
  }
  // q per offered coding (-1: not named), and the wildcard's.
  std::array<int, 3> named{-1, -1, -1};
  int wildcard = -1;
  std::string_view rest = *accept_encoding;
  while (!rest.empty()) {
    const auto [name, params] = split_element(next_item(rest, ','));
    const int q = qvalue(params);
    if (q < 0 || name.empty()) {
      continue;
    }
    if (name == "*") {
      wildcard = std::max(wildcard, q);
    } else if (core::iequals(name, "x-gzip")) {
      named[static_cast<std::size_t>(content_coding::gzip)] =
          std::max(named[static_cast<std::size_t>(content_coding::gzip)], q);
    } else if (auto c = stream::parse_content_coding(name)) {
      named[static_cast<std::size_t>(*c)] = std::max(named[static_cast<std::size_t>(*c)], q);
    }
  }
  content_coding best = content_coding::identity;
  int best_q = 0;
  for (content_coding c : offers) {
    const int n = named[static_cast<std::size_t>(c)];
    const int q = n >= 0 ? n : wildcard;
    if (q > best_q) {  // strictly: an equal q keeps the server's earlier choice
      best = c;
      best_q = q;
    }
  }
  return best;
}

bool accepts_event_stream(std::string_view accept) noexcept {
  while (!accept.empty()) {
    const auto [media, params] = split_element(next_item(accept, ','));
    if ((core::iequals(media, "text/event-stream") || core::iequals(media, "text/*") ||
         media == "*/*") &&
        !has_zero_q(params)) {
      return true;
    }
  }
  return false;
}

}  // namespace sse::http
