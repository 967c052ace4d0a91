#include "http/access_log.hpp"

#include "core/text.hpp"
#include "http/target.hpp"
#include "telemetry/names.hpp"

namespace sse::http {
namespace {

bool is_secret_param(std::string_view raw_name) {
  // Compared decoded: `%74oken=` is the same parameter to the token reader.
  const std::string name = core::percent_decode(raw_name, true).value_or(std::string(raw_name));
  return core::iequals(name, "token") || core::iequals(name, "access_token");
}

}  // namespace

std::string redact_target(std::string_view target) {
  const auto q = target.find('?');
  if (q == std::string_view::npos) {
    return std::string(target);
  }
  std::string out(target.substr(0, q + 1));
  std::string_view rest = target.substr(q + 1);
  std::string_view fragment;
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) {
    fragment = rest.substr(hash);
    rest = rest.substr(0, hash);
  }
  bool first = true;
  while (true) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    if (!first) {
      out += '&';
    }
    first = false;
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && is_secret_param(pair.substr(0, eq))) {
      out.append(pair.substr(0, eq + 1));
      out += "REDACTED";
    } else {
      out.append(pair);
    }
    if (amp == std::string_view::npos) {
      break;
    }
    rest = rest.substr(amp + 1);
  }
  // A fragment is never sent by browsers; one that is sent is kept out: it could hold anything.
  if (!fragment.empty()) {
    out += "#REDACTED";
  }
  return out;
}

telemetry::event access_event(const access_record& r) {
  telemetry::event e{std::string(telemetry::names::access), r.stream_id, {}, 0};
  e.fields["method"] = r.method;
  e.fields["path"] = redact_target(r.target);
  e.fields["status"] = r.status;
  e.fields["bytes"] = r.bytes;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(r.duration).count();
  e.fields["duration_ms"] = static_cast<double>(us) / 1000.0;
  e.fields["client"] = r.client;
  if (!r.relay_route.empty()) {
    e.fields["route"] = r.relay_route;
  }
  return e;
}

}  // namespace sse::http
