#include "dashboard/run_setup.hpp"

#include <cstdlib>

#include "dashboard/html_text.hpp"

namespace sse::dashboard {

namespace {

const std::string* setting(const run_summary& s, std::string_view key) {
  for (const auto& [k, v] : s.configuration) {
    if (k == key) {
      return &v;
    }
  }
  return nullptr;
}

/// The setting as a number in the usual short form ("400" for "400.0"); the text as it is
/// when it is not a number.
std::string number_setting(const std::string& text) {
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || *end != '\0') {
    return text;
  }
  return format_number(v, 6);
}

}  // namespace

run_setup setup_of(const run_summary& s) {
  run_setup out;
  const std::string* kind = setting(s, "target_kind");
  const std::string* store = setting(s, "store");
  if (kind != nullptr && *kind == "nchan") {
    out.store = "nchan";
  } else if (store != nullptr && !store->empty()) {
    out.store = *store;
  } else {
    out.store = "unknown store";
  }
  // Duration too: the worst window and the longest resume of a 60 s run are not those of a
  // 3 s run.
  static constexpr std::pair<std::string_view, std::string_view> parts[] = {
      {"streams", " streams"},
      {"subscribers", " subscribers"},
      {"rate", " events/s"},
      {"duration_s", " s"}};
  for (const auto& [key, unit] : parts) {
    if (const std::string* v = setting(s, key); v != nullptr && !v->empty()) {
      out.load += (out.load.empty() ? "" : ", ") + number_setting(*v) + std::string(unit);
    }
  }
  if (out.load.empty()) {
    out.load = "unknown load";
  }
  return out;
}

std::string setup_text(const run_setup& setup) {
  return (setup.store == "unknown store" ? setup.store : setup.store + " store") + ", " +
         setup.load;
}

}  // namespace sse::dashboard
