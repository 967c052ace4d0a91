#pragma once
// JWT checks (RFC 7519) for the gateway's tokens: signature with the configured key, `exp`
// (required), `nbf`, `aud`, and the `sse` scope claim:
//   {"sse":{"subscribe":["<id or prefix*>", ...],"publish":[...]}}
// Pure: no I/O; `now` is passed in.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "auth/key.hpp"

namespace sse::auth {

/// Why a token was refused. The names (to_string) are the `reason` of SseAuthRejected.
enum class reject_reason {
  missing,         ///< no token at all (401)
  malformed,       ///< not three base64url parts of JSON, or a claim of the wrong type (401)
  wrong_alg,       ///< header alg is not the configured key's algorithm (401)
  bad_signature,   ///< (401)
  expired,         ///< exp (plus leeway) is past (401)
  not_yet_valid,   ///< nbf (minus leeway) is in the future (401)
  wrong_audience,  ///< aud does not name the configured audience (401)
  forbidden,       ///< a valid token whose scope does not cover this stream and action (403)
};

std::string_view to_string(reject_reason r) noexcept;

struct token_options {
  std::string audience;  ///< empty: `aud` is not checked
  std::chrono::seconds leeway{30};
};

/// The parts of a verified token the gateway uses.
struct claims {
  std::int64_t exp = 0;  ///< Unix seconds
  std::vector<std::string> subscribe;
  std::vector<std::string> publish;
};

/// One parsed but unverified token: header and payload decoded, signature bytes.
struct token_parts {
  std::string alg;
  std::string signing_input;  ///< "<header>.<payload>" as sent
  std::string signature;
  std::string payload_json;
};

/// Splits and decodes a compact JWS. nullopt: not three base64url parts, or a header that is
/// not a JSON object with a string `alg`.
std::optional<token_parts> parse_token(std::string_view token);

/// Reads the claims from a payload. nullopt when `exp` is missing or any claim has a wrong type.
/// `nbf` and `aud` are returned through the out parameters.
struct raw_claims {
  claims c;
  std::optional<std::int64_t> nbf;
  std::vector<std::string> aud;
};
std::optional<raw_claims> parse_claims(std::string_view payload_json);

struct verify_result {
  std::optional<claims> ok;  ///< set when valid
  reject_reason reason = reject_reason::malformed;
};

/// The whole check except the scope. `now_unix`: seconds since the Unix epoch.
verify_result verify_token(std::string_view token, const verification_key& key,
                           const token_options& options, std::int64_t now_unix);

/// True when one of `patterns` names `stream_id`: an exact id, or a prefix ending in `*`
/// ("chat-*" covers "chat-1"; "*" covers every stream).
bool scope_allows(const std::vector<std::string>& patterns, std::string_view stream_id) noexcept;

}  // namespace sse::auth
