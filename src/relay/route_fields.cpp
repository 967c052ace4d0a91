#include "relay/route_fields.hpp"

#include "config/duration.hpp"
#include "core/error.hpp"
#include "core/stream_id.hpp"
#include "core/types.hpp"

namespace sse::relay::detail {
namespace {

namespace json = boost::json;

// A JSON pointer (RFC 6901): empty, or "/"-separated tokens where "~" is only "~0" or "~1".
bool is_json_pointer(std::string_view p) {
  if (!p.empty() && p.front() != '/') {
    return false;
  }
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] == '~' && (i + 1 == p.size() || (p[i + 1] != '0' && p[i + 1] != '1'))) {
      return false;
    }
  }
  return true;
}

}  // namespace

bool is_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

bool is_token(std::string_view s) noexcept {
  if (s.empty()) {
    return false;
  }
  for (unsigned char c : s) {
    if (c <= 0x20 || c >= 0x7f ||
        std::string_view("\"(),/:;<=>?@[\\]{}").find(static_cast<char>(c)) !=
            std::string_view::npos) {
      return false;
    }
  }
  return true;
}

bool expand(std::string_view in, const env_lookup& env, std::string& out, std::string& error) {
  out.clear();
  for (std::size_t i = 0; i < in.size();) {
    if (in.compare(i, 2, "${") == 0) {
      const auto close = in.find('}', i + 2);
      if (close == std::string_view::npos) {
        error = "unterminated ${ in a header value";
        return false;
      }
      const std::string_view name = in.substr(i + 2, close - i - 2);
      auto value = name.empty() ? std::nullopt : env(name);
      if (!value) {
        error = "environment variable " + std::string(name) + " is not set";
        return false;
      }
      out += *value;
      i = close + 1;
    } else {
      out += in[i++];
    }
  }
  for (char c : out) {
    if (c == '\r' || c == '\n' || c == '\0') {
      error = "a header value holds CR, LF or NUL";
      return false;
    }
  }
  return true;
}

bool read_duration(const json::object& o, std::string_view key, std::chrono::milliseconds& out,
                   std::string& error) {
  const auto* v = o.if_contains(key);
  if (v == nullptr) {
    return true;
  }
  auto d = v->is_string() ? config::parse_duration(v->get_string())
                          : result<std::chrono::milliseconds>(errc::invalid_argument);
  if (!d || d->count() == 0) {
    error = std::string(key) + " must be a duration > 0 such as \"30s\"";
    return false;
  }
  out = *d;
  return true;
}

bool read_count(const json::value* v, std::string_view key, std::uint64_t min, std::uint64_t max,
                std::uint64_t& out, std::string& error) {
  if (v == nullptr) {
    return true;
  }
  if (v->is_int64() && v->get_int64() >= 0) {
    out = static_cast<std::uint64_t>(v->get_int64());
  } else if (v->is_uint64()) {
    out = v->get_uint64();
  } else {
    out = max + 1;
  }
  if (out < min || out > max) {
    error = std::string(key) + " must be an integer from " + std::to_string(min) + " to " +
            std::to_string(max);
    return false;
  }
  return true;
}

bool read_priority(const json::value& v, int& out) {
  if (v.is_string() && v.get_string() == "drop") {
    out = drop_priority;
    return true;
  }
  if (v.is_int64() && v.get_int64() >= 0 && v.get_int64() <= max_priority) {
    out = static_cast<int>(v.get_int64());
    return true;
  }
  return false;
}

bool parse_checkpoint(const json::value& v, checkpoint_options& out, std::string& error) {
  if (!v.is_object()) {
    error = "checkpoint must be an object {text_pointer, every_events, every_bytes, event}";
    return false;
  }
  const auto& o = v.get_object();
  for (const auto& kv : o) {
    if (kv.key() != "text_pointer" && kv.key() != "every_events" && kv.key() != "every_bytes" &&
        kv.key() != "event") {
      error = "unknown key checkpoint." + std::string(kv.key()) +
              " (known: text_pointer, every_events, every_bytes, event)";
      return false;
    }
  }
  const auto* p = o.if_contains("text_pointer");
  if (p == nullptr || !p->is_string() || !is_json_pointer(p->get_string())) {
    error = "checkpoint.text_pointer must be a JSON pointer such as \"/choices/0/delta/content\"";
    return false;
  }
  out.text_pointer = std::string(p->get_string());
  std::uint64_t n = 0;
  if (o.contains("every_events")) {
    if (!read_count(o.if_contains("every_events"), "checkpoint.every_events", 1, 100'000'000, n,
                    error)) {
      return false;
    }
    out.every_events = static_cast<std::size_t>(n);
  }
  if (o.contains("every_bytes")) {
    if (!read_count(o.if_contains("every_bytes"), "checkpoint.every_bytes", 1, 1'000'000'000, n,
                    error)) {
      return false;
    }
    out.every_bytes = static_cast<std::size_t>(n);
  }
  if (out.every_events == 0 && out.every_bytes == 0) {
    error = "checkpoint needs every_events or every_bytes (or both)";
    return false;
  }
  if (const auto* e = o.if_contains("event")) {
    if (!e->is_string() || !core::is_valid_event_type(e->get_string())) {
      error = "checkpoint.event must be 1-64 characters of [A-Za-z0-9_.:-]";
      return false;
    }
    const std::string_view t(e->get_string().data(), e->get_string().size());
    if (t == "end" || t == "gap" || t == "reset" || t == "error" || t == "auth_expired") {
      error = "checkpoint.event \"" + std::string(t) + "\" is reserved by the gateway";
      return false;
    }
    out.event = std::string(t);
  }
  return true;
}

}  // namespace sse::relay::detail
