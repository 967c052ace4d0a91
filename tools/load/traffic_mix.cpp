#include "load/traffic_mix.hpp"

#include <charconv>
#include <cstdio>

namespace sse::load {
namespace {

template <class F>
bool split4(std::string_view text, F&& each) {
  for (int i = 0; i < 4; ++i) {
    const auto comma = text.find(',');
    if ((i < 3) != (comma != std::string_view::npos)) {
      return false;
    }
    if (!each(i, text.substr(0, comma))) {
      return false;
    }
    text = comma == std::string_view::npos ? std::string_view{} : text.substr(comma + 1);
  }
  return true;
}

template <class T>
bool parse_number(std::string_view s, T& out) {
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && ptr == s.data() + s.size();
}

}  // namespace

result<std::array<double, 4>> parse_weights(std::string_view text) {
  std::array<double, 4> w{};
  double total = 0;
  const bool ok = split4(text, [&](int i, std::string_view part) {
    // from_chars for double is in GCC 12's libstdc++; keep the check strict.
    if (!parse_number(part, w[i]) || w[i] < 0) {
      return false;
    }
    total += w[i];
    return true;
  });
  if (!ok || total <= 0) {
    return make_error_code(errc::invalid_argument);
  }
  return w;
}

result<std::array<size_range, 4>> parse_sizes(std::string_view text) {
  std::array<size_range, 4> s{};
  const bool ok = split4(text, [&](int i, std::string_view part) {
    const auto dash = part.find('-');
    if (dash == std::string_view::npos) {
      return false;
    }
    return parse_number(part.substr(0, dash), s[i].min) &&
           parse_number(part.substr(dash + 1), s[i].max) && s[i].min <= s[i].max &&
           s[i].max <= 65536;
  });
  if (!ok) {
    return make_error_code(errc::invalid_argument);
  }
  return s;
}

std::string format_weights(const std::array<double, 4>& w) {
  char buf[128];
  std::snprintf(buf, sizeof buf, "%g,%g,%g,%g", w[0], w[1], w[2], w[3]);
  return buf;
}

std::string format_sizes(const std::array<size_range, 4>& s) {
  std::string out;
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      out += ',';
    }
    out += std::to_string(s[i].min) + "-" + std::to_string(s[i].max);
  }
  return out;
}

std::string_view event_type_for(int priority) noexcept {
  switch (priority) {
    case 0:
      return "progress";
    case 2:
      return "tool";
    case 3:
      return "usage";
    default:
      return "delta";
  }
}

traffic_source::traffic_source(const traffic_mix& mix, std::uint64_t seed)
    : mix_(mix), rng_(seed), priorities_(mix.weights.begin(), mix.weights.end()) {}

int traffic_source::next_priority() {
  return priorities_(rng_);
}

std::uint32_t traffic_source::next_size(int priority) {
  const size_range r = mix_.sizes[static_cast<std::size_t>(priority)];
  return std::uniform_int_distribution<std::uint32_t>(r.min, r.max)(rng_);
}

void append_event_line(std::string& out, int priority, std::uint64_t publish_ns,
                       std::uint32_t filler_bytes) {
  out.append(R"({"event":")").append(event_type_for(priority)).append(R"(","priority":)");
  out.push_back(static_cast<char>('0' + priority));
  out.append(R"(,"data":")").append(std::to_string(publish_ns)).push_back(' ');
  // Letters cycling like words: compresses roughly like text, needs no escaping.
  for (std::uint32_t i = 0; i < filler_bytes; ++i) {
    out.push_back((i % 6 == 5) ? ' ' : static_cast<char>('a' + (i * 7 + publish_ns) % 26));
  }
  out.append("\"}\n");
}

bool read_publish_ns(std::string_view data, std::uint64_t& out) noexcept {
  const auto space = data.find(' ');
  return parse_number(data.substr(0, space), out);
}

std::chrono::microseconds first_tick_phase(std::chrono::milliseconds batch_interval,
                                           std::mt19937_64& rng) {
  const auto span = std::chrono::duration_cast<std::chrono::microseconds>(batch_interval).count();
  if (span <= 0) {
    return std::chrono::microseconds(0);
  }
  std::uniform_int_distribution<long long> phase(0, span - 1);
  return std::chrono::microseconds(phase(rng));
}

}  // namespace sse::load
