#include "http/negotiation.hpp"

#include <cctype>

#include "core/text.hpp"

namespace sse::http {
namespace {

// True when the parameters of a media range hold q=0 (q=0, q=0.0, q=0.000).
bool has_zero_q(std::string_view params) noexcept {
  while (!params.empty()) {
    auto semi = params.find(';');
    std::string_view p = core::trim_blanks(params.substr(0, semi));
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
    std::string_view media = core::trim_blanks(range.substr(0, semi));
    std::string_view params =
        semi == std::string_view::npos ? std::string_view{} : range.substr(semi + 1);
    if ((core::iequals(media, "text/event-stream") || core::iequals(media, "text/*") ||
         media == "*/*") &&
        !has_zero_q(params)) {
      return true;
    }
  }
  return false;
}

}  // namespace sse::http
