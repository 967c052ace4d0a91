// Conformance: an expired stream leaves a small marker of its epoch for the end retention, and
// the marker expires too. Both stores expire in real time here (short TTLs, bounded waits): the
// memory store from its sweep or lookup, the Redis store from its keyspace notification.

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

}  // namespace
}  // namespace sse::store::conformance
