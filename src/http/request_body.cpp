#include "http/request_body.hpp"

#include <boost/json/parse.hpp>
#include <charconv>
#include <limits>

#include "core/stream_id.hpp"
#include "core/text.hpp"
#include "http/known_fields.hpp"

namespace sse::http {
namespace {

namespace json = boost::json;

api_error invalid_json(std::string message) {
  return api_error{400, "invalid_json", std::move(message)};
}

api_error invalid_event(std::string message) {
  return make_api_error(errc::invalid_event, std::move(message));
}

api_error invalid_argument(std::string message) {
  return make_api_error(errc::invalid_argument, std::move(message));
}

bool is_blank(std::string_view s) noexcept {
  return s.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') {
      c = static_cast<char>(c - 'A' + 'a');
    }
  }
  return out;
}

// A JSON number that is an integer (not a double, even 1.0), as int64 when it fits.
std::optional<std::int64_t> as_integer(const json::value& v) noexcept {
  if (v.is_int64()) {
    return v.get_int64();
  }
  if (v.is_uint64()) {
    auto u = v.get_uint64();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(u);
    }
  }
  return std::nullopt;
}

// The members each body may hold, and the mistakes worth a specific hint.
constexpr std::string_view event_fields[] = {"data", "event", "priority", "checkpoint"};
constexpr field_hint event_hints[] = {
    {"id",
     "the gateway assigns each event's id <epoch>:<seq>; send Producer-Seq to make "
     "retries idempotent"},
    {"type", "did you mean \"event\"?"},
};
constexpr std::string_view create_fields[] = {"buffer_limit", "ttl_seconds"};
constexpr field_hint create_hints[] = {
    {"ttl", "did you mean \"ttl_seconds\"? an integer number of seconds"},
    {"ttl_ms", "did you mean \"ttl_seconds\"? an integer number of seconds"},
};
constexpr std::string_view end_fields[] = {"status"};

api_result<json::object> parse_object(std::string_view body, std::string_view what) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) {
    return invalid_json(std::string(what) + " is not valid JSON: " + ec.message());
  }
  if (!v.is_object()) {
    return invalid_json(std::string(what) + " must be a JSON object");
  }
  return std::move(v.get_object());
}

}  // namespace

std::optional<body_format> event_body_format(std::string_view content_type) noexcept {
  std::string_view media = core::trim_blanks(content_type.substr(0, content_type.find(';')));
  std::string lower = lower_ascii(media);
  if (lower == "application/json") {
    return body_format::json;
  }
  if (lower == "application/x-ndjson" || lower == "application/ndjson") {
    return body_format::ndjson;
  }
  return std::nullopt;
}

api_result<stream::new_event> parse_event_object(const json::value& v,
                                                 std::size_t max_event_bytes) {
  if (!v.is_object()) {
    return invalid_event("an event must be a JSON object");
  }
  const json::object& o = v.get_object();
  if (auto unknown = unknown_field(o, event_fields, "an event", event_hints)) {
    return invalid_event(std::move(*unknown));
  }
  stream::new_event e;

  const json::value* data = o.if_contains("data");
  if (data == nullptr) {
    return invalid_event("missing \"data\"");
  }
  if (!data->is_string()) {
    return invalid_event("\"data\" must be a string, not " + std::string(json_kind(*data)));
  }
  const json::string& d = data->get_string();
  if (d.size() > max_event_bytes) {
    return make_api_error(errc::too_large, "\"data\" is " + std::to_string(d.size()) +
                                               " bytes, over the limit of " +
                                               std::to_string(max_event_bytes));
  }
  e.data.assign(d.data(), d.size());

  if (const json::value* type = o.if_contains("event"); type != nullptr && !type->is_null()) {
    if (!type->is_string()) {
      return invalid_event("\"event\" must be a string, not " + std::string(json_kind(*type)));
    }
    std::string_view t(type->get_string().data(), type->get_string().size());
    if (!core::is_valid_event_type(t)) {
      return invalid_event("\"event\" must be 1-64 characters of [A-Za-z0-9_.:-]");
    }
    // Clients act on these types (stop, announce loss, restart, renew the token after the
    // gateway's `auth_expired` at token expiry): a producer must not fake them. `error` stays
    // reserved too: it was the token-expiry event before `auth_expired`, and EventSource fires its
    // own `error` event, which a producer's would be mistaken for.
    if (t == "end" || t == "gap" || t == "reset" || t == "error" || t == "auth_expired") {
      return invalid_event("event type \"" + std::string(t) + "\" is reserved by the gateway");
    }
    e.type.assign(t);
  }

  if (const json::value* p = o.if_contains("priority"); p != nullptr && !p->is_null()) {
    auto n = as_integer(*p);
    if (!n || *n < min_priority || *n > max_priority) {
      return invalid_event("\"priority\" must be an integer from 0 to 3, not " +
                           (n ? std::to_string(*n) : std::string(json_kind(*p))));
    }
    e.priority = static_cast<int>(*n);
  }

  // A checkpoint flag is a bool or nothing; `"true"` or 1 would be a guess at the type, refused
  // loudly.
  if (const json::value* c = o.if_contains("checkpoint"); c != nullptr && !c->is_null()) {
    if (!c->is_bool()) {
      return invalid_event("\"checkpoint\" must be true or false, not " +
                           std::string(json_kind(*c)));
    }
    e.checkpoint = c->get_bool();
  }
  return e;
}

api_result<std::vector<stream::new_event>> parse_event_body(std::string_view body, body_format f,
                                                            std::size_t max_event_bytes,
                                                            std::size_t max_events,
                                                            std::size_t max_batch_bytes) {
  std::vector<stream::new_event> events;
  std::size_t batch_bytes = 0;
  if (f == body_format::json) {
    boost::system::error_code ec;
    json::value v = json::parse(body, ec);
    if (ec) {
      return invalid_json("body is not valid JSON: " + ec.message());
    }
    auto e = parse_event_object(v, max_event_bytes);
    if (!e) {
      return e.error();
    }
    events.push_back(std::move(*e));
    return events;
  }

  std::size_t line_no = 0;
  while (!body.empty()) {
    ++line_no;
    auto nl = body.find('\n');
    std::string_view line = body.substr(0, nl);
    body = nl == std::string_view::npos ? std::string_view{} : body.substr(nl + 1);
    if (is_blank(line)) {
      continue;
    }
    const std::string where = "line " + std::to_string(line_no) + ": ";
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec) {
      return invalid_json(where + "not valid JSON: " + ec.message());
    }
    auto e = parse_event_object(v, max_event_bytes);
    if (!e) {
      api_error err = e.error();
      err.message = where + err.message;
      return err;
    }
    // Checked while parsing: a body of a million tiny lines stops at the first one too many.
    if (events.size() == max_events) {
      return make_api_error(errc::too_large, "the batch holds more than " +
                                                 std::to_string(max_events) +
                                                 " events (--max-batch-events)");
    }
    batch_bytes += stream::event_size_bytes(e->type.size(), e->data.size());
    if (batch_bytes > max_batch_bytes) {
      return make_api_error(errc::too_large, "the batch counts more than " +
                                                 std::to_string(max_batch_bytes) +
                                                 " bytes (data, types and " +
                                                 std::to_string(stream::event_overhead_bytes) +
                                                 " per event; --max-body-bytes)");
    }
    events.push_back(std::move(*e));
  }
  if (events.empty()) {
    return invalid_event("the batch holds no event");
  }
  return events;
}

api_result<std::optional<seq_t>> parse_producer_seq(const std::optional<std::string>& header) {
  if (!header) {
    return std::optional<seq_t>{};
  }
  std::string_view s = core::trim_blanks(*header);
  seq_t n = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), n);
  if (s.empty() || ec != std::errc{} || end != s.data() + s.size() || n == 0) {
    return invalid_argument("Producer-Seq must be an integer >= 1");
  }
  return std::optional<seq_t>{n};
}

api_result<store::stream_options> parse_create_body(std::string_view body,
                                                    const stream_option_caps& caps) {
  store::stream_options opts;
  if (is_blank(body)) {
    return opts;
  }
  auto o = parse_object(body, "body");
  if (!o) {
    return o.error();
  }
  if (auto unknown = unknown_field(*o, create_fields, "the stream options", create_hints)) {
    return invalid_argument(std::move(*unknown));
  }
  if (const json::value* v = o->if_contains("buffer_limit"); v != nullptr) {
    auto n = as_integer(*v);
    if (!n || *n < 1) {
      return invalid_argument("\"buffer_limit\" must be an integer >= 1, not " +
                              (n ? std::to_string(*n) : std::string(json_kind(*v))));
    }
    if (static_cast<std::uint64_t>(*n) > caps.max_buffer_limit) {
      return invalid_argument("\"buffer_limit\" is over the limit of " +
                              std::to_string(caps.max_buffer_limit) + " (--max-buffer-limit)");
    }
    opts.buffer_limit = static_cast<std::size_t>(*n);
  }
  if (const json::value* v = o->if_contains("ttl_seconds"); v != nullptr) {
    auto n = as_integer(*v);
    if (!n || *n < 1) {
      return invalid_argument("\"ttl_seconds\" must be an integer number of seconds >= 1, not " +
                              (n ? std::to_string(*n) : std::string(json_kind(*v))));
    }
    // Compared in seconds before any conversion: a huge value cannot overflow the milliseconds.
    const auto max_seconds = std::chrono::duration_cast<std::chrono::seconds>(caps.max_ttl).count();
    if (*n > max_seconds) {
      return invalid_argument("\"ttl_seconds\" is over the limit of " +
                              std::to_string(max_seconds) + " (--max-ttl)");
    }
    opts.ttl = std::chrono::seconds(*n);
  }
  return opts;
}

api_result<store::stream_status> parse_end_body(std::string_view body) {
  if (is_blank(body)) {
    return store::stream_status::completed;
  }
  auto o = parse_object(body, "body");
  if (!o) {
    return o.error();
  }
  if (auto unknown = unknown_field(*o, end_fields, "the end body")) {
    return invalid_argument(std::move(*unknown));
  }
  const json::value* v = o->if_contains("status");
  if (v == nullptr) {
    return store::stream_status::completed;
  }
  if (v->is_string()) {
    std::string_view s(v->get_string().data(), v->get_string().size());
    if (auto st = store::parse_stream_status(s)) {
      return *st;
    }
  }
  return invalid_argument("\"status\" must be \"completed\", \"failed\" or \"cancelled\"");
}

}  // namespace sse::http
