// The store's sans-io formats: record encoding (with and without zstd), members, live messages,
// key names, and the v1.10 legacy event codec. Literal bytes, no Redis.

#include "store/redis/record.hpp"

#include <gtest/gtest.h>

#include "store/redis/compression.hpp"
#include "store/redis/keys.hpp"
#include "store/redis/legacy.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::store::redis_layout {
namespace {

TEST(record, small_data_is_stored_raw_with_a_four_byte_header) {
  auto r = encode_record({"delta", "hi", 2}, false, 128, 3);
  EXPECT_FALSE(r.compressed);
  EXPECT_EQ(r.size_bytes, 7u + stream::event_overhead_bytes);
  EXPECT_EQ(r.bytes, std::string("\x01\x00\x02\x05"
                                 "deltahi",
                                 11));
}

TEST(record, end_flag_and_member_round_trip) {
  auto r = encode_record({"end", stream::end_event_data("failed"), 3}, true, 128, 3);
  auto e = decode_member("42:" + r.bytes, "abc123");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->seq, 42u);
  EXPECT_TRUE(e->is_end);
  EXPECT_EQ(e->priority, 3);
  EXPECT_EQ(*e->frame, "id: abc123:42\nevent: end\ndata: {\"status\":\"failed\"}\n\n");
}

TEST(record, large_compressible_data_is_zstd_and_decodes_exactly) {
  std::string data;
  for (int i = 0; i < 100; ++i) {
    data += "{\"delta\":\"token\"}\n";
  }
  auto r = encode_record({"", data, 1}, false, 128, 3);
  EXPECT_TRUE(r.compressed);
  EXPECT_LT(r.bytes.size(), data.size() / 3);
  EXPECT_EQ(r.size_bytes, data.size() + stream::event_overhead_bytes);
  auto e = decode_member("7:" + r.bytes, "ep0001");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(*e->frame, stream::encode_event("ep0001", 7, "", data));
  EXPECT_EQ(e->size_bytes, data.size() + stream::event_overhead_bytes);
}

TEST(record, incompressible_data_above_the_threshold_stays_raw) {
  std::string noise;
  std::uint32_t x = 12345;
  for (int i = 0; i < 300; ++i) {
    x = x * 1103515245 + 12345;
    noise.push_back(static_cast<char>(x >> 24));  // random bytes: zstd cannot shrink them
  }
  auto r = encode_record({"", noise, 1}, false, 128, 3);
  EXPECT_FALSE(r.compressed);
  EXPECT_EQ(r.bytes.substr(4), noise);
}

TEST(record, data_that_compresses_by_less_than_an_eighth_stays_raw) {
  // Random bytes over 180 values, unevenly: zstd saves a few percent (Huffman codes), which
  // is not worth a decompression on every node.
  std::string data;
  std::uint32_t x = 777;
  for (int i = 0; i < 4096; ++i) {
    x = x * 1103515245 + 12345;
    data.push_back(static_cast<char>((x >> 24) % 180));  // zstd -3: about 0.94 of the size
  }
  const std::size_t packed = zstd_compress(data, 3).size();
  ASSERT_LT(packed, data.size()) << "smaller, so a rule of 'any saving' would compress it";
  ASSERT_GT(packed, data.size() - data.size() / 8);
  auto r = encode_record({"", data, 1}, false, 128, 3);
  EXPECT_FALSE(r.compressed);
  EXPECT_EQ(r.bytes.substr(4), data);
  auto e = decode_member("3:" + r.bytes, "ep0001");
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(*e->frame, stream::encode_event("ep0001", 3, "", data));
}

TEST(record, malformed_members_are_rejected) {
  for (std::string bad :
       {std::string(""), std::string("12"), std::string("x:\x01\x00\x01\x00", 6),
        std::string("1:\x02\x00\x01\x00", 6), std::string("1:\x01\x00\x07\x00", 6),
        std::string("1:\x01\x00\x01\x09"
                    "ab",
                    8),
        std::string("1:\x01\x01\x01\x00"
                    "notzstd",
                    11)}) {
    EXPECT_FALSE(decode_member(bad, "ep0001").has_value()) << bad;
  }
}

TEST(live_message, parses_events_and_gone_notices) {
  const std::string m1 = "1:abc";
  const std::string m2 = std::string("2:x\ny", 5);
  const std::string payload = "ep0001\n5:" + m1 + "5:" + m2;  // the views point into it
  auto m = parse_live_message(payload);
  ASSERT_TRUE(m.has_value());
  EXPECT_FALSE(m->gone);
  EXPECT_EQ(m->epoch, "ep0001");
  ASSERT_EQ(m->members.size(), 2u);
  EXPECT_EQ(m->members[0], m1);
  EXPECT_EQ(m->members[1], m2);
  auto g = parse_live_message("!ep0001");
  ASSERT_TRUE(g.has_value());
  EXPECT_TRUE(g->gone);
  EXPECT_EQ(g->epoch, "ep0001");
  EXPECT_FALSE(parse_live_message("no newline").has_value());
  EXPECT_FALSE(parse_live_message("ep\n9:short").has_value());
  EXPECT_FALSE(parse_live_message("ep\nx:1").has_value());
}

TEST(keys, use_the_stream_id_as_a_hash_tag_and_parse_back) {
  auto k = make_keys("sse:", "a.b:c-1");
  EXPECT_EQ(k.state, "sse:state:{a.b:c-1}");
  EXPECT_EQ(k.buffer, "sse:buffer:{a.b:c-1}");
  EXPECT_EQ(k.meta, "sse:meta:{a.b:c-1}");
  EXPECT_EQ(k.tomb, "sse:end:{a.b:c-1}");
  EXPECT_EQ(k.channel, "sse:live:{a.b:c-1}");
  EXPECT_EQ(stream_id_from("sse:", "live:", k.channel), "a.b:c-1");
  EXPECT_FALSE(stream_id_from("sse:", "live:", k.buffer).has_value());
  EXPECT_FALSE(stream_id_from("other:", "live:", k.channel).has_value());
  EXPECT_FALSE(stream_id_from("sse:", "live:", "sse:live:{}").has_value());
}

TEST(legacy, events_round_trip_and_garbage_is_rejected) {
  legacy_event e{17, "event", 0, "multi\nline"};
  auto back = decode_legacy_event(encode_legacy_event(e));
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(back->seq, 17u);
  EXPECT_EQ(back->type, "event");
  EXPECT_EQ(back->priority, 0);
  EXPECT_EQ(back->data, "multi\nline");
  EXPECT_FALSE(decode_legacy_event("plain text").has_value());
  EXPECT_FALSE(decode_legacy_event(encode_legacy_event({0, "", 1, "x"})).has_value());
  EXPECT_FALSE(decode_legacy_event(encode_legacy_event({1, "", 9, "x"})).has_value());
}

}  // namespace
}  // namespace sse::store::redis_layout
