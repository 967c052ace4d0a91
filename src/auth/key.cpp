#include "auth/key.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <array>

namespace sse::auth {

struct verification_key::pkey {
  explicit pkey(EVP_PKEY* p) : key(p) {}
  ~pkey() { EVP_PKEY_free(key); }
  pkey(const pkey&) = delete;
  pkey& operator=(const pkey&) = delete;
  EVP_PKEY* key;
};

namespace {

/// JWS ES256 signatures are r||s, 32 bytes each (RFC 7518 3.4); OpenSSL wants DER.
std::optional<std::string> es256_to_der(std::string_view raw) {
  if (raw.size() != 64) {
    return std::nullopt;
  }
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  ECDSA_SIG* sig = ECDSA_SIG_new();
  if (sig == nullptr) {
    return std::nullopt;
  }
  BIGNUM* r = BN_bin2bn(p, 32, nullptr);
  BIGNUM* s = BN_bin2bn(p + 32, 32, nullptr);
  if (r == nullptr || s == nullptr || ECDSA_SIG_set0(sig, r, s) != 1) {
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(sig);
    return std::nullopt;
  }
  unsigned char* der = nullptr;
  const int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) {
    return std::nullopt;
  }
  std::string out(reinterpret_cast<const char*>(der), static_cast<std::size_t>(len));
  OPENSSL_free(der);
  return out;
}

bool verify_digest(EVP_PKEY* key, std::string_view input, std::string_view sig) {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) {
    return false;
  }
  bool ok =
      EVP_DigestVerifyInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestVerify(ctx, reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) == 1;
  EVP_MD_CTX_free(ctx);
  return ok;
}

}  // namespace

std::string_view to_string(algorithm a) noexcept {
  switch (a) {
    case algorithm::hs256:
      return "HS256";
    case algorithm::rs256:
      return "RS256";
    case algorithm::es256:
      return "ES256";
  }
  return "?";
}

verification_key::verification_key(algorithm a, std::string secret, std::shared_ptr<pkey> k)
    : alg_(a), secret_(std::move(secret)), pkey_(std::move(k)) {}

verification_key verification_key::hs256(std::string secret) {
  return verification_key(algorithm::hs256, std::move(secret), nullptr);
}

std::optional<verification_key> verification_key::from_public_pem(std::string_view pem,
                                                                  std::string& error) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) {
    error = "out of memory";
    return std::nullopt;
  }
  EVP_PKEY* raw = PEM_read_bio_PUBKEY(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (raw == nullptr) {
    error = "not a PEM public key (-----BEGIN PUBLIC KEY-----)";
    return std::nullopt;
  }
  auto k = std::make_shared<pkey>(raw);
  switch (EVP_PKEY_get_base_id(raw)) {
    case EVP_PKEY_RSA:
      if (EVP_PKEY_get_bits(raw) < 2048) {
        error = "RSA keys must have at least 2048 bits";
        return std::nullopt;
      }
      return verification_key(algorithm::rs256, {}, std::move(k));
    case EVP_PKEY_EC: {
      std::array<char, 64> curve{};
      std::size_t len = 0;
      if (EVP_PKEY_get_utf8_string_param(raw, "group", curve.data(), curve.size(), &len) != 1 ||
          std::string_view(curve.data(), len) != "prime256v1") {
        error = "EC keys must be on P-256 (ES256)";
        return std::nullopt;
      }
      return verification_key(algorithm::es256, {}, std::move(k));
    }
    default:
      error = "only RSA (RS256) and P-256 EC (ES256) public keys are supported";
      return std::nullopt;
  }
}

bool verification_key::verify(std::string_view signing_input, std::string_view signature) const {
  switch (alg_) {
    case algorithm::hs256: {
      std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
      unsigned int len = 0;
      if (HMAC(EVP_sha256(), secret_.data(), static_cast<int>(secret_.size()),
               reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size(),
               mac.data(), &len) == nullptr) {
        return false;
      }
      return signature.size() == len && CRYPTO_memcmp(mac.data(), signature.data(), len) == 0;
    }
    case algorithm::rs256:
      return verify_digest(pkey_->key, signing_input, signature);
    case algorithm::es256: {
      auto der = es256_to_der(signature);
      return der && verify_digest(pkey_->key, signing_input, *der);
    }
  }
  return false;
}

}  // namespace sse::auth
