#include "relay/route.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/duration.hpp"
#include "config/number.hpp"
#include "core/stream_id.hpp"
#include "core/types.hpp"

namespace sse::relay {
namespace {

namespace json = boost::json;

bool is_name_char(char c) noexcept {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

/// Header names are HTTP tokens; values must not break the request (no CR, LF or NUL).
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

/// Expands ${NAME}. Errors name the variable, never a value.
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

// The route's "checkpoint" object, as strict as the rest of the file.
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

bool parse_route(const json::value& v, const env_lookup& env, route& r, std::string& error) {
  if (!v.is_object()) {
    error = "a route must be an object";
    return false;
  }
  const auto& o = v.get_object();
  static constexpr std::string_view known[] = {"name",
                                               "url",
                                               "method",
                                               "headers",
                                               "connect_timeout",
                                               "idle_timeout",
                                               "total_timeout",
                                               "max_concurrent",
                                               "stream",
                                               "priorities",
                                               "default_priority",
                                               "checkpoint"};
  for (const auto& kv : o) {
    if (std::find(std::begin(known), std::end(known), kv.key()) == std::end(known)) {
      error = "unknown key \"" + std::string(kv.key()) + "\"";
      return false;
    }
  }
  const auto* name = o.if_contains("name");
  if (name == nullptr || !name->is_string() || !is_valid_route_name(name->get_string())) {
    error = "name must be 1-64 characters of [A-Za-z0-9._-]";
    return false;
  }
  r.name = std::string(name->get_string());
  error = "route \"" + r.name + "\": ";
  const auto* url = o.if_contains("url");
  auto parsed =
      url != nullptr && url->is_string() ? parse_upstream_url(url->get_string()) : std::nullopt;
  if (!parsed) {
    error += "url must be http://host[:port]/path or https://...";
    return false;
  }
  r.url = std::move(*parsed);
  if (const auto* m = o.if_contains("method")) {
    if (!m->is_string() || !is_token(m->get_string())) {
      error += "method must be an HTTP method such as POST";
      return false;
    }
    r.method = std::string(m->get_string());
  }
  if (const auto* h = o.if_contains("headers")) {
    if (!h->is_object()) {
      error += "headers must be an object of name: value";
      return false;
    }
    for (const auto& kv : h->get_object()) {
      if (!is_token(kv.key()) || !kv.value().is_string()) {
        error += "header \"" + std::string(kv.key()) + "\" must be a token with a string value";
        return false;
      }
      std::string value;
      std::string why;
      if (!expand(kv.value().get_string(), env, value, why)) {
        error += "header \"" + std::string(kv.key()) + "\": " + why;
        return false;
      }
      r.headers.emplace_back(std::string(kv.key()), std::move(value));
    }
  }
  std::string why;
  if (!read_duration(o, "connect_timeout", r.connect_timeout, why) ||
      !read_duration(o, "idle_timeout", r.idle_timeout, why) ||
      !read_duration(o, "total_timeout", r.total_timeout, why)) {
    error += why;
    return false;
  }
  std::uint64_t n = r.max_concurrent;
  if (!read_count(o.if_contains("max_concurrent"), "max_concurrent", 1, 1'000'000, n, why)) {
    error += why;
    return false;
  }
  r.max_concurrent = static_cast<std::size_t>(n);
  if (const auto* s = o.if_contains("stream")) {
    if (!s->is_object()) {
      error += "stream must be an object {buffer_limit, ttl_seconds}";
      return false;
    }
    const auto& so = s->get_object();
    for (const auto& kv : so) {
      // The spellings of PUT /v1/streams/{id}: one name per option everywhere.
      if (kv.key() == "ttl") {
        error +=
            "stream.ttl is now stream.ttl_seconds, an integer number of seconds (the "
            "spelling of PUT /v1/streams/{id}): \"ttl\":\"1h\" is \"ttl_seconds\":3600";
        return false;
      }
      if (kv.key() != "buffer_limit" && kv.key() != "ttl_seconds") {
        error +=
            "unknown key stream." + std::string(kv.key()) + " (known: buffer_limit, ttl_seconds)";
        return false;
      }
    }
    if (const auto* bl = so.if_contains("buffer_limit")) {
      std::uint64_t limit = 0;
      if (!read_count(bl, "stream.buffer_limit", 1, 100'000'000, limit, why)) {
        error += why;
        return false;
      }
      r.buffer_limit = static_cast<std::size_t>(limit);
    }
    if (const auto* ttl = so.if_contains("ttl_seconds")) {
      std::uint64_t seconds = 0;
      if (!read_count(ttl, "stream.ttl_seconds", 1, 1'000'000'000, seconds, why)) {
        error += why;
        return false;
      }
      r.ttl = std::chrono::seconds(seconds);
    }
  }
  if (const auto* p = o.if_contains("priorities")) {
    if (!p->is_object()) {
      error += "priorities must be an object of event type: 0-3 or \"drop\"";
      return false;
    }
    for (const auto& kv : p->get_object()) {
      int prio = 0;
      if (!read_priority(kv.value(), prio)) {
        error += "priorities." + std::string(kv.key()) + " must be 0-3 or \"drop\"";
        return false;
      }
      r.priorities.emplace(std::string(kv.key()), prio);
    }
  }
  if (const auto* d = o.if_contains("default_priority")) {
    if (!read_priority(*d, r.default_priority)) {
      error += "default_priority must be 0-3 or \"drop\"";
      return false;
    }
  }
  if (const auto* c = o.if_contains("checkpoint")) {
    checkpoint_options opts;
    if (!parse_checkpoint(*c, opts, why)) {
      error += why;
      return false;
    }
    r.checkpoint = std::move(opts);
  }
  error.clear();
  return true;
}

}  // namespace

std::optional<upstream_url> parse_upstream_url(std::string_view text) {
  upstream_url u;
  if (text.starts_with("https://")) {
    u.tls = true;
    u.port = 443;
    text.remove_prefix(8);
  } else if (text.starts_with("http://")) {
    u.port = 80;
    text.remove_prefix(7);
  } else {
    return std::nullopt;
  }
  const auto path_at = text.find_first_of("/?#");
  std::string_view authority = text.substr(0, path_at);
  std::string_view rest = path_at == std::string_view::npos ? "" : text.substr(path_at);
  if (authority.find('@') != std::string_view::npos || rest.find('#') != std::string_view::npos) {
    return std::nullopt;  // no userinfo (would be a secret in the URL), no fragment
  }
  std::string_view host = authority;
  std::string_view port;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) {
      return std::nullopt;
    }
    host = authority.substr(1, close - 1);
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        return std::nullopt;
      }
      port = after.substr(1);
    }
  } else if (const auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    port = authority.substr(colon + 1);
    if (port.empty()) {
      return std::nullopt;
    }
  }
  if (host.empty()) {
    return std::nullopt;
  }
  for (char c : host) {
    if (!is_name_char(c) && c != ':') {
      return std::nullopt;
    }
  }
  if (!port.empty()) {
    auto p = config::parse_uint(port);
    if (!p || *p == 0 || *p > 65535) {
      return std::nullopt;
    }
    u.port = static_cast<std::uint16_t>(*p);
  }
  for (unsigned char c : rest) {
    if (c <= 0x20 || c >= 0x7f) {
      return std::nullopt;
    }
  }
  u.host = std::string(host);
  if (rest.starts_with('?')) {
    // Built in place rather than as "/" + std::string(rest): GCC 12 at -O3 reports a false
    // -Wrestrict on that operator+ (libstdc++ char_traits::copy).
    u.target.assign(1, '/');
    u.target.append(rest);
  } else if (!rest.empty()) {
    u.target = std::string(rest);
  }
  return u;
}

std::optional<int> route::priority_of(std::string_view event_type) const {
  auto it = priorities.find(event_type);
  const int p = it == priorities.end() ? default_priority : it->second;
  if (p == drop_priority) {
    return std::nullopt;
  }
  return p;
}

bool is_valid_route_name(std::string_view name) noexcept {
  if (name.empty() || name.size() > 64) {
    return false;
  }
  for (char c : name) {
    if (!is_name_char(c)) {
      return false;
    }
  }
  return true;
}

routes_result parse_routes(std::string_view json_text, const env_lookup& env) {
  routes_result out;
  boost::system::error_code ec;
  json::value doc = json::parse(json_text, ec);
  if (ec) {
    out.error = "not valid JSON: " + ec.message();
    return out;
  }
  const json::value* list = doc.is_object() ? doc.get_object().if_contains("routes") : nullptr;
  if (list == nullptr || !list->is_array()) {
    out.error = "the file must be an object with a \"routes\" array";
    return out;
  }
  std::size_t i = 0;
  for (const auto& v : list->get_array()) {
    route r;
    std::string error;
    if (!parse_route(v, env, r, error)) {
      out.error = "routes[" + std::to_string(i) + "]: " + error;
      out.routes.clear();
      return out;
    }
    for (const auto& other : out.routes) {
      if (other.name == r.name) {
        out.error = "routes[" + std::to_string(i) + "]: duplicate name \"" + r.name + "\"";
        out.routes.clear();
        return out;
      }
    }
    out.routes.push_back(std::move(r));
    ++i;
  }
  return out;
}

routes_result load_routes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    routes_result out;
    out.error = "cannot read " + path;
    return out;
  }
  std::ostringstream s;
  s << in.rdbuf();
  auto r = parse_routes(s.str(), [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr) {
      return std::nullopt;
    }
    return std::string(v);
  });
  if (!r.error.empty()) {
    r.error = path + ": " + r.error;
  }
  return r;
}

std::string check_stream_caps(const std::vector<route>& routes, std::size_t max_buffer_limit,
                              std::chrono::milliseconds max_ttl) {
  for (const auto& r : routes) {
    if (r.buffer_limit && *r.buffer_limit > max_buffer_limit) {
      return "route \"" + r.name + "\": stream.buffer_limit " + std::to_string(*r.buffer_limit) +
             " is over --max-buffer-limit " + std::to_string(max_buffer_limit);
    }
    if (r.ttl && *r.ttl > max_ttl) {
      return "route \"" + r.name + "\": stream.ttl_seconds " +
             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(*r.ttl).count()) +
             " is over --max-ttl " + config::format_duration(max_ttl) + " (" +
             std::to_string(std::chrono::duration_cast<std::chrono::seconds>(max_ttl).count()) +
             " seconds)";
    }
  }
  return {};
}

}  // namespace sse::relay
