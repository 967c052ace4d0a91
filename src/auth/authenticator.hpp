#pragma once
// Who may do what on which stream. Pure: the HTTP layer hands in the credentials it found and the
// action; the answer is allow (with the token's expiry) or a status and a reason. The token itself
// is never kept or returned, so it cannot reach a log.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/key.hpp"
#include "auth/token.hpp"

namespace sse::config {
struct config;
}

namespace sse::auth {

enum class action {
  subscribe,  ///< GET /v1/streams/{id}/events and GET /v1/streams/{id}
  publish,    ///< append, end, PUT, DELETE
  relay,      ///< POST /v1/relay/{route}: `publish` on the scope name "relay:<route>"
};

/// Where a request may carry its token. Producers use only the header; subscribers (browsers'
/// EventSource cannot set headers) may also use the query parameter or the cookie.
struct credentials {
  std::optional<std::string_view> authorization;  ///< the Authorization header value
  std::optional<std::string_view> cookie_header;  ///< the Cookie header value
  std::optional<std::string_view> query_token;    ///< ?token=, percent-decoded
};

struct decision {
  unsigned status = 0;  ///< 0: allowed; else 401 or 403
  reject_reason reason = reject_reason::missing;
  std::int64_t expires_unix = 0;  ///< when allowed: the token's exp plus leeway

  bool allowed() const noexcept { return status == 0; }
};

class authenticator {
 public:
  authenticator(verification_key key, token_options options, std::string cookie_name);

  /// `name` is a stream id for subscribe and publish, a relay route's name for relay. Scope
  /// names and stream ids are kept apart: a stream id starting with "relay:" is never allowed
  /// (so `publish: ["relay:chat"]`, which names a route, covers no stream), and a relay check
  /// matches the publish patterns against "relay:<route>" only.
  decision check(action a, std::string_view name, const credentials& creds,
                 std::int64_t now_unix) const;

  /// A check on the Durable Streams door: `path` is what follows /v1/stream/ as sent, and the
  /// `subscribe` or `publish` patterns are matched against the scope name "ds:<path>"
  /// (core::durable_prefix), so `subscribe: ["ds:chat/*"]` covers /v1/stream/chat/... and no
  /// API v1 stream (those never start with "ds:").
  decision check_durable(action a, std::string_view path, const credentials& creds,
                         std::int64_t now_unix) const;

  /// The `WWW-Authenticate` value for a 401 (RFC 6750 section 3).
  static std::string challenge(reject_reason r);

 private:
  /// The token's verdict for `a` on `scope` (a pattern-matched name); `nameable` false: the
  /// name may never be allowed (403 once the token is valid).
  decision decide(action a, std::string_view scope, bool nameable, const credentials& creds,
                  std::int64_t now_unix) const;

  verification_key key_;
  token_options options_;
  std::string cookie_name_;
};

/// The token in `Authorization: Bearer <token>` (scheme case-insensitive); nullopt otherwise.
std::optional<std::string_view> bearer_token(std::string_view authorization) noexcept;

/// The value of cookie `name` in a Cookie header; nullopt when absent.
std::optional<std::string_view> cookie_value(std::string_view header,
                                             std::string_view name) noexcept;

/// Builds the authenticator --auth asks for: nullptr for `none` (and for the unset default,
/// which main refuses unless --demo listens on loopback: see explicit_auth_error). Throws
/// std::runtime_error with a message for the operator when a key file cannot be used.
std::unique_ptr<authenticator> make_authenticator(const config::config& cfg);

/// Start-up rule: access control is off only when the operator says so (`--auth none`), except
/// for the demo on a loopback address. Returns the refusal message, or nullopt when fine.
std::optional<std::string> explicit_auth_error(const config::config& cfg);

}  // namespace sse::auth
