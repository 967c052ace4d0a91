#include "load/nchan_target.hpp"

#include <charconv>

namespace sse::load {
namespace {

constexpr std::string_view end_marker = "!end";

bool parse_u64(std::string_view text, std::uint64_t& out) noexcept {
  if (text.empty()) {
    return false;
  }
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc{} && ptr == text.data() + text.size();
}

}  // namespace

std::string url_template::expand(std::string_view id) const {
  std::string out;
  out.reserve(before.size() + id.size() + after.size());
  out.append(before).append(id).append(after);
  return out;
}

result<url_template> parse_url_template(std::string_view url) {
  constexpr std::string_view prefix = "http://127.0.0.1:";
  if (url.substr(0, prefix.size()) != prefix) {
    return make_error_code(errc::invalid_argument);
  }
  url.remove_prefix(prefix.size());
  const auto slash = url.find('/');
  std::uint64_t port = 0;
  if (slash == std::string_view::npos || !parse_u64(url.substr(0, slash), port) || port == 0 ||
      port > 65535) {
    return make_error_code(errc::invalid_argument);
  }
  url_template t;
  t.port = static_cast<std::uint16_t>(port);
  const std::string_view path = url.substr(slash);
  constexpr std::string_view placeholder = "{id}";
  const auto at = path.find(placeholder);
  if (at == std::string_view::npos) {
    t.before = std::string(path);
  } else {
    t.before = std::string(path.substr(0, at));
    t.after = std::string(path.substr(at + placeholder.size()));
  }
  return t;
}

std::string nchan_message(std::uint64_t seq, std::uint64_t publish_ns, std::uint32_t filler_bytes,
                          bool end) {
  std::string out = std::to_string(publish_ns);
  out.push_back(' ');
  out.append(std::to_string(seq)).push_back(' ');
  if (end) {
    out.append(end_marker);
    return out;
  }
  // Letters cycling like words, as in the gateway's payloads (traffic_mix.cpp).
  for (std::uint32_t i = 0; i < filler_bytes; ++i) {
    out.push_back((i % 6 == 5) ? ' ' : static_cast<char>('a' + (i * 7 + publish_ns) % 26));
  }
  return out;
}

bool translate_nchan_event(stream::parsed_event& ev, std::string& nchan_id) {
  const std::string_view data = ev.data;
  const auto first = data.find(' ');
  if (first == std::string_view::npos) {
    return false;
  }
  const auto second = data.find(' ', first + 1);
  const std::string_view seq_text = data.substr(
      first + 1, second == std::string_view::npos ? std::string_view::npos : second - first - 1);
  std::uint64_t publish_ns = 0;
  std::uint64_t seq = 0;
  if (!parse_u64(data.substr(0, first), publish_ns) || !parse_u64(seq_text, seq) || seq == 0) {
    return false;
  }
  const bool end = second != std::string_view::npos && data.substr(second + 1) == end_marker;
  nchan_id = ev.id;
  ev.id = "n:" + std::to_string(seq);
  ev.id_set = true;
  ev.event = end ? "end" : std::string();
  return true;
}

}  // namespace sse::load
