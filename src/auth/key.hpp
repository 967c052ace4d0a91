#pragma once
// The key tokens are checked with. Its kind fixes the one algorithm accepted, so a token cannot
// choose how it is verified (no `none`, no HS256 signed with an RSA public key as the secret).

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace sse::auth {

enum class algorithm { hs256, rs256, es256 };

/// "HS256", "RS256", "ES256".
std::string_view to_string(algorithm a) noexcept;

class verification_key {
 public:
  /// A shared HS256 secret (raw bytes). Empty secrets are refused by the loaders.
  static verification_key hs256(std::string secret);
  /// An RSA (RS256) or P-256 EC (ES256) public key in PEM. nullopt: unreadable, or another
  /// key type or curve; `error` says why.
  static std::optional<verification_key> from_public_pem(std::string_view pem, std::string& error);

  algorithm alg() const noexcept { return alg_; }
  /// True when `signature` signs `signing_input` with this key (constant-time for HMAC).
  bool verify(std::string_view signing_input, std::string_view signature) const;

 private:
  struct pkey;  // OpenSSL's EVP_PKEY, kept out of this header
  verification_key(algorithm a, std::string secret, std::shared_ptr<pkey> k);

  algorithm alg_;
  std::string secret_;
  std::shared_ptr<pkey> pkey_;
};

}  // namespace sse::auth
