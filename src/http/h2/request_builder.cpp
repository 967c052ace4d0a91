#include "http/h2/request_builder.hpp"

#include "http/router.hpp"

namespace sse::http::h2 {
namespace {

void set_once(std::optional<std::string>& field, std::string_view value) {
  if (!field) {
    field = std::string(value);  // the first one, as the HTTP/1.1 reader keeps
  }
}

}  // namespace

void request_builder::add_header(std::string_view name, std::string_view value) {
  // RFC 9113 6.5.2: a field counts its name, its value and 32 bytes of overhead.
  bytes_ += name.size() + value.size() + 32;
  ++count_;
  if (bytes_ > max_bytes_ || count_ > max_count_) {
    too_large_ = true;
    return;
  }
  if (name.starts_with(':')) {
    if (name == ":method") {
      method_ = value;
    } else if (name == ":path") {
      path_ = value;
    }
    return;  // :scheme and :authority change nothing here
  }
  all_.emplace_back(std::string(name), std::string(value));
  if (name == "content-type") {
    if (req_.content_type.empty()) {
      req_.content_type = value;
    }
  } else if (name == "accept") {
    set_once(req_.accept, value);
  } else if (name == "last-event-id") {
    set_once(req_.last_event_id, value);
  } else if (name == "accept-encoding") {
    set_once(req_.accept_encoding, value);
  } else if (name == "cache-control") {
    set_once(req_.cache_control, value);
  } else if (name == "producer-seq") {
    set_once(req_.producer_seq, value);
  } else if (name == "authorization") {
    set_once(req_.authorization, value);
  } else if (name == "cookie") {
    // RFC 9113 8.2.3: a client may split the cookie into several fields; they are one again
    // joined with "; ".
    cookie_ = cookie_ ? *cookie_ + "; " + std::string(value) : std::string(value);
  } else if (name == "idempotency-key") {
    set_once(req_.idempotency_key, value);
  } else if (name == "origin") {
    set_once(req_.origin, value);
  } else if (name == "access-control-request-method") {
    set_once(req_.cors_request_method, value);
  }
}

bool request_builder::add_body(std::string_view bytes, std::size_t max_body_bytes) {
  if (body_too_large_ || req_.body.size() + bytes.size() > max_body_bytes) {
    body_too_large_ = true;
    req_.body.clear();
    return false;
  }
  req_.body.append(bytes);
  return true;
}

request request_builder::take() {
  request r = std::move(req_);
  r.verb = parse_method(method_);
  r.method_name = method_;
  r.target = path_;  // :path is already in origin form (or `*`)
  r.cookie = std::move(cookie_);
  if (r.target.starts_with("/v1/stream/")) {
    r.durable_headers = std::move(all_);
  }
  return r;
}

}  // namespace sse::http::h2
