#include "http/stream_json.hpp"

#include <chrono>
#include <cstdio>

namespace sse::http {

std::string format_rfc3339(core::time_point t) {
  using namespace std::chrono;
  const auto ms = duration_cast<milliseconds>(t.time_since_epoch());
  const auto day = floor<days>(ms);
  const year_month_day ymd{sys_days{day}};
  const auto in_day = ms - day;
  const auto h = duration_cast<hours>(in_day);
  const auto m = duration_cast<minutes>(in_day - h);
  const auto s = duration_cast<seconds>(in_day - h - m);
  const auto frac = in_day - h - m - s;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%03dZ",
                static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()),
                static_cast<unsigned>(ymd.day()), static_cast<int>(h.count()),
                static_cast<int>(m.count()), static_cast<int>(s.count()),
                static_cast<int>(frac.count()));
  return buf;
}

boost::json::object stream_info_json(std::string_view id, const store::stream_info& info) {
  boost::json::object o;
  o["stream"] = id;
  o["epoch"] = info.epoch;
  o["status"] = store::to_string(info.status);
  o["last_seq"] = info.last_seq;
  o["first_seq"] = info.first_seq;
  o["buffered_count"] = info.buffered_count;
  o["buffered_bytes"] = info.buffered_bytes;
  o["trimmed_count"] = info.trimmed_count;
  o["buffer_limit"] = info.buffer_limit;
  o["buffer_max_bytes"] = info.buffer_max_bytes;
  o["created_at"] = format_rfc3339(info.created_at);
  o["created_at_ms"] = core::to_unix_ms(info.created_at);
  o["updated_at"] = format_rfc3339(info.updated_at);
  o["updated_at_ms"] = core::to_unix_ms(info.updated_at);
  // Whole seconds, rounded up, so that 0 means "expiring now".
  const auto ms = info.expires_in.count();
  o["expires_in_seconds"] = ms <= 0 ? 0 : (ms + 999) / 1000;
  return o;
}

}  // namespace sse::http
