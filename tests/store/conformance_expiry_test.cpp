// Conformance: renew restarts an open stream's TTL (Durable Streams' sliding Stream-TTL, seen by
// every node); an expired stream leaves a small marker of its epoch for the end retention, and
// the marker expires too. Both stores expire in real time here (short TTLs, bounded waits): the
// memory store from its sweep or lookup, the Redis store from its keyspace notification.

#include <thread>

#include "store_conformance.hpp"

namespace sse::store::conformance {
namespace {

using stream::new_event;

TEST_P(store_conformance, an_expired_stream_leaves_an_expiring_marker_of_its_epoch) {
  store_limits l;
  l.ttl = 10s;
  l.end_retention = 1500ms;
  make_store(l);
  const auto id = fresh_id("expiring");
  const auto never = fresh_id("never");
  const auto removed = fresh_id("removed");
  auto a = append(id, {new_event{"", "one", 1}}, std::nullopt, stream_options{{}, 300ms});
  ASSERT_TRUE(a.has_value()) << a.error().message();
  ASSERT_TRUE(append(removed, {new_event{"", "x", 1}}).has_value());
  ASSERT_TRUE(remove(removed).has_value());

  // A live stream, one never created and one deleted carry no marker.
  auto live = expired_epoch(id);
  ASSERT_TRUE(live.has_value()) << live.error().message();
  EXPECT_FALSE(live->has_value()) << "marker of a stream still alive: " << **live;
  EXPECT_FALSE(expired_epoch(never).value().has_value());
  EXPECT_FALSE(expired_epoch(removed).value().has_value()) << "deleted is not expired";

  if (!GetParam().expiry_markers) {
    // Redis Cluster: the stream expires all the same, but nothing marks it.
    EXPECT_TRUE(run_until(
        io_, [&] { return read_after(id, 0).error() == errc::stream_not_found; }, 10s));
    EXPECT_FALSE(expired_epoch(id).value().has_value());
    return;
  }
  std::optional<std::string> marker;
  const bool marked = run_until(
      io_,
      [&] {
        (void)st().sweep_expired();  // the memory store retires expired streams here
        auto m = run_sync(io_, st().expired_epoch(id));
        if (m && m->has_value()) {
          marker = **m;
        }
        return marker.has_value();
      },
      10s);
  ASSERT_TRUE(marked) << "no marker after the stream's 300 ms TTL";
  EXPECT_EQ(*marker, a->epoch);
  EXPECT_EQ(read_after(id, 0).error(), errc::stream_not_found) << "expired means gone";

  // The marker goes after the end retention: nothing is kept for ever.
  EXPECT_TRUE(run_until(
      io_,
      [&] {
        (void)st().sweep_expired();
        auto m = run_sync(io_, st().expired_epoch(id));
        return m && !m->has_value();
      },
      10s))
      << "the marker outlived the end retention (1.5 s)";
}

TEST_P(store_conformance, renew_restarts_the_ttl_of_an_open_stream_only) {
  store_limits l;
  l.end_retention = 3s;
  make_store(l);
  const auto id = fresh_id("renewed");
  ASSERT_TRUE(append(id, {new_event{"", "one", 1}}, std::nullopt, stream_options{{}, 10s}));
  std::this_thread::sleep_for(1s);
  auto before = info(id);
  ASSERT_TRUE(before.has_value()) << before.error().message();
  EXPECT_LE(before->expires_in, 9100ms) << "a second passed since the append";
  ASSERT_TRUE(renew(id).has_value());
  auto after = info(id);
  ASSERT_TRUE(after.has_value()) << after.error().message();
  // Back to (nearly) the whole TTL; 500 ms of slack for a loaded machine.
  EXPECT_GE(after->expires_in, 9500ms) << "renew did not restart the 10 s TTL";
  EXPECT_LE(after->expires_in, 10s);

  // Kept alive by renewals alone, well past its TTL (1.5 s TTL, renewed every 300 ms for 2.4 s).
  const auto kept = fresh_id("kept");
  ASSERT_TRUE(append(kept, {new_event{"", "one", 1}}, std::nullopt, stream_options{{}, 1500ms}));
  for (int i = 0; i < 8; ++i) {
    std::this_thread::sleep_for(300ms);
    auto r = renew(kept);
    ASSERT_TRUE(r.has_value()) << "renewal " << i << ": " << r.error().message();
  }
  auto read = read_after(kept, 0);
  ASSERT_TRUE(read.has_value()) << "a stream renewed within its TTL expired: "
                                << read.error().message();
  EXPECT_EQ(read->events.size(), 1u);

  // An ended stream keeps its end retention: renew answers but does not lengthen it.
  ASSERT_TRUE(end(id).has_value());
  ASSERT_TRUE(renew(id).has_value());
  auto ended = info(id);
  ASSERT_TRUE(ended.has_value()) << ended.error().message();
  EXPECT_LE(ended->expires_in, 3s) << "renew lengthened an ended stream past its retention";

  EXPECT_EQ(renew(fresh_id("never")).error(), errc::stream_not_found);
}

}  // namespace
}  // namespace sse::store::conformance
