// src/auth: base64url, token verification for HS256/RS256/ES256, every rejection reason, alg
// confusion, scope matching, credentials lookup and the start-up rule.

#include <gtest/gtest.h>
#include <openssl/bio.h>
#include <openssl/pem.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <limits>

#include "auth/authenticator.hpp"
#include "auth/token.hpp"
#include "config/config.hpp"
#include "core/base64.hpp"
#include "token_minter.hpp"

namespace sse::auth {
namespace {

using boost::json::object;
using test::key_pair;
using test::mint_hs256;
using test::mint_raw;
using test::mint_with_key;

constexpr std::int64_t now = 1'790'000'000;
constexpr std::string_view secret = "0123456789abcdef-test-secret";

object payload(std::int64_t exp = now + 600) {
  return object{{"exp", exp},
                {"sse", object{{"subscribe", boost::json::array{"chat-*", "solo"}},
                               {"publish", boost::json::array{"solo"}}}}};
}

token_options opts(std::string audience = {}) {
  token_options o;
  o.audience = std::move(audience);
  o.leeway = std::chrono::seconds(30);
  return o;
}

verification_key pem_key(const key_pair& k) {
  std::string error;
  auto key = verification_key::from_public_pem(k.public_pem(), error);
  EXPECT_TRUE(key) << error;
  return *key;
}

TEST(base64url, round_trips_and_rejects_bad_input) {
  for (std::string_view s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00"}) {
    auto d = core::base64url_decode(core::base64url_encode(s));
    ASSERT_TRUE(d) << s;
    EXPECT_EQ(*d, s);
  }
  EXPECT_EQ(core::base64url_encode("\xfb\xff"), "-_8");
  EXPECT_FALSE(core::base64url_decode("a"));     // impossible length
  EXPECT_FALSE(core::base64url_decode("ab=="));  // padding is not base64url in JWS
  EXPECT_FALSE(core::base64url_decode("a+/b"));  // standard alphabet
  EXPECT_FALSE(core::base64url_decode("Zh"));    // non-zero leftover bits ("Zg" is "f")
  EXPECT_TRUE(core::base64url_decode("Zg"));
}

TEST(verify_token, accepts_hs256_rs256_es256) {
  auto hs = verify_token(mint_hs256(payload(), secret),
                         verification_key::hs256(std::string(secret)), opts(), now);
  ASSERT_TRUE(hs.ok);
  EXPECT_EQ(hs.ok->exp, now + 600);
  EXPECT_EQ(hs.ok->subscribe, (std::vector<std::string>{"chat-*", "solo"}));
  EXPECT_EQ(hs.ok->publish, (std::vector<std::string>{"solo"}));

  const auto rsa = key_pair::generate("RSA");
  const auto rs_key = pem_key(rsa);
  EXPECT_EQ(rs_key.alg(), algorithm::rs256);
  EXPECT_TRUE(verify_token(mint_with_key(payload(), rsa, "RS256"), rs_key, opts(), now).ok);

  const auto ec = key_pair::generate("EC");
  const auto es_key = pem_key(ec);
  EXPECT_EQ(es_key.alg(), algorithm::es256);
  EXPECT_TRUE(verify_token(mint_with_key(payload(), ec, "ES256"), es_key, opts(), now).ok);
}

TEST(verify_token, rejects_bad_signatures_with_every_algorithm) {
  const auto key = verification_key::hs256(std::string(secret));
  EXPECT_EQ(
      verify_token(mint_hs256(payload(), "another-secret-of-length"), key, opts(), now).reason,
      reject_reason::bad_signature);

  const auto rsa = key_pair::generate("RSA");
  const auto other_rsa = key_pair::generate("RSA");
  EXPECT_EQ(
      verify_token(mint_with_key(payload(), other_rsa, "RS256"), pem_key(rsa), opts(), now).reason,
      reject_reason::bad_signature);

  const auto ec = key_pair::generate("EC");
  const auto other_ec = key_pair::generate("EC");
  EXPECT_EQ(
      verify_token(mint_with_key(payload(), other_ec, "ES256"), pem_key(ec), opts(), now).reason,
      reject_reason::bad_signature);

  // A payload changed after signing.
  std::string t = mint_hs256(payload(), secret);
  const auto dot = t.find('.');
  std::string tampered = t.substr(0, dot + 1) + core::base64url_encode(R"({"exp":9999999999})") +
                         t.substr(t.find('.', dot + 1));
  EXPECT_EQ(verify_token(tampered, key, opts(), now).reason, reject_reason::bad_signature);
}

TEST(verify_token, refuses_alg_none_and_alg_confusion) {
  const auto rsa = key_pair::generate("RSA");
  const auto rs_key = pem_key(rsa);
  // alg none, with and without a signature.
  EXPECT_EQ(
      verify_token(mint_raw(R"({"alg":"none"})", R"({"exp":9999999999})", ""), rs_key, opts(), now)
          .reason,
      reject_reason::wrong_alg);
  // The classic confusion: HS256 "signed" with the RSA public key PEM as the secret.
  const std::string forged = mint_hs256(payload(), rsa.public_pem());
  EXPECT_EQ(verify_token(forged, rs_key, opts(), now).reason, reject_reason::wrong_alg);
  // An RS256 token presented to an HS256 gateway, and ES256 to an RS256 one.
  EXPECT_EQ(verify_token(mint_with_key(payload(), rsa, "RS256"),
                         verification_key::hs256(std::string(secret)), opts(), now)
                .reason,
            reject_reason::wrong_alg);
  const auto ec = key_pair::generate("EC");
  EXPECT_EQ(verify_token(mint_with_key(payload(), ec, "ES256"), rs_key, opts(), now).reason,
            reject_reason::wrong_alg);
  // The header says RS256 but the signature is ES256's shape.
  EXPECT_EQ(verify_token(mint_with_key(payload(), ec, "RS256"), rs_key, opts(), now).reason,
            reject_reason::bad_signature);
}

TEST(verify_token, time_claims_with_leeway) {
  const auto key = verification_key::hs256(std::string(secret));
  EXPECT_EQ(verify_token(mint_hs256(payload(now - 31), secret), key, opts(), now).reason,
            reject_reason::expired);
  EXPECT_TRUE(verify_token(mint_hs256(payload(now - 29), secret), key, opts(), now).ok)
      << "within the 30 s leeway";
  token_options strict = opts();
  strict.leeway = std::chrono::seconds(0);
  EXPECT_EQ(verify_token(mint_hs256(payload(now), secret), key, strict, now).reason,
            reject_reason::expired);

  object p = payload();
  p["nbf"] = now + 60;
  EXPECT_EQ(verify_token(mint_hs256(p, secret), key, opts(), now).reason,
            reject_reason::not_yet_valid);
  p["nbf"] = now + 20;
  EXPECT_TRUE(verify_token(mint_hs256(p, secret), key, opts(), now).ok);

  object no_exp = payload();
  no_exp.erase("exp");
  EXPECT_EQ(verify_token(mint_hs256(no_exp, secret), key, opts(), now).reason,
            reject_reason::malformed)
      << "exp is required";
  object huge = payload();
  huge["exp"] = std::numeric_limits<std::int64_t>::max();
  EXPECT_TRUE(verify_token(mint_hs256(huge, secret), key, opts(), now).ok);
}

TEST(verify_token, audience) {
  const auto key = verification_key::hs256(std::string(secret));
  object p = payload();
  EXPECT_EQ(verify_token(mint_hs256(p, secret), key, opts("gw"), now).reason,
            reject_reason::wrong_audience)
      << "an audience is configured: a token without aud is refused";
  p["aud"] = "other";
  EXPECT_EQ(verify_token(mint_hs256(p, secret), key, opts("gw"), now).reason,
            reject_reason::wrong_audience);
  p["aud"] = "gw";
  EXPECT_TRUE(verify_token(mint_hs256(p, secret), key, opts("gw"), now).ok);
  p["aud"] = boost::json::array{"x", "gw"};
  EXPECT_TRUE(verify_token(mint_hs256(p, secret), key, opts("gw"), now).ok);
  p["aud"] = 5;
  EXPECT_EQ(verify_token(mint_hs256(p, secret), key, opts("gw"), now).reason,
            reject_reason::malformed);
}

TEST(verify_token, malformed_tokens) {
  const auto key = verification_key::hs256(std::string(secret));
  EXPECT_EQ(verify_token("", key, opts(), now).reason, reject_reason::missing);
  for (std::string_view bad :
       {"abc", "a.b", "a.b.c.d", "!!.!!.!!", "e30.e30.", "bm90anNvbg.e30."}) {
    EXPECT_EQ(verify_token(bad, key, opts(), now).reason, reject_reason::malformed) << bad;
  }
  EXPECT_EQ(
      verify_token(mint_raw(R"({"alg":"HS256","crit":["x"]})", "{}", ""), key, opts(), now).reason,
      reject_reason::malformed);
  object p = payload();
  p["sse"] = object{{"subscribe", "not-a-list"}};
  EXPECT_EQ(verify_token(mint_hs256(p, secret), key, opts(), now).reason, reject_reason::malformed);
}

TEST(scope, exact_and_prefix_patterns) {
  const std::vector<std::string> p{"chat-*", "solo"};
  EXPECT_TRUE(scope_allows(p, "chat-1"));
  EXPECT_TRUE(scope_allows(p, "chat-"));
  EXPECT_TRUE(scope_allows(p, "solo"));
  EXPECT_FALSE(scope_allows(p, "solo2"));
  EXPECT_FALSE(scope_allows(p, "chat"));
  EXPECT_FALSE(scope_allows(p, "xchat-1"));
  EXPECT_TRUE(scope_allows({"*"}, "anything"));
  EXPECT_FALSE(scope_allows({}, "a"));
}

TEST(authenticator, actions_sources_and_statuses) {
  const authenticator a(verification_key::hs256(std::string(secret)), opts(), "sse_token");
  const std::string tok = mint_hs256(payload(), secret);
  const std::string header = "Bearer " + tok;

  credentials h{header, std::nullopt, std::nullopt};
  auto d = a.check(action::subscribe, "chat-7", h, now);
  EXPECT_TRUE(d.allowed());
  EXPECT_EQ(d.expires_unix, now + 600 + 30);
  EXPECT_EQ(a.check(action::publish, "solo", h, now).status, 0u);
  EXPECT_EQ(a.check(action::publish, "chat-7", h, now).status, 403u) << "subscribe-only there";
  EXPECT_EQ(a.check(action::subscribe, "other", h, now).status, 403u);

  const credentials q{std::nullopt, std::nullopt, std::string_view(tok)};
  EXPECT_TRUE(a.check(action::subscribe, "chat-1", q, now).allowed());
  EXPECT_EQ(a.check(action::publish, "solo", q, now).status, 401u)
      << "producers use the header only";

  const std::string cookie = "a=1; sse_token=" + tok + "; b=2";
  const credentials c{std::nullopt, std::string_view(cookie), std::nullopt};
  EXPECT_TRUE(a.check(action::subscribe, "chat-1", c, now).allowed());

  auto missing = a.check(action::subscribe, "chat-1", credentials{}, now);
  EXPECT_EQ(missing.status, 401u);
  EXPECT_EQ(missing.reason, reject_reason::missing);
  const std::string basic = "Basic dXNlcjpwdw==";
  EXPECT_EQ(a.check(action::subscribe, "chat-1", credentials{basic, {}, {}}, now).reason,
            reject_reason::missing);
  EXPECT_EQ(a.check(action::subscribe, "chat-1", h, now + 700).reason, reject_reason::expired);

  EXPECT_EQ(authenticator::challenge(reject_reason::missing), "Bearer realm=\"sse-gateway\"");
  EXPECT_NE(authenticator::challenge(reject_reason::expired).find("error=\"invalid_token\""),
            std::string::npos);
}

// Scope names of relay routes ("relay:<route>") and stream ids are apart: a token for a route
// covers no stream of that name, and a stream pattern covers no route.
TEST(authenticator, relay_scope_names_are_not_stream_ids) {
  const authenticator a(verification_key::hs256(std::string(secret)), opts(), "sse_token");
  auto with = [&](boost::json::array sub, boost::json::array pub) {
    const std::string t =
        mint_hs256(boost::json::object{{"exp", now + 600},
                                       {"sse", boost::json::object{{"subscribe", std::move(sub)},
                                                                   {"publish", std::move(pub)}}}},
                   secret);
    return "Bearer " + t;
  };
  const std::string route = with({"relay:chat"}, {"relay:chat"});
  const credentials r{route, std::nullopt, std::nullopt};
  EXPECT_TRUE(a.check(action::relay, "chat", r, now).allowed());
  EXPECT_EQ(a.check(action::relay, "other", r, now).status, 403u);
  EXPECT_EQ(a.check(action::publish, "relay:chat", r, now).status, 403u);
  EXPECT_EQ(a.check(action::subscribe, "relay:chat", r, now).status, 403u);

  const std::string all = with({"*"}, {"*", "relay:*"});
  const credentials w{all, std::nullopt, std::nullopt};
  EXPECT_TRUE(a.check(action::relay, "chat", w, now).allowed());
  EXPECT_EQ(a.check(action::publish, "relay:x", w, now).status, 403u);
  EXPECT_EQ(a.check(action::subscribe, "relay:x", w, now).status, 403u);
  EXPECT_TRUE(a.check(action::subscribe, "relay.chat.k", w, now).allowed());

  // A stream pattern (here for the relay's own streams) starts no call.
  const std::string streams = with({"relay.chat.*"}, {"relay.chat.*", "relay*"});
  const credentials st{streams, std::nullopt, std::nullopt};
  EXPECT_TRUE(a.check(action::subscribe, "relay.chat.k", st, now).allowed());
  EXPECT_EQ(a.check(action::relay, "chat", st, now).status, 0u) << "relay* covers relay:chat";
  const std::string narrow = with({"relay.chat.*"}, {"relay.chat.*"});
  const credentials n{narrow, std::nullopt, std::nullopt};
  EXPECT_EQ(a.check(action::relay, "chat", n, now).status, 403u);
}

// The Durable Streams door's scope names ("ds:<path>") and v1 stream ids are apart too: a DS
// pattern covers paths of the door only, and a v1 pattern no path.
TEST(authenticator, durable_scope_names_cover_door_paths_only) {
  const authenticator a(verification_key::hs256(std::string(secret)), opts(), "sse_token");
  auto with = [&](boost::json::array sub, boost::json::array pub) {
    const std::string t =
        mint_hs256(boost::json::object{{"exp", now + 600},
                                       {"sse", boost::json::object{{"subscribe", std::move(sub)},
                                                                   {"publish", std::move(pub)}}}},
                   secret);
    return "Bearer " + t;
  };
  const std::string ds = with({"ds:chat/*"}, {"ds:chat/room"});
  const credentials d{ds, std::nullopt, std::nullopt};
  EXPECT_TRUE(a.check_durable(action::subscribe, "chat/room", d, now).allowed());
  EXPECT_TRUE(a.check_durable(action::publish, "chat/room", d, now).allowed());
  EXPECT_EQ(a.check_durable(action::publish, "chat/other", d, now).status, 403u);
  EXPECT_EQ(a.check_durable(action::subscribe, "news/x", d, now).status, 403u);
  EXPECT_EQ(a.check(action::subscribe, "ds:chat/room", d, now).status, 403u);
  EXPECT_EQ(a.check(action::subscribe, "ds:chat_2Froom", d, now).status, 403u);

  const std::string v1 = with({"chat*"}, {"chat*"});
  const credentials v{v1, std::nullopt, std::nullopt};
  EXPECT_EQ(a.check_durable(action::subscribe, "chat/room", v, now).status, 403u);
  EXPECT_TRUE(a.check(action::subscribe, "chat", v, now).allowed());
  EXPECT_EQ(a.check_durable(action::relay, "chat", d, now).status, 403u);
  EXPECT_EQ(a.check_durable(action::subscribe, "chat/room", credentials{}, now).status, 401u);
}

// "Never expires" values producers put in `exp`: past year 2262 they do not fit a nanosecond
// time_point. Under the asan preset (UBSan, no recovery) an overflow on this path fails here.
TEST(authenticator, far_future_exp_is_allowed_and_saturates) {
  const authenticator a(verification_key::hs256(std::string(secret)), opts(), "sse_token");
  constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();
  for (std::int64_t exp : {std::int64_t{32503680000}, std::int64_t{253402300799}, int64_max}) {
    const std::string header = "Bearer " + mint_hs256(payload(exp), secret);
    auto d = a.check(action::subscribe, "chat-7", credentials{header, {}, {}}, now);
    ASSERT_TRUE(d.allowed()) << exp;
    EXPECT_GE(d.expires_unix, exp) << "exp plus leeway, clamped: never earlier than exp";
    EXPECT_EQ(d.expires_unix, exp == int64_max ? int64_max : exp + 30) << exp;
  }
  object fraction = payload();
  fraction["exp"] = 1e19;  // a double beyond int64: refused as malformed, never converted
  EXPECT_EQ(verify_token(mint_hs256(fraction, secret), verification_key::hs256(std::string(secret)),
                         opts(), now)
                .reason,
            reject_reason::malformed);
}

TEST(credentials, bearer_and_cookie_parsing) {
  EXPECT_EQ(bearer_token("Bearer abc"), "abc");
  EXPECT_EQ(bearer_token("bearer   abc  "), "abc");
  EXPECT_FALSE(bearer_token("Bearer"));
  EXPECT_FALSE(bearer_token("Bearer "));
  EXPECT_FALSE(bearer_token("Bearerabc"));
  EXPECT_EQ(cookie_value("x=1; t=\"q\"", "t"), "q");
  EXPECT_EQ(cookie_value("t=v", "t"), "v");
  EXPECT_FALSE(cookie_value("tt=v; xt=1", "t"));
  EXPECT_FALSE(cookie_value("", "t"));
}

TEST(public_pem, refuses_what_it_cannot_verify) {
  std::string error;
  EXPECT_FALSE(verification_key::from_public_pem("not a key", error));
  EXPECT_FALSE(error.empty());
  EVP_PKEY* ed = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
  ASSERT_NE(ed, nullptr);
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, ed);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  const std::string pem(data, static_cast<std::size_t>(len));
  BIO_free(bio);
  EVP_PKEY_free(ed);
  EXPECT_FALSE(verification_key::from_public_pem(pem, error));
}

TEST(startup_rule, auth_must_be_chosen_except_demo_on_loopback) {
  config::config c;
  EXPECT_TRUE(explicit_auth_error(c)) << "nothing chosen";
  c.demo = true;
  EXPECT_FALSE(explicit_auth_error(c)) << "demo on 127.0.0.1";
  c.listen_host = "0.0.0.0";
  EXPECT_TRUE(explicit_auth_error(c)) << "demo on every interface";
  c.auth = "none";
  EXPECT_FALSE(explicit_auth_error(c));
  c.auth = "jwt";
  EXPECT_THROW(make_authenticator(c), std::runtime_error) << "jwt without a key";
  c.auth = "none";
  EXPECT_EQ(make_authenticator(c), nullptr);
}

}  // namespace
}  // namespace sse::auth
