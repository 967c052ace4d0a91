#include "relay/route.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "config/duration.hpp"
#include "core/stream_id.hpp"
#include "core/types.hpp"
#include "relay/route_fields.hpp"

namespace sse::relay {

using namespace detail;  // the field readers: route_fields.hpp

namespace {

namespace json = boost::json;

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
