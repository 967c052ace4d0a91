// Upgrade of v1.10-layout streams: on first touch by any operation, and for every stream by
// migrate_all (the `sse-gateway migrate` command), also while appends run concurrently.

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include "legacy_fixture.hpp"
#include "redis_fixture.hpp"
#include "store/redis/keys.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::store::redis_test {
namespace {

using stream::new_event;

class redis_migration : public ::testing::Test {
 protected:
  void SetUp() override { redis().command("FLUSHALL"); }
  void TearDown() override {
    store_.reset();
    io_.restart();
    io_.poll();
  }

  test::redis_server& redis() { return shared_redis(); }

  redis_store& s() {
    if (!store_) {
      store_ = make_started_store(io_, limits_, test_options(redis()));
    }
    return *store_;
  }

  result<append_result> append(const std::string& id, std::vector<new_event> events,
                               std::optional<seq_t> producer_seq = std::nullopt) {
    append_request r;
    r.stream_id = id;
    r.events = std::move(events);
    r.producer_seq = producer_seq;
    return run_sync(io_, s().append(std::move(r)));
  }

  std::string type(const std::string& key) { return redis().command("TYPE", key).str; }

  // Every buffered event of id, checked against what the legacy stream held.
  void expect_legacy_events_readable(const legacy_stream& ls) {
    auto r = run_sync(io_, s().read_after(ls.id, 0));
    ASSERT_TRUE(r.has_value()) << ls.id;
    EXPECT_EQ(r->epoch, ls.epoch);
    ASSERT_GE(r->events.size(), ls.events.size()) << ls.id;
    for (std::size_t i = 0; i < ls.events.size(); ++i) {
      const auto& le = ls.events[i];
      EXPECT_EQ(r->events[i].seq, le.seq);
      EXPECT_EQ(r->events[i].priority, le.priority);
      EXPECT_EQ(*r->events[i].frame, stream::encode_event(ls.epoch, le.seq, le.type, le.data));
    }
  }

  store_limits limits_;
  boost::asio::io_context io_;
  std::unique_ptr<redis_store> store_;
};

TEST_F(redis_migration, first_read_upgrades_the_stream_in_place) {
  auto ls = make_legacy_stream("old-read", 6, {3});
  ls.ttl = 50s;
  write_legacy_stream(redis(), ls);
  const auto k = redis_layout::make_keys("sse:", "old-read");
  ASSERT_EQ(type(k.buffer), "list");

  expect_legacy_events_readable(ls);
  EXPECT_EQ(type(k.buffer), "zset");
  EXPECT_EQ(type(k.meta), "zset");
  EXPECT_EQ(redis().command("ZCARD", k.meta).integer, 5);
  EXPECT_EQ(redis().command("HGET", k.state, "v").str, "2");
  EXPECT_EQ(redis().command("HGET", k.state, "epoch").str, "legacy01") << "epoch kept";
  EXPECT_EQ(redis().command("HGET", k.state, "trimmed").str, "1");
  for (const auto& key : {k.state, k.buffer, k.meta}) {
    auto ttl = redis().command("PTTL", key).integer;
    EXPECT_GT(ttl, 0) << key;
    EXPECT_LE(ttl, 50'000) << key << ": the remaining lifetime is kept, not extended";
  }
  auto r = run_sync(io_, s().read_after("old-read", 2));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->events.size(), 3u);
  EXPECT_EQ(r->events[0].seq, 4u) << "the hole at 3 stays a hole";
}

TEST_F(redis_migration, append_upgrades_continues_the_seqs_and_trims_by_priority) {
  auto ls = make_legacy_stream("old-append", 5);  // priorities 1,2,3,0,1
  ls.buffer_limit = 5;                            // a v1.10 per-stream limit is kept by the upgrade
  write_legacy_stream(redis(), ls);
  auto a = append("old-append", {new_event{"", "new", 2}});
  ASSERT_TRUE(a.has_value()) << a.error().message();
  EXPECT_EQ(a->epoch, "legacy01");
  EXPECT_EQ(a->first_seq, 6u);
  EXPECT_FALSE(a->created);
  ASSERT_EQ(a->evicted.size(), 1u);
  EXPECT_EQ(a->evicted[0].seq, 4u) << "the only priority-0 event of the legacy buffer";
  EXPECT_EQ(a->evicted[0].priority, 0);
  EXPECT_EQ(a->evicted[0].size_bytes, std::string("event").size() + std::string("legacy 4").size() +
                                          stream::event_overhead_bytes);
  auto r = run_sync(io_, s().read_after("old-append", 0));
  ASSERT_TRUE(r.has_value());
  std::vector<seq_t> seqs;
  for (const auto& e : r->events) {
    seqs.push_back(e.seq);
  }
  EXPECT_EQ(seqs, (std::vector<seq_t>{1, 2, 3, 5, 6}));
  // Producer-Seq continues from the legacy last_seq.
  EXPECT_TRUE(append("old-append", {new_event{"", "next", 1}}, 7).has_value());
}

TEST_F(redis_migration, ended_legacy_stream_keeps_its_end_after_the_upgrade) {
  auto ls = make_legacy_stream("old-ended", 3);
  ls.status = "completed";
  ls.events.push_back(redis_layout::legacy_event{4, "end", 3, "{\"status\":\"completed\"}"});
  ls.last_seq = 4;
  ls.ttl = 30s;
  write_legacy_stream(redis(), ls);
  auto e = run_sync(io_, s().end("old-ended", stream_status::failed));
  ASSERT_TRUE(e.has_value()) << e.error().message();
  EXPECT_TRUE(e->already_ended);
  EXPECT_EQ(e->last_seq, 4u);
  const auto k = redis_layout::make_keys("sse:", "old-ended");
  EXPECT_EQ(redis().command("EXISTS", k.state).integer, 0);
  EXPECT_EQ(type(k.tomb), "hash");
  EXPECT_EQ(redis().command("ZCARD", k.meta).integer, 3) << "the end event is not evictable";
  auto r = run_sync(io_, s().read_after("old-ended", 0));
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->ended);
  ASSERT_EQ(r->events.size(), 4u);
  EXPECT_TRUE(r->events.back().is_end);
  EXPECT_EQ(append("old-ended", {new_event{"", "x", 1}}).error(), errc::stream_ended);
  auto i = run_sync(io_, s().info("old-ended"));
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(i->status, stream_status::completed);
}

TEST_F(redis_migration, info_and_create_upgrade_too) {
  write_legacy_stream(redis(), make_legacy_stream("old-info", 3));
  auto i = run_sync(io_, s().info("old-info"));
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(i->last_seq, 3u);
  EXPECT_EQ(i->buffered_count, 3u);
  EXPECT_EQ(i->first_seq, 1u);
  write_legacy_stream(redis(), make_legacy_stream("old-create", 2));
  auto c = run_sync(io_, s().create("old-create", {}));
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->created);
  EXPECT_EQ(c->epoch, "legacy01");
}

TEST_F(redis_migration, corrupt_legacy_event_is_kept_aside_by_migrate_all_and_the_rest_survives) {
  auto ls = make_legacy_stream("old-corrupt", 3);
  write_legacy_stream(redis(), ls);
  redis().command("LSET", "sse:buffer:{old-corrupt}", "1", "not zstd at all");
  auto m = run_sync(io_, s().migrate_all(10));
  ASSERT_TRUE(m.has_value());
  EXPECT_EQ(m->migrated, 1u);
  EXPECT_EQ(m->unreadable_events, 1u);
  ASSERT_EQ(m->kept_aside.size(), 1u);
  EXPECT_EQ(m->kept_aside[0].stream_id, "old-corrupt");
  EXPECT_EQ(m->kept_aside[0].events, 1u);
  auto kept = redis().command("LRANGE", "sse:quarantine:{old-corrupt}", "0", "-1");
  ASSERT_EQ(kept.elements.size(), 1u);
  EXPECT_EQ(kept.elements[0].str, "not zstd at all");
  auto r = run_sync(io_, s().read_after("old-corrupt", 0));
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->events.size(), 2u);
  EXPECT_EQ(r->events[0].seq, 1u);
  EXPECT_EQ(r->events[1].seq, 3u);
  EXPECT_EQ(r->unreadable, (std::vector<stream::seq_range>{{2, 2}}));
}

// v1.10 elements as real writers made them: the `zstd` CLI compressing a file (the frame states
// its content size) and reading a pipe (it does not, as any streaming compressor), each with and
// without a checksum; one large enough for several blocks. Every one must survive the upgrade.
TEST_F(redis_migration, frames_of_the_zstd_cli_from_file_and_pipe_are_all_upgraded) {
  auto ls = make_legacy_stream("cli", 6);
  std::string big;
  for (int i = 0; big.size() < 300'000; ++i) {
    big += "{\"delta\":\"token " + std::to_string(i) + "\"}\n";
  }
  ls.events[5].data = big;
  ls.ttl = 50s;
  const std::vector<std::string> elements{
      zstd_cli_frame(ls.events[0], zstd_input::file, true),
      zstd_cli_frame(ls.events[1], zstd_input::file, false),
      zstd_cli_frame(ls.events[2], zstd_input::pipe, true),
      zstd_cli_frame(ls.events[3], zstd_input::pipe, false),
      zstd_cli_frame(ls.events[4], zstd_input::file, true),
      zstd_cli_frame(ls.events[5], zstd_input::pipe, true),
  };
  write_legacy_elements(redis(), ls, elements);
  int kept_aside = 0;
  s().set_unreadable_handler([&](const redis_layout::unreadable_element&) { ++kept_aside; });

  expect_legacy_events_readable(ls);
  auto r = run_sync(io_, s().read_after("cli", 0));
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->events.size(), 6u);
  EXPECT_TRUE(r->unreadable.empty());
  EXPECT_EQ(kept_aside, 0);
  EXPECT_EQ(redis().command("EXISTS", "sse:quarantine:{cli}").integer, 0);
}

// An element that really cannot be decoded is never destroyed: it is moved as it was to the
// quarantine key (with the stream's TTL), reported, and its hole is announced as unreadable.
TEST_F(redis_migration, undecodable_elements_are_kept_aside_and_their_seqs_marked_unreadable) {
  auto ls = make_legacy_stream("old2", 6);
  ls.ttl = 50s;
  const std::string garbage_3 = "not zstd at all";
  std::string garbage_6 = zstd_cli_frame(ls.events[5], zstd_input::pipe, true);
  garbage_6.back() = static_cast<char>(garbage_6.back() ^ 0x5a);  // its checksum is wrong
  const std::vector<std::string> elements{
      zstd_cli_frame(ls.events[0], zstd_input::file, true),
      zstd_cli_frame(ls.events[1], zstd_input::file, true),
      garbage_3,
      zstd_cli_frame(ls.events[3], zstd_input::file, true),
      zstd_cli_frame(ls.events[4], zstd_input::pipe, false),
      garbage_6,
  };
  write_legacy_elements(redis(), ls, elements);
  std::vector<redis_layout::unreadable_element> reported;
  s().set_unreadable_handler(
      [&](const redis_layout::unreadable_element& e) { reported.push_back(e); });

  auto r = run_sync(io_, s().read_after("old2", 0));  // the first touch upgrades
  ASSERT_TRUE(r.has_value());
  std::vector<seq_t> seqs;
  for (const auto& e : r->events) {
    seqs.push_back(e.seq);
  }
  EXPECT_EQ(seqs, (std::vector<seq_t>{1, 2, 4, 5}));
  EXPECT_EQ(r->last_seq, 6u);
  EXPECT_EQ(r->unreadable, (std::vector<stream::seq_range>{{3, 3}, {6, 6}}));

  const auto k = redis_layout::make_keys("sse:", "old2");
  EXPECT_EQ(k.quarantine, "sse:quarantine:{old2}");
  auto kept = redis().command("LRANGE", k.quarantine, "0", "-1");
  ASSERT_EQ(kept.elements.size(), 2u);
  EXPECT_EQ(kept.elements[0].str, garbage_3) << "kept byte for byte";
  EXPECT_EQ(kept.elements[1].str, garbage_6);
  const auto ttl = redis().command("PTTL", k.quarantine).integer;
  EXPECT_GT(ttl, 0) << "nothing is left behind forever";
  EXPECT_LE(ttl, 50'000) << "the stream's remaining lifetime";
  EXPECT_EQ(redis().command("HGET", k.state, "unreadable").str, "3-3,6-6");

  ASSERT_EQ(reported.size(), 2u);
  EXPECT_EQ(reported[0].stream_id, "old2");
  EXPECT_EQ(reported[0].index, 2u);
  EXPECT_EQ(reported[0].seqs, (stream::seq_range{3, 3}));
  EXPECT_EQ(reported[0].bytes, garbage_3.size());
  EXPECT_EQ(reported[0].quarantine_key, k.quarantine);
  EXPECT_EQ(reported[1].index, 5u);
  EXPECT_EQ(reported[1].seqs, (stream::seq_range{6, 6}));

  // The marks survive the end of the stream (the state hash becomes the tombstone).
  ASSERT_TRUE(run_sync(io_, s().end("old2", stream_status::completed)).has_value());
  auto after_end = run_sync(io_, s().read_after("old2", 0));
  ASSERT_TRUE(after_end.has_value());
  EXPECT_EQ(after_end->unreadable, (std::vector<stream::seq_range>{{3, 3}, {6, 6}}));
}

TEST_F(redis_migration, migrate_all_upgrades_every_legacy_stream_and_is_safe_to_run_again) {
  std::vector<legacy_stream> legacy;
  for (int i = 0; i < 230; ++i) {
    legacy.push_back(make_legacy_stream("bulk-" + std::to_string(i), 1 + i % 7));
    write_legacy_stream(redis(), legacy.back());
  }
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(append("modern-" + std::to_string(i), {new_event{"", "x", 1}}).has_value());
  }
  auto first = run_sync(io_, s().migrate_all(50), 60s);
  ASSERT_TRUE(first.has_value()) << first.error().message();
  EXPECT_EQ(first->migrated, 230u);
  EXPECT_EQ(first->unreadable_events, 0u);
  EXPECT_TRUE(first->kept_aside.empty());
  auto again = run_sync(io_, s().migrate_all(50), 60s);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->scanned, 0u);
  EXPECT_EQ(again->migrated, 0u);
  auto lists =
      redis().command("SCAN", "0", "MATCH", "sse:buffer:*", "COUNT", "10000", "TYPE", "list");
  EXPECT_TRUE(lists.elements.at(1).elements.empty());
  for (const auto& ls : legacy) {
    expect_legacy_events_readable(ls);
  }
}

TEST_F(redis_migration, migrate_all_while_appends_run_loses_and_duplicates_nothing) {
  constexpr int streams = 60;
  constexpr int appends_per_stream = 5;
  std::vector<legacy_stream> legacy;
  for (int i = 0; i < streams; ++i) {
    legacy.push_back(make_legacy_stream("busy-" + std::to_string(i), 4));
    write_legacy_stream(redis(), legacy.back());
  }
  s();  // connected before the race starts
  int failures = 0;
  int finished = 0;
  // Producers append with Producer-Seq to every stream while migrate_all runs on the same
  // connection: script calls interleave in Redis.
  for (int i = 0; i < streams; ++i) {
    boost::asio::co_spawn(
        io_,
        [&, id = legacy[static_cast<std::size_t>(i)].id]() -> boost::asio::awaitable<void> {
          for (int k = 0; k < appends_per_stream; ++k) {
            append_request r;
            r.stream_id = id;
            r.events = {new_event{"", "new " + std::to_string(k), 1}};
            r.producer_seq = 5 + k;
            auto a = co_await s().append(std::move(r));
            if (!a || a->duplicate || a->first_seq != static_cast<seq_t>(5 + k)) {
              ++failures;
            }
          }
          ++finished;
        },
        boost::asio::detached);
  }
  auto m = run_sync(io_, s().migrate_all(7), 60s);
  ASSERT_TRUE(m.has_value()) << m.error().message();
  ASSERT_TRUE(run_until(
      io_, [&] { return finished == streams; }, 30s));
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(m->migrated + m->skipped, m->scanned);
  for (const auto& ls : legacy) {
    auto r = run_sync(io_, s().read_after(ls.id, 0));
    ASSERT_TRUE(r.has_value());
    ASSERT_EQ(r->events.size(), 4u + appends_per_stream) << ls.id;
    for (std::size_t j = 0; j < r->events.size(); ++j) {
      EXPECT_EQ(r->events[j].seq, j + 1) << ls.id;
    }
    EXPECT_EQ(*r->events.back().frame,
              stream::encode_event(ls.epoch, 4 + appends_per_stream, "",
                                   "new " + std::to_string(appends_per_stream - 1)));
  }
}

}  // namespace
}  // namespace sse::store::redis_test
