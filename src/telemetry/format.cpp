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

}  // namespace

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
  std::string line = boost::json::serialize(to_json(e, node_id));
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
