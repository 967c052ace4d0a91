#include "telemetry/format.hpp"

#include <array>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace sse::telemetry {
namespace {

constexpr std::array<std::string_view, 5> reserved{"name", "ts", "ts_ms", "node", "stream"};

bool is_reserved(std::string_view key) {
  for (auto r : reserved) {
    if (r == key) {
      return true;
    }
  }
  return false;
}

bool is_continuation(unsigned char c) noexcept {
  return (c & 0xC0) == 0x80;
}

/// The length of the well-formed UTF-8 sequence at the start of `s` (Unicode 15, table 3-7:
/// no overlong forms, no surrogates, nothing above U+10FFFF); 0 when there is none.
std::size_t sequence_length(std::string_view s) noexcept {
  const auto at = [&](std::size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = at(0);
  if (c < 0x80) {
    return 1;
  }
  std::size_t n = 0;
  unsigned char lo = 0x80;  // the range of the second byte
  unsigned char hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    lo = c == 0xE0 ? 0xA0 : 0x80;
    hi = c == 0xED ? 0x9F : 0xBF;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    lo = c == 0xF0 ? 0x90 : 0x80;
    hi = c == 0xF4 ? 0x8F : 0xBF;
  } else {
    return 0;
  }
  if (s.size() < n || at(1) < lo || at(1) > hi) {
    return 0;
  }
  for (std::size_t i = 2; i < n; ++i) {
    if (!is_continuation(at(i))) {
      return 0;
    }
  }
  return n;
}

/// Replaces every invalid UTF-8 string in `v` (keys included) by its valid_utf8 form.
void scrub(boost::json::value& v) {
  if (auto* str = v.if_string()) {
    const std::string_view text(str->data(), str->size());
    if (!is_valid_utf8(text)) {
      *str = valid_utf8(text);
    }
  } else if (auto* arr = v.if_array()) {
    for (auto& item : *arr) {
      scrub(item);
    }
  } else if (auto* obj = v.if_object()) {
    bool keys_valid = true;
    for (auto& kv : *obj) {
      keys_valid = keys_valid && is_valid_utf8(kv.key());
      scrub(kv.value());
    }
    if (!keys_valid) {
      boost::json::object fixed;
      for (auto& kv : *obj) {
        fixed[valid_utf8(kv.key())] = std::move(kv.value());
      }
      *obj = std::move(fixed);
    }
  }
}

}  // namespace

bool is_valid_utf8(std::string_view s) noexcept {
  while (!s.empty()) {
    const std::size_t n = sequence_length(s);
    if (n == 0) {
      return false;
    }
    s.remove_prefix(n);
  }
  return true;
}

std::string valid_utf8(std::string_view s) {
  static constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  out.reserve(s.size());
  while (!s.empty()) {
    const std::size_t n = sequence_length(s);
    if (n == 0) {
      out += replacement;
      s.remove_prefix(1);
    } else {
      out += s.substr(0, n);
      s.remove_prefix(n);
    }
  }
  return out;
}

boost::json::object to_json(const event& e, std::string_view node_id) {
  boost::json::object o;
  o.reserve(5 + e.fields.size());
  o["name"] = e.name;
  o["ts"] = format_rfc3339_ms(e.ts_ms);
  o["ts_ms"] = e.ts_ms;
  if (!node_id.empty()) {
    o["node"] = node_id;
  }
  if (!e.stream.empty()) {
    o["stream"] = e.stream;
  }
  for (const auto& kv : e.fields) {
    if (is_reserved(kv.key())) {
      o[std::string("field_") + std::string(kv.key())] = kv.value();
    } else {
      o[kv.key()] = kv.value();
    }
  }
  return o;
}

std::string to_json_line(const event& e, std::string_view node_id) {
  // Boost.JSON writes a string's bytes as they are: an invalid one (a client's `%FF` in a
  // field) would make the line unreadable to every strict JSON reader.
  boost::json::value v = to_json(e, node_id);
  scrub(v);
  std::string line = boost::json::serialize(v);
  line += '\n';
  return line;
}

std::string format_rfc3339_ms(long long unix_ms) {
  // Floor division so that times before 1970 (never expected) still print sensibly.
  long long secs = unix_ms / 1000;
  long long ms = unix_ms % 1000;
  if (ms < 0) {
    ms += 1000;
    secs -= 1;
  }
  const std::time_t t = static_cast<std::time_t>(secs);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  std::array<char, 96> buf{};  // room for any int fields, so no truncation
  std::snprintf(buf.data(), buf.size(), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf.data();
}

long long now_unix_ms() noexcept {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

}  // namespace sse::telemetry
