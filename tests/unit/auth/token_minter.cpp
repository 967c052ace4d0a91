#include "token_minter.hpp"

#include <openssl/bio.h>
#include <openssl/ecdsa.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <array>
#include <boost/json/serialize.hpp>
#include <stdexcept>

#include "core/base64.hpp"

namespace sse::test {

using core::base64url_encode;

key_pair key_pair::generate(std::string_view type) {
  key_pair k;
  EVP_PKEY* raw = type == "RSA" ? EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048})
                                : EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (raw == nullptr) {
    throw std::runtime_error("key generation failed");
  }
  k.key_.reset(raw, EVP_PKEY_free);
  k.ec_ = type != "RSA";
  return k;
}

std::string key_pair::public_pem() const {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key_.get());
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  return out;
}

std::string key_pair::sign(std::string_view input) const {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  std::size_t len = 0;
  EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key_.get());
  EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(input.data()),
                 input.size());
  std::string sig(len, '\0');
  EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len,
                 reinterpret_cast<const unsigned char*>(input.data()), input.size());
  EVP_MD_CTX_free(ctx);
  sig.resize(len);
  if (!ec_) {
    return sig;
  }
  // DER ECDSA-Sig-Value -> r||s, 32 bytes each.
  const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
  ECDSA_SIG* es = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
  std::array<unsigned char, 64> raw{};
  BN_bn2binpad(ECDSA_SIG_get0_r(es), raw.data(), 32);
  BN_bn2binpad(ECDSA_SIG_get0_s(es), raw.data() + 32, 32);
  ECDSA_SIG_free(es);
  return std::string(reinterpret_cast<const char*>(raw.data()), raw.size());
}

std::string mint_raw(std::string_view header_json, std::string_view payload_json,
                     std::string_view signature) {
  return base64url_encode(header_json) + "." + base64url_encode(payload_json) + "." +
         base64url_encode(signature);
}

std::string mint_hs256(const boost::json::object& payload, std::string_view secret,
                       std::string_view alg) {
  const std::string input =
      base64url_encode(R"({"alg":")" + std::string(alg) + R"(","typ":"JWT"})") + "." +
      base64url_encode(boost::json::serialize(payload));
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(input.data()), input.size(), mac.data(), &len);
  return input + "." + base64url_encode(std::string_view(reinterpret_cast<char*>(mac.data()), len));
}

std::string mint_with_key(const boost::json::object& payload, const key_pair& key,
                          std::string_view alg) {
  const std::string input =
      base64url_encode(R"({"alg":")" + std::string(alg) + R"(","typ":"JWT"})") + "." +
      base64url_encode(boost::json::serialize(payload));
  return input + "." + base64url_encode(key.sign(input));
}

}  // namespace sse::test
