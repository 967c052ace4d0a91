#pragma once
// Mints JWTs in tests with OpenSSL: HS256 with a secret, RS256 and ES256 with keys generated
// in the test. The gateway's own code is only on the verifying side.

#include <openssl/evp.h>

#include <boost/json/object.hpp>
#include <memory>
#include <string>
#include <string_view>

namespace sse::test {

class key_pair {
 public:
  /// "RSA" (2048 bits) or "EC" (P-256).
  static key_pair generate(std::string_view type);
  std::string public_pem() const;
  /// A JWS signature of `input` in the JWS encoding (raw r||s for EC).
  std::string sign(std::string_view input) const;
  bool is_ec() const noexcept { return ec_; }

 private:
  std::shared_ptr<EVP_PKEY> key_;
  bool ec_ = false;
};

/// "<b64 header>.<b64 payload>.<b64 signature>" with the given alg name in the header.
std::string mint_hs256(const boost::json::object& payload, std::string_view secret,
                       std::string_view alg = "HS256");
std::string mint_with_key(const boost::json::object& payload, const key_pair& key,
                          std::string_view alg);
/// A token with a literal header (e.g. alg none) and an empty or given signature.
std::string mint_raw(std::string_view header_json, std::string_view payload_json,
                     std::string_view signature);

}  // namespace sse::test
