// The pure parts of the Durable Streams door: offsets, header values, cursors, JSON flattening,
// the stored form of data and the path-to-id mapping.
#include "durable/protocol.hpp"

#include <gtest/gtest.h>

#include "core/base64.hpp"

namespace sse::durable {
namespace {

TEST(durable_offset, minted_offsets_sort_like_their_seqs) {
  EXPECT_EQ(mint_offset(1), "00000000000000000001");
  EXPECT_EQ(mint_offset(18446744073709551615ULL), "18446744073709551615");
  for (seq_t a : {1ULL, 9ULL, 10ULL, 99ULL, 12345ULL}) {
    EXPECT_LT(mint_offset(a), mint_offset(a + 1)) << a;
  }
  EXPECT_LT(mint_offset(9), mint_offset(10));  // byte-wise, as clients compare
}

TEST(durable_offset, parses_sentinels_and_minted_offsets_only) {
  EXPECT_EQ(parse_offset("-1")->kind, offset_kind::start);
  EXPECT_EQ(parse_offset("now")->kind, offset_kind::now);
  auto p = parse_offset(mint_offset(42));
  ASSERT_TRUE(p);
  EXPECT_EQ(p->kind, offset_kind::position);
  EXPECT_EQ(p->seq, 42U);
  for (const char* bad :
       {"", "42", "-2", "NOW", "abc", "0000000000000000000x", "00000000000000000000",
        "000000000000000000001", "1,2", "99999999999999999999"}) {
    EXPECT_FALSE(parse_offset(bad)) << bad;
  }
}

TEST(durable_headers, content_types_compare_by_media_type_ignoring_case) {
  EXPECT_TRUE(same_content_type("text/plain", "TEXT/PLAIN"));
  EXPECT_TRUE(same_content_type("application/json", "application/json; charset=utf-8"));
  EXPECT_FALSE(same_content_type("text/plain", "application/json"));
  EXPECT_TRUE(is_json_type("Application/JSON"));
  EXPECT_TRUE(sse_compatible("text/markdown"));
  EXPECT_TRUE(sse_compatible("application/json"));
  EXPECT_FALSE(sse_compatible("application/octet-stream"));
}

TEST(durable_headers, ttl_is_a_plain_decimal_integer) {
  EXPECT_EQ(parse_ttl_seconds("3600"), 3600U);
  EXPECT_EQ(parse_ttl_seconds("0"), 0U);
  for (const char* bad : {"", "-1", "+3600", "03600", "3600.0", "3.6e3", "abc", " 1"}) {
    EXPECT_FALSE(parse_ttl_seconds(bad)) << bad;
  }
}

TEST(durable_headers, rfc3339_round_trips_and_honours_offsets) {
  EXPECT_EQ(parse_rfc3339_ms("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_rfc3339_ms("2024-10-09T00:00:00.000Z"), 1728432000000);
  EXPECT_EQ(parse_rfc3339_ms("2024-10-09T02:00:00+02:00"), 1728432000000);
  EXPECT_EQ(parse_rfc3339_ms("2024-10-09T00:00:00.5Z"), 1728432000500);
  EXPECT_EQ(format_rfc3339(1728432000000), "2024-10-09T00:00:00Z");
  EXPECT_EQ(format_rfc3339(1728432000123), "2024-10-09T00:00:00.123Z");
  for (const char* bad : {"", "2024-10-09", "2024-13-09T00:00:00Z", "2024-10-09T00:00:00",
                          "yesterday", "2024-10-09T00:00:00.Z"}) {
    EXPECT_FALSE(parse_rfc3339_ms(bad)) << bad;
  }
  EXPECT_TRUE(header_true("TRUE"));
  EXPECT_FALSE(header_true("yes"));
}

TEST(durable_cursor, is_the_interval_and_never_goes_backwards) {
  std::mt19937_64 rng(7);
  const std::int64_t t = 1728432000000 + 20000 * 1000 + 5;  // interval 1000
  EXPECT_EQ(next_cursor(t, std::nullopt, rng), "1000");
  EXPECT_EQ(next_cursor(t, std::string_view("999"), rng), "1000");
  for (int i = 0; i < 100; ++i) {
    auto c = std::stoll(next_cursor(t, std::string_view("1000"), rng));
    EXPECT_GT(c, 1000);
    EXPECT_LE(c, 1180);
    auto later = std::stoll(next_cursor(t, std::string_view("5000"), rng));
    EXPECT_GT(later, 5000);
  }
  EXPECT_EQ(next_cursor(t, std::string_view("junk"), rng), "1000");
}

TEST(durable_json, flattens_one_level_of_arrays) {
  auto one = flatten_json(R"({"event": "created"})", false);
  ASSERT_EQ(one.messages.size(), 1U);
  EXPECT_EQ(one.messages[0], R"({"event":"created"})");
  auto two = flatten_json("[[1,2], [3,4]]", false);
  EXPECT_EQ(two.messages, (std::vector<std::string>{"[1,2]", "[3,4]"}));
  auto nested = flatten_json("[[[1,2,3]]]", false);
  EXPECT_EQ(nested.messages, (std::vector<std::string>{"[[1,2,3]]"}));
  EXPECT_FALSE(flatten_json("[]", false).error.empty());
  EXPECT_TRUE(flatten_json("[]", true).error.empty());
  EXPECT_TRUE(flatten_json("[]", true).messages.empty());
  EXPECT_FALSE(flatten_json("{not json", false).error.empty());
  EXPECT_FALSE(flatten_json("", false).error.empty());
}

TEST(durable_stored, round_trips_any_bytes_and_the_stream_seq) {
  std::string binary("a\0b\r\n\xff\xfe z", 10);
  for (std::string bytes : {std::string(), std::string("x"), std::string("xy"), binary}) {
    auto plain = decode_stored(encode_stored({bytes, std::nullopt, std::nullopt}));
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->bytes, bytes);
    EXPECT_FALSE(plain->stream_seq);
    EXPECT_FALSE(plain->producer);
    auto tagged = decode_stored(
        encode_stored({bytes, std::string("00 1"), producer_tag{"svc 1.a", 3, 9007199254740991}}));
    ASSERT_TRUE(tagged);
    EXPECT_EQ(tagged->bytes, bytes);
    EXPECT_EQ(tagged->stream_seq, "00 1");
    EXPECT_EQ(tagged->producer, (producer_tag{"svc 1.a", 3, 9007199254740991}));
  }
  EXPECT_EQ(core::base64_encode("hello"), "aGVsbG8=");
  EXPECT_FALSE(core::base64_decode("a"));
  EXPECT_FALSE(core::base64_decode("a=bc"));
  // Padding only in the last two places, and a `=` before the last needs one after it.
  EXPECT_EQ(core::base64_decode("aGk="), "hi");
  EXPECT_EQ(core::base64_decode("aA=="), "h");
  EXPECT_EQ(core::base64_decode(""), "");
  EXPECT_FALSE(core::base64_decode("aA=a"));
  EXPECT_FALSE(core::base64_decode("a==="));
  EXPECT_FALSE(core::base64_decode("===="));
  EXPECT_FALSE(core::base64_decode("aA==aGk="));
  EXPECT_FALSE(core::base64_decode("a-_b"));  // the URL alphabet is not the standard one
  EXPECT_FALSE(decode_stored("!!!!"));
  EXPECT_FALSE(decode_stored("aGk= x12"));      // unknown token
  EXPECT_FALSE(decode_stored("aGk= paGk=.1"));  // producer without seq
}

TEST(durable_producer, headers_come_together_as_safe_integers) {
  using o = std::optional<std::string>;
  EXPECT_FALSE(parse_producer(o(), o(), o()).tag);
  EXPECT_TRUE(parse_producer(o(), o(), o()).error.empty());
  auto ok = parse_producer(o("p"), o("0"), o("9007199254740991"));
  ASSERT_TRUE(ok.tag);
  EXPECT_EQ(ok.tag->seq, max_producer_number);
  EXPECT_FALSE(parse_producer(o("p"), o("0"), o()).error.empty());
  EXPECT_FALSE(parse_producer(o(), o("0"), o("0")).error.empty());
  EXPECT_FALSE(parse_producer(o(""), o("0"), o("0")).error.empty());
  for (const char* bad : {"-1", "01", "1.0", "abc", "", "9007199254740992", "+1"}) {
    EXPECT_FALSE(parse_producer(o("p"), o(bad), o("0")).error.empty()) << bad;
    EXPECT_FALSE(parse_producer(o("p"), o("0"), o(bad)).error.empty()) << bad;
  }
}

TEST(durable_producer, verdicts_follow_the_protocol_table) {
  const producer_tag last{"p", 2, 5};
  auto at = [](std::uint64_t e, std::uint64_t s) { return producer_tag{"p", e, s}; };
  EXPECT_EQ(check_producer(std::nullopt, at(0, 0)), producer_verdict::accept);
  EXPECT_EQ(check_producer(std::nullopt, at(0, 1)), producer_verdict::seq_gap);
  EXPECT_EQ(check_producer(last, at(1, 9)), producer_verdict::stale_epoch);
  EXPECT_EQ(check_producer(last, at(3, 0)), producer_verdict::accept);
  EXPECT_EQ(check_producer(last, at(3, 1)), producer_verdict::new_epoch_not_at_zero);
  EXPECT_EQ(check_producer(last, at(2, 5)), producer_verdict::duplicate);
  EXPECT_EQ(check_producer(last, at(2, 0)), producer_verdict::duplicate);
  EXPECT_EQ(check_producer(last, at(2, 6)), producer_verdict::accept);
  EXPECT_EQ(check_producer(last, at(2, 7)), producer_verdict::seq_gap);
}

TEST(durable_query, decodes_percent_escapes) {
  auto q = parse_query("offset=-1&live=long-poll&cursor=12%2034");
  ASSERT_TRUE(q);
  ASSERT_EQ(q->size(), 3U);
  EXPECT_EQ((*q)[2].second, "12 34");
  EXPECT_FALSE(parse_query("offset=%G1"));
  EXPECT_FALSE(parse_query("offset=%4"));
}

TEST(durable_store_id, maps_paths_injectively_into_stream_ids) {
  EXPECT_EQ(store_id_for_path("chat/room-1"), "ds:chat_2Froom-1");
  EXPECT_EQ(store_id_for_path("a_b"), "ds:a_5Fb");  // '_' escaped: "a/b" and "a_2Fb" differ
  EXPECT_NE(store_id_for_path("a/b"), store_id_for_path("a_2Fb"));
  EXPECT_FALSE(store_id_for_path(""));
  EXPECT_FALSE(store_id_for_path(std::string(200, 'x')));
  // 123 bytes fit: "ds:" + 123 = 126, and the fork registry's "_f" makes the 128 of an id.
  EXPECT_TRUE(store_id_for_path(std::string(123, 'x')));
  EXPECT_FALSE(store_id_for_path(std::string(124, 'x')));
}

TEST(durable_store_id, fork_registries_and_fork_sources_have_their_own_names) {
  const auto id = *store_id_for_path(std::string(123, 'x'));
  EXPECT_EQ(fork_registry_id(id), id + "_f");
  EXPECT_EQ(fork_registry_id(id).size(), 128U);
  // No path encodes to a registry: an encoded '_' is followed by two upper-case hex digits.
  EXPECT_EQ(store_id_for_path("a_f"), "ds:a_5Ff");
  EXPECT_EQ(fork_source_path("/v1/stream/chat/a?offset=-1"), "chat/a");
  EXPECT_EQ(fork_source_path("chat/a"), "chat/a");
}

}  // namespace
}  // namespace sse::durable
