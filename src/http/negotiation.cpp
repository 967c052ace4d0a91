#include "http/negotiation.hpp"

#include <cctype>

namespace sse::http {
namespace {

std::string_view trim(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
  if (a.size() != b.size()) {
    return false;
  }
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i]))) {
      return false;
    }
  }
  return true;
}

// True when the parameters of a media range hold q=0 (q=0, q=0.0, q=0.000).
bool has_zero_q(std::string_view params) noexcept {
  while (!params.empty()) {
    auto semi = params.find(';');
    std::string_view p = trim(params.substr(0, semi));
    params = semi == std::string_view::npos ? std::string_view{} : params.substr(semi + 1);
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

}  // namespace

bool accepts_event_stream(std::string_view accept) noexcept {
  while (!accept.empty()) {
    auto comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    accept = comma == std::string_view::npos ? std::string_view{} : accept.substr(comma + 1);
    auto semi = range.find(';');
    std::string_view media = trim(range.substr(0, semi));
    std::string_view params =
        semi == std::string_view::npos ? std::string_view{} : range.substr(semi + 1);
    if ((iequals(media, "text/event-stream") || iequals(media, "text/*") || media == "*/*") &&
        !has_zero_q(params)) {
      return true;
    }
  }
  return false;
}

}  // namespace sse::http
