#include "auth/token.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>

#include "core/base64.hpp"

namespace sse::auth {
namespace {

namespace json = boost::json;

std::optional<json::object> parse_object(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) {
    return std::nullopt;
  }
  return std::move(v.as_object());
}

/// NumericDate: an integer or a number with a fraction (RFC 7519 section 2), as whole seconds.
std::optional<std::int64_t> numeric_date(const json::value& v) {
  if (v.is_int64()) {
    return v.as_int64();
  }
  if (v.is_uint64()) {
    const auto u = v.as_uint64();
    return u > static_cast<std::uint64_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(u);
  }
  if (v.is_double()) {
    const double d = v.as_double();
    if (!(d > -9.2e18 && d < 9.2e18)) {
      return std::nullopt;  // NaN, infinities, out of range
    }
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

bool string_list(const json::value& v, std::vector<std::string>& out) {
  if (!v.is_array()) {
    return false;
  }
  for (const auto& item : v.as_array()) {
    if (!item.is_string()) {
      return false;
    }
    out.emplace_back(item.as_string());
  }
  return true;
}

}  // namespace

std::string_view to_string(reject_reason r) noexcept {
  switch (r) {
    case reject_reason::missing:
      return "missing_token";
    case reject_reason::malformed:
      return "malformed_token";
    case reject_reason::wrong_alg:
      return "wrong_alg";
    case reject_reason::bad_signature:
      return "bad_signature";
    case reject_reason::expired:
      return "token_expired";
    case reject_reason::not_yet_valid:
      return "token_not_yet_valid";
    case reject_reason::wrong_audience:
      return "wrong_audience";
    case reject_reason::forbidden:
      return "forbidden";
  }
  return "?";
}

std::optional<token_parts> parse_token(std::string_view token) {
  const auto dot1 = token.find('.');
  if (dot1 == std::string_view::npos) {
    return std::nullopt;
  }
  const auto dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  auto header = core::base64url_decode(token.substr(0, dot1));
  auto payload = core::base64url_decode(token.substr(dot1 + 1, dot2 - dot1 - 1));
  auto sig = core::base64url_decode(token.substr(dot2 + 1));
  if (!header || !payload || !sig) {
    return std::nullopt;
  }
  auto h = parse_object(*header);
  if (!h) {
    return std::nullopt;
  }
  const auto* alg = h->if_contains("alg");
  if (alg == nullptr || !alg->is_string()) {
    return std::nullopt;
  }
  // Critical extensions we do not understand must make the token invalid (RFC 7515 4.1.11).
  if (h->contains("crit")) {
    return std::nullopt;
  }
  token_parts p;
  p.alg = std::string(alg->as_string());
  p.signing_input = std::string(token.substr(0, dot2));
  p.signature = std::move(*sig);
  p.payload_json = std::move(*payload);
  return p;
}

std::optional<raw_claims> parse_claims(std::string_view payload_json) {
  auto o = parse_object(payload_json);
  if (!o) {
    return std::nullopt;
  }
  raw_claims out;
  const auto* exp = o->if_contains("exp");
  if (exp == nullptr) {
    return std::nullopt;
  }
  auto e = numeric_date(*exp);
  if (!e) {
    return std::nullopt;
  }
  out.c.exp = *e;
  if (const auto* nbf = o->if_contains("nbf")) {
    out.nbf = numeric_date(*nbf);
    if (!out.nbf) {
      return std::nullopt;
    }
  }
  if (const auto* aud = o->if_contains("aud")) {
    if (aud->is_string()) {
      out.aud.emplace_back(aud->as_string());
    } else if (!string_list(*aud, out.aud)) {
      return std::nullopt;
    }
  }
  if (const auto* sse = o->if_contains("sse")) {
    if (!sse->is_object()) {
      return std::nullopt;
    }
    const auto& scope = sse->as_object();
    if (const auto* sub = scope.if_contains("subscribe");
        sub && !string_list(*sub, out.c.subscribe)) {
      return std::nullopt;
    }
    if (const auto* pub = scope.if_contains("publish"); pub && !string_list(*pub, out.c.publish)) {
      return std::nullopt;
    }
  }
  return out;
}

verify_result verify_token(std::string_view token, const verification_key& key,
                           const token_options& options, std::int64_t now_unix) {
  verify_result r;
  if (token.empty()) {
    r.reason = reject_reason::missing;
    return r;
  }
  auto parts = parse_token(token);
  if (!parts) {
    r.reason = reject_reason::malformed;
    return r;
  }
  // The key decides the algorithm; the header only has to agree (no alg confusion, no none).
  if (parts->alg != to_string(key.alg())) {
    r.reason = reject_reason::wrong_alg;
    return r;
  }
  if (!key.verify(parts->signing_input, parts->signature)) {
    r.reason = reject_reason::bad_signature;
    return r;
  }
  auto c = parse_claims(parts->payload_json);
  if (!c) {
    r.reason = reject_reason::malformed;
    return r;
  }
  const std::int64_t leeway = options.leeway.count();
  if (now_unix - leeway >= c->c.exp) {  // no overflow for a huge exp
    r.reason = reject_reason::expired;
    return r;
  }
  if (c->nbf && now_unix + leeway < *c->nbf) {
    r.reason = reject_reason::not_yet_valid;
    return r;
  }
  if (!options.audience.empty()) {
    bool found = false;
    for (const auto& a : c->aud) {
      found = found || a == options.audience;
    }
    if (!found) {
      r.reason = reject_reason::wrong_audience;
      return r;
    }
  }
  r.ok = std::move(c->c);
  return r;
}

bool scope_allows(const std::vector<std::string>& patterns, std::string_view stream_id) noexcept {
  for (const auto& p : patterns) {
    if (!p.empty() && p.back() == '*') {
      if (stream_id.starts_with(std::string_view(p).substr(0, p.size() - 1))) {
        return true;
      }
    } else if (p == stream_id) {
      return true;
    }
  }
  return false;
}

}  // namespace sse::auth
