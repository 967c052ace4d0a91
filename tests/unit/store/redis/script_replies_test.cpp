// The store scripts' replies, decoded from literal replies shaped as each script's `return {...}`
// (scripts/*.lua): every position read by the store is pinned here. No Redis.

#include "store/redis/script_replies.hpp"

#include <gtest/gtest.h>

#include <initializer_list>

#include "store/redis/record.hpp"

namespace sse::store::redis_layout {
namespace {

using redis::reply;
using redis::reply_type;

reply s(std::string v) {
  return reply::make_string(std::move(v));
}
reply i(long long v) {
  return reply::make_int(v);
}
reply nil() {
  return reply{};
}
reply arr(std::initializer_list<reply> elements) {
  reply r{reply_type::array, 0, {}, {}};
  r.elements.assign(elements.begin(), elements.end());
  return r;
}
reply error(std::string message) {
  return reply{reply_type::error, 0, std::move(message), {}};
}

store_limits defaults() {
  store_limits l;
  l.buffer_limit = 100;
  l.buffer_max_bytes = 5000;
  l.ttl = std::chrono::milliseconds(60'000);
  return l;
}

TEST(script_replies, tag_is_the_first_string_element) {
  EXPECT_EQ(tag_of(arr({s("legacy")})), "legacy");
  EXPECT_EQ(tag_of(arr({i(1)})), "");
  EXPECT_EQ(tag_of(s("ok")), "");
  EXPECT_EQ(tag_of(arr({})), "");
}

TEST(script_replies, refusals_for_now_are_unavailable_and_the_rest_internal) {
  for (const char* e : {"OOM command not allowed", "LOADING", "BUSY script", "READONLY replica",
                        "MASTERDOWN", "TRYAGAIN"}) {
    EXPECT_EQ(error_of(error(e)), errc::store_unavailable) << e;
  }
  EXPECT_EQ(error_of(error("ERR user_script:1: boom")), errc::internal);
}

TEST(script_replies, create_created_with_its_own_limits) {
  auto r = decode_create(arr({s("created"), s("ep1"), s("7"), s("900")}), defaults());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->epoch, "ep1");
  EXPECT_TRUE(r->created);
  EXPECT_EQ(r->buffer_limit, 7u);
  EXPECT_EQ(r->ttl, std::chrono::milliseconds(900));
}

TEST(script_replies, create_exists_without_limits_takes_the_defaults) {
  auto r = decode_create(arr({s("exists"), s("ep0"), s(""), s("")}), defaults());
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->created);
  EXPECT_EQ(r->epoch, "ep0");
  EXPECT_EQ(r->buffer_limit, 100u);
  EXPECT_EQ(r->ttl, std::chrono::milliseconds(60'000));
  EXPECT_EQ(decode_create(arr({s("what")}), defaults()).error(), errc::internal);
}

TEST(script_replies, append_ok_with_evictions_superseded_first) {
  // {'ok', epoch, first, last, created, {seq,prio,size,...}, count, bytes, superseded}
  auto r = decode_append(arr({s("ok"), s("ep"), i(11), i(12), i(1),
                              arr({i(3), i(5), i(40), i(4), i(1), i(41)}), i(9), i(700), i(1)}));
  ASSERT_TRUE(r.has_value());
  const append_result& a = r->result;
  EXPECT_EQ(a.epoch, "ep");
  EXPECT_EQ(a.first_seq, 11u);
  EXPECT_EQ(a.last_seq, 12u);
  EXPECT_TRUE(a.created);
  EXPECT_FALSE(a.duplicate);
  ASSERT_EQ(a.evicted.size(), 2u);
  EXPECT_EQ(a.evicted[0].seq, 3u);
  EXPECT_EQ(a.evicted[0].priority, 5);
  EXPECT_EQ(a.evicted[0].size_bytes, 40u);
  EXPECT_TRUE(a.evicted[0].superseded);
  EXPECT_EQ(a.evicted[1].seq, 4u);
  EXPECT_FALSE(a.evicted[1].superseded);
  EXPECT_EQ(a.trimmed, 2u);
  EXPECT_EQ(r->buffered_events, 9);
  EXPECT_EQ(r->buffered_bytes, 700);
}

TEST(script_replies, append_ok_from_a_script_without_superseded_count) {
  auto r = decode_append(
      arr({s("ok"), s("ep"), i(1), i(1), i(0), arr({i(1), i(3), i(10)}), i(1), i(10)}));
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->result.created);
  ASSERT_EQ(r->result.evicted.size(), 1u);
  EXPECT_FALSE(r->result.evicted[0].superseded);
}

TEST(script_replies, append_duplicate_answers_as_the_original) {
  // {'dup', epoch, first, last, trimmed}
  auto r = decode_append(arr({s("dup"), s("ep"), i(5), i(7), i(2)}));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->result.duplicate);
  EXPECT_EQ(r->result.epoch, "ep");
  EXPECT_EQ(r->result.first_seq, 5u);
  EXPECT_EQ(r->result.last_seq, 7u);
  EXPECT_EQ(r->result.trimmed, 2u);
  EXPECT_TRUE(r->result.evicted.empty());
}

TEST(script_replies, append_refusals_and_unknown_shapes) {
  EXPECT_EQ(decode_append(arr({s("ended"), s("ep"), i(4)})).error(), errc::stream_ended);
  EXPECT_EQ(decode_append(arr({s("conflict"), s("ep"), i(5)})).error(),
            errc::producer_seq_conflict);
  EXPECT_EQ(decode_append(arr({s("ok"), s("ep"), i(1), i(1)})).error(), errc::internal);
  EXPECT_EQ(decode_append(arr({s("nope")})).error(), errc::internal);
}

TEST(script_replies, end_ok_already_and_not_found) {
  auto ok = decode_end(arr({s("ok"), s("ep"), i(8)}));
  ASSERT_TRUE(ok.has_value());
  EXPECT_EQ(ok->epoch, "ep");
  EXPECT_EQ(ok->last_seq, 8u);
  EXPECT_FALSE(ok->already_ended);
  auto already = decode_end(arr({s("already"), s("ep"), i(8)}));
  ASSERT_TRUE(already.has_value());
  EXPECT_TRUE(already->already_ended);
  EXPECT_EQ(decode_end(arr({s("not_found")})).error(), errc::stream_not_found);
  EXPECT_EQ(decode_end(arr({s("?")})).error(), errc::internal);
}

TEST(script_replies, info_reads_every_field_by_name) {
  // {'ok', epoch, status, last, first, count, bytes, trimmed, limit, max_bytes, created_ms,
  //  updated_ms, expires_in_ms}
  auto r = decode_info(arr({s("ok"), s("ep"), s("completed"), i(20), i(15), i(6), i(600), i(14),
                            s("50"), s("4000"), i(1000), i(2000), i(-5)}),
                       defaults());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->epoch, "ep");
  EXPECT_EQ(r->status, stream_status::completed);
  EXPECT_EQ(r->last_seq, 20u);
  EXPECT_EQ(r->first_seq, 15u);
  EXPECT_EQ(r->buffered_count, 6u);
  EXPECT_EQ(r->buffered_bytes, 600u);
  EXPECT_EQ(r->trimmed_count, 14u);
  EXPECT_EQ(r->buffer_limit, 50u);
  EXPECT_EQ(r->buffer_max_bytes, 4000u);
  EXPECT_EQ(r->created_at, core::time_point(std::chrono::milliseconds(1000)));
  EXPECT_EQ(r->updated_at, core::time_point(std::chrono::milliseconds(2000)));
  EXPECT_EQ(r->expires_in, std::chrono::milliseconds(0));  // negative: clamped
}

TEST(script_replies, info_without_limits_or_update_falls_back) {
  auto r = decode_info(arr({s("ok"), s("ep"), s("open"), i(0), i(0), i(0), i(0), i(0), nil(), nil(),
                            i(1000), nil(), i(30)}),
                       defaults());
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, stream_status::open);
  EXPECT_EQ(r->buffer_limit, 100u);
  EXPECT_EQ(r->buffer_max_bytes, 5000u);
  EXPECT_EQ(r->updated_at, r->created_at);
  EXPECT_EQ(r->expires_in, std::chrono::milliseconds(30));
  EXPECT_EQ(decode_info(arr({s("not_found")}), defaults()).error(), errc::stream_not_found);
  EXPECT_EQ(decode_info(arr({s("ok"), s("ep")}), defaults()).error(), errc::internal);
}

TEST(script_replies, read_decodes_members_and_skips_unreadable_ones) {
  // {'ok', epoch, last, ended, {member...}, unreadable_ranges, checkpoint}
  const auto rec = encode_record({"delta", "hi", 2}, false, 128, 3);
  auto r = decode_read(arr(
      {s("ok"), s("ep"), i(9), i(1), arr({s("8:" + rec.bytes), s("garbage")}), s("2-4"), i(7)}));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->epoch, "ep");
  EXPECT_EQ(r->last_seq, 9u);
  EXPECT_TRUE(r->ended);
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(r->events[0].seq, 8u);
  ASSERT_EQ(r->unreadable.size(), 1u);
  EXPECT_EQ(r->unreadable[0].from, 2u);
  EXPECT_EQ(r->unreadable[0].to, 4u);
  EXPECT_EQ(r->checkpoint_seq, 7u);
}

TEST(script_replies, read_from_an_older_script_and_not_found) {
  auto r = decode_read(arr({s("ok"), s("ep"), i(0), i(0), arr({})}));
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(r->ended);
  EXPECT_TRUE(r->events.empty());
  EXPECT_TRUE(r->unreadable.empty());
  EXPECT_EQ(r->checkpoint_seq, 0u);
  EXPECT_EQ(decode_read(arr({s("not_found")})).error(), errc::stream_not_found);
  EXPECT_EQ(decode_read(arr({s("ok"), s("ep")})).error(), errc::internal);
}

TEST(script_replies, remove_ok_and_not_found) {
  EXPECT_TRUE(decode_ok(arr({s("ok")})).has_value());
  EXPECT_EQ(decode_ok(arr({s("not_found")})).error(), errc::stream_not_found);
  EXPECT_EQ(decode_ok(arr({s("x")})).error(), errc::internal);
}

}  // namespace
}  // namespace sse::store::redis_layout
