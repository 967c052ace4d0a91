#include "config/setting_kinds.hpp"

#include <chrono>

#include "config/byte_size.hpp"
#include "config/duration.hpp"
#include "config/values.hpp"

namespace sse::config {

using std::chrono::milliseconds;

setting make_setting(std::string name, std::string type_name, std::string help,
                     std::string expect) {
  setting s;
  s.env = env_name(name);
  s.name = std::move(name);
  s.type_name = std::move(type_name);
  s.help = std::move(help);
  s.expect = std::move(expect);
  return s;
}

setting duration_setting(std::string name, std::string help, field<milliseconds> f,
                         long long min_ms) {
  std::string expect = min_ms > 0 ? "a duration > 0" : "a duration >= 0";
  expect += " such as 250ms, 15s, 5m, 1h (a bare number is seconds)";
  setting s = make_setting(std::move(name), "DURATION", std::move(help), std::move(expect));
  s.apply = [f, min_ms](std::string_view v, config& cfg) -> result<void> {
    auto d = parse_duration(v);
    if (!d || d->count() < min_ms) {
      return errc::invalid_argument;
    }
    cfg.*f = *d;
    return {};
  };
  s.show = [f](const config& cfg) { return format_duration(cfg.*f); };
  return s;
}

setting bytes_setting(std::string name, std::string help, field<std::size_t> f,
                      std::size_t min_bytes) {
  std::string expect =
      "a byte size >= " + std::to_string(min_bytes) + " such as 65536, 64KiB, 1MiB, 1G";
  setting s = make_setting(std::move(name), "BYTES", std::move(help), std::move(expect));
  s.apply = [f, min_bytes](std::string_view v, config& cfg) -> result<void> {
    auto n = parse_byte_size(v);
    if (!n || *n < min_bytes) {
      return errc::invalid_argument;
    }
    cfg.*f = *n;
    return {};
  };
  s.show = [f](const config& cfg) { return format_byte_size(cfg.*f); };
  return s;
}

setting switch_setting(std::string name, std::string help, field<bool> f) {
  setting s = make_setting(std::move(name), "", std::move(help), "1/true/yes/on or 0/false/no/off");
  s.is_switch = true;
  s.apply = [f](std::string_view v, config& cfg) -> result<void> {
    auto b = parse_bool(v);
    if (!b) {
      return b.error();
    }
    cfg.*f = *b;
    return {};
  };
  s.show = [f](const config& cfg) { return cfg.*f ? "true" : "false"; };
  return s;
}

setting text_setting(std::string name, std::string type_name, std::string help, std::string expect,
                     field<std::string> f, result<void> (*check)(std::string_view)) {
  setting s =
      make_setting(std::move(name), std::move(type_name), std::move(help), std::move(expect));
  s.apply = [f, check](std::string_view v, config& cfg) -> result<void> {
    if (check != nullptr) {
      auto r = check(v);
      if (!r) {
        return r;
      }
    }
    cfg.*f = std::string(v);
    return {};
  };
  s.show = [f](const config& cfg) { return cfg.*f; };
  return s;
}

}  // namespace sse::config
