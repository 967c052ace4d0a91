#include "auth/authenticator.hpp"

#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "config/config.hpp"
#include "core/saturate.hpp"
#include "core/stream_id.hpp"
#include "core/text.hpp"

namespace sse::auth {
namespace {

std::string read_file(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error(std::string(what) + ": cannot read " + path);
  }
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool is_loopback(std::string_view host) noexcept {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

}  // namespace

authenticator::authenticator(verification_key key, token_options options, std::string cookie_name)
    : key_(std::move(key)), options_(std::move(options)), cookie_name_(std::move(cookie_name)) {}

decision authenticator::check(action a, std::string_view name, const credentials& creds,
                              std::int64_t now_unix) const {
  if (a == action::relay) {
    return decide(a, std::string(core::relay_scope_prefix).append(name), true, creds, now_unix);
  }
  return decide(a, name, !core::is_reserved_stream_id(name), creds, now_unix);
}

decision authenticator::check_durable(action a, std::string_view path, const credentials& creds,
                                      std::int64_t now_unix) const {
  return decide(a, std::string(core::durable_prefix).append(path), a != action::relay, creds,
                now_unix);
}

decision authenticator::decide(action a, std::string_view scope, bool nameable,
                               const credentials& creds, std::int64_t now_unix) const {
  std::optional<std::string_view> token;
  if (creds.authorization) {
    token = bearer_token(*creds.authorization);
  }
  if (!token && a == action::subscribe) {
    if (creds.query_token && !creds.query_token->empty()) {
      token = creds.query_token;
    } else if (creds.cookie_header && !cookie_name_.empty()) {
      token = cookie_value(*creds.cookie_header, cookie_name_);
    }
  }
  decision d;
  if (!token || token->empty()) {
    d.status = 401;
    d.reason = reject_reason::missing;
    return d;
  }
  verify_result v = verify_token(*token, key_, options_, now_unix);
  if (!v.ok) {
    d.status = 401;
    d.reason = v.reason;
    return d;
  }
  const auto& patterns = a == action::subscribe ? v.ok->subscribe : v.ok->publish;
  if (!nameable || !scope_allows(patterns, scope)) {
    d.status = 403;
    d.reason = reject_reason::forbidden;
    return d;
  }
  // Saturated: an `exp` of year 9999 or INT64_MAX (a "never") must not wrap into the past.
  d.expires_unix = core::saturating_add(v.ok->exp, options_.leeway.count());
  return d;
}

std::string authenticator::challenge(reject_reason r) {
  // A request without any token gets the bare challenge (RFC 6750 3.1: no error code then).
  if (r == reject_reason::missing) {
    return "Bearer realm=\"sse-gateway\"";
  }
  return "Bearer realm=\"sse-gateway\", error=\"invalid_token\", error_description=\"" +
         std::string(to_string(r)) + "\"";
}

std::optional<std::string_view> bearer_token(std::string_view authorization) noexcept {
  authorization = core::trim_blanks(authorization);
  constexpr std::string_view scheme = "bearer";
  if (authorization.size() <= scheme.size() ||
      !core::iequals(authorization.substr(0, scheme.size()), scheme) ||
      authorization[scheme.size()] != ' ') {
    return std::nullopt;
  }
  auto t = core::trim_blanks(authorization.substr(scheme.size() + 1));
  if (t.empty()) {
    return std::nullopt;
  }
  return t;
}

std::optional<std::string_view> cookie_value(std::string_view header,
                                             std::string_view name) noexcept {
  while (!header.empty()) {
    const auto semi = header.find(';');
    std::string_view pair = core::trim_blanks(header.substr(0, semi));
    header = semi == std::string_view::npos ? std::string_view{} : header.substr(semi + 1);
    const auto eq = pair.find('=');
    if (eq == std::string_view::npos) {
      continue;
    }
    if (core::trim_blanks(pair.substr(0, eq)) == name) {
      auto v = core::trim_blanks(pair.substr(eq + 1));
      if (v.size() >= 2 && v.front() == '"' && v.back() == '"') {
        v = v.substr(1, v.size() - 2);
      }
      return v;
    }
  }
  return std::nullopt;
}

std::unique_ptr<authenticator> make_authenticator(const config::config& cfg) {
  if (cfg.auth != "jwt") {
    return nullptr;
  }
  const bool has_secret = !cfg.auth_hs256_secret_file.empty();
  const bool has_key = !cfg.auth_public_key_file.empty();
  if (has_secret == has_key) {
    throw std::runtime_error(
        "--auth jwt needs exactly one of --auth-hs256-secret-file and --auth-public-key-file");
  }
  token_options options;
  options.audience = cfg.auth_audience;
  options.leeway = std::chrono::duration_cast<std::chrono::seconds>(cfg.auth_leeway);
  if (has_secret) {
    std::string secret = read_file(cfg.auth_hs256_secret_file, "--auth-hs256-secret-file");
    // A trailing newline from `echo secret > file` is not part of the secret.
    while (!secret.empty() && (secret.back() == '\n' || secret.back() == '\r')) {
      secret.pop_back();
    }
    if (secret.size() < 16) {
      throw std::runtime_error("--auth-hs256-secret-file: the secret must be at least 16 bytes");
    }
    return std::make_unique<authenticator>(verification_key::hs256(std::move(secret)), options,
                                           cfg.auth_cookie);
  }
  const std::string pem = read_file(cfg.auth_public_key_file, "--auth-public-key-file");
  std::string error;
  auto key = verification_key::from_public_pem(pem, error);
  if (!key) {
    throw std::runtime_error("--auth-public-key-file " + cfg.auth_public_key_file + ": " + error);
  }
  return std::make_unique<authenticator>(std::move(*key), options, cfg.auth_cookie);
}

std::optional<std::string> explicit_auth_error(const config::config& cfg) {
  if (!cfg.auth.empty()) {
    return std::nullopt;
  }
  if (cfg.demo && is_loopback(cfg.listen_host)) {
    return std::nullopt;
  }
  return std::string(
      "no access control chosen: pass --auth jwt with --auth-hs256-secret-file or "
      "--auth-public-key-file, or --auth none to serve without it (only --demo on a loopback "
      "address may omit it)");
}

}  // namespace sse::auth
