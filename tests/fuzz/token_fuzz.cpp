// libFuzzer: JWT parsing and verification (src/auth). Any input: no crash, no UB, and nothing
// but a valid HS256 signature with this secret is ever accepted.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "auth/authenticator.hpp"
#include "auth/token.hpp"
#include "core/base64.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace sse::auth;
  (void)sse::core::base64url_decode(in);
  (void)parse_claims(in);
  (void)bearer_token(in);
  (void)cookie_value(in, "sse_token");
  static const verification_key key = verification_key::hs256("fuzz-secret-0123456789");
  const token_options options;
  auto r = verify_token(in, key, options, 1'790'000'000);
  if (r.ok) {
    // Only possible when the fuzzer found a genuine HMAC: impossible in practice.
    __builtin_trap();
  }
  return 0;
}
