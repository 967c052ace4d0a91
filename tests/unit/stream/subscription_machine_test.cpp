// The SSE subscription's decisions with byte strings and simulated time: no sockets, no clock.

#include "stream/subscription_machine.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "stream/sse_encoder.hpp"

namespace sse::stream {
namespace {

using namespace std::chrono_literals;
using machine = subscription_machine;
using step = machine::step;

const std::string epoch = "k3x9a0qz";

std::shared_ptr<const std::string> frame(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

stored_event event(seq_t seq, std::string data, bool is_end = false) {
  stored_event e;
  e.seq = seq;
  e.is_end = is_end;
  e.frame = frame(encode_event(epoch, seq, is_end ? "end" : "", data));
  return e;
}

std::shared_ptr<const event_batch> batch(std::vector<stored_event> events,
                                         std::string batch_epoch = epoch) {
  auto b = std::make_shared<event_batch>();
  b->stream_id = "s";
  b->epoch = std::move(batch_epoch);
  b->events = std::move(events);
  return b;
}

/// A machine on simulated time: `now` moves only when the test moves it.
struct harness {
  machine::time_point now{std::chrono::hours(1)};
  machine m{{.heartbeat = 15s, .max_queue_bytes = 100, .store_retry = 1s},
            frame(": heartbeat\n\n"),
            frame(": server shutting down\n\n")};

  harness(seq_t replayed_through = 0) {
    m.set_epoch(epoch);
    std::vector<stored_event> buffered;
    for (seq_t s = 1; s <= replayed_through; ++s) {
      buffered.push_back(event(s, "r" + std::to_string(s)));
    }
    replay_plan plan = plan_replay(epoch, 0, buffered, replayed_through);
    m.push_plan(plan);
    m.start(now);
  }

  /// The bytes next() asks to write (and completes the write), or "" when it asks for another
  /// step.
  std::string write_next() {
    const auto d = m.next(now);
    if (d.what != step::write && d.what != step::finish) {
      return "";
    }
    std::string bytes;
    for (const auto& f : m.frames()) {
      bytes += *f;
    }
    m.writing();
    m.written(now, true, bytes.size());
    return bytes;
  }
};

TEST(subscription_machine, replay_then_live_without_duplicates_at_the_hand_over) {
  harness h(2);
  EXPECT_EQ(h.write_next(), encode_event(epoch, 1, "", "r1") + encode_event(epoch, 2, "", "r2"));
  // Subscribed before the read: the live batch repeats seq 2, which was replayed.
  h.m.on_batch(batch({event(2, "r2"), event(3, "live3")}));
  EXPECT_EQ(h.write_next(), encode_event(epoch, 3, "", "live3"));
  EXPECT_EQ(h.m.last_delivered_seq(), 3U);
  EXPECT_EQ(h.m.delivered_events(), 3U);
}

TEST(subscription_machine, a_large_replay_leaves_no_large_vectors_behind) {
  // A full buffer replayed (300 frames in one write), then one live event: what a live
  // subscriber keeps between writes stays small.
  harness h(300);
  EXPECT_GE(h.m.held_slots(), 300U);
  EXPECT_FALSE(h.write_next().empty());
  EXPECT_LE(h.m.held_slots(), 3 * machine::kept_slots);
  h.m.on_batch(batch({event(301, "live")}));
  EXPECT_EQ(h.write_next(), encode_event(epoch, 301, "", "live"));
  EXPECT_LE(h.m.held_slots(), 3 * machine::kept_slots);
  EXPECT_EQ(h.m.delivered_events(), 301U);
}

TEST(subscription_machine, small_writes_keep_their_slots) {
  // The steady path: a write of a few frames must not give its capacity back, or the next
  // delivery would allocate again.
  harness h;
  h.m.on_batch(batch({event(1, "a"), event(2, "b")}));
  EXPECT_FALSE(h.write_next().empty());
  const std::size_t held = h.m.held_slots();
  EXPECT_GT(held, 0U);
  h.m.on_batch(batch({event(3, "c")}));
  EXPECT_FALSE(h.write_next().empty());
  EXPECT_EQ(h.m.held_slots(), held);
}

TEST(subscription_machine, frames_arriving_during_a_write_go_out_together) {
  harness h;
  h.m.on_batch(batch({event(1, "a")}));
  auto d = h.m.next(h.now);
  ASSERT_EQ(d.what, step::write);
  h.m.writing();
  h.m.on_batch(batch({event(2, "b")}));
  h.m.on_batch(batch({event(3, "c")}));
  h.m.written(h.now, true, h.m.frames()[0]->size());
  EXPECT_EQ(h.write_next(), encode_event(epoch, 2, "", "b") + encode_event(epoch, 3, "", "c"));
}

TEST(subscription_machine, a_hole_in_live_seqs_is_filled_by_a_reread) {
  harness h;
  h.m.on_batch(batch({event(1, "a")}));
  h.write_next();
  h.m.on_batch(batch({event(3, "c")}));  // seq 2's batch went missing
  auto d = h.m.next(h.now);
  ASSERT_EQ(d.what, step::reread);
  EXPECT_EQ(d.after, 1U);
  h.m.reread_done(epoch, {event(2, "b"), event(3, "c")}, 3, {});
  EXPECT_EQ(h.write_next(), encode_event(epoch, 2, "", "b") + encode_event(epoch, 3, "", "c"));
}

TEST(subscription_machine, a_trimmed_hole_found_by_a_reread_is_announced_as_a_gap) {
  harness h;
  h.m.on_resync();
  auto d = h.m.next(h.now);
  ASSERT_EQ(d.what, step::reread);
  h.m.reread_done(epoch, {event(3, "c")}, 3, {});
  EXPECT_EQ(h.write_next(), encode_gap(epoch, 1, 2) + encode_event(epoch, 3, "", "c"));
}

TEST(subscription_machine,
     a_store_that_cannot_be_read_is_retried_after_store_retry_with_heartbeats_meanwhile) {
  harness h;
  h.m.on_resync();
  ASSERT_EQ(h.m.next(h.now).what, step::reread);
  h.m.reread_failed(h.now, /*not_found=*/false);
  auto d = h.m.next(h.now);
  ASSERT_EQ(d.what, step::wait);
  EXPECT_EQ(d.until, h.now + 1s);
  h.now += 1s;
  EXPECT_EQ(h.m.next(h.now).what, step::reread);
}

TEST(subscription_machine, heartbeat_after_the_interval_without_a_write) {
  harness h;
  auto d = h.m.next(h.now);
  ASSERT_EQ(d.what, step::wait);
  EXPECT_EQ(d.until, h.now + 15s);
  h.now += 10s;
  h.m.on_batch(batch({event(1, "a")}));
  h.write_next();
  d = h.m.next(h.now);
  ASSERT_EQ(d.what, step::wait);
  EXPECT_EQ(d.until, h.now + 15s) << "the interval counts from the last write";
  h.now += 15s;
  EXPECT_EQ(h.write_next(), ": heartbeat\n\n");
}

TEST(subscription_machine, the_end_event_is_the_last_write) {
  harness h;
  h.m.on_batch(batch({event(1, "a"), event(2, "{}", /*is_end=*/true)}));
  auto d = h.m.next(h.now);
  ASSERT_EQ(d.what, step::write);
  EXPECT_TRUE(d.last);
  h.m.writing();
  h.m.written(h.now, true, 0);
  EXPECT_TRUE(h.m.end_written());
  EXPECT_EQ(h.m.end(), machine::ending::end_event);
  EXPECT_EQ(h.m.next(h.now).what, step::close);
  // Nothing after the end is queued.
  h.m.on_batch(batch({event(3, "late")}));
  EXPECT_EQ(h.m.queued_bytes(), 0U);
}

TEST(subscription_machine, a_subscriber_that_does_not_read_is_slow_only_while_a_write_is_blocked) {
  harness h;
  const std::string big(80, 'x');
  EXPECT_FALSE(h.m.on_batch(batch({event(1, big)}))) << "an idle writer takes a big batch at once";
  ASSERT_EQ(h.m.next(h.now).what, step::write);
  h.m.writing();
  EXPECT_TRUE(h.m.on_batch(batch({event(2, big)})));
  EXPECT_TRUE(h.m.slow());
  EXPECT_GT(h.m.dropped_queue_bytes(), 100U);
  h.m.written(h.now, false, 0);
  EXPECT_EQ(h.m.next(h.now).what, step::close) << "no final chunk for a slow client";
}

TEST(subscription_machine, token_expiry_ends_the_stream_with_its_frame) {
  harness h;
  h.m.set_token_deadline(h.now + 5s, frame("event: error\ndata: {}\n\n"));
  auto d = h.m.next(h.now);
  ASSERT_EQ(d.what, step::wait);
  EXPECT_EQ(d.until, h.now + 5s);
  h.now += 5s;
  d = h.m.next(h.now);
  ASSERT_EQ(d.what, step::finish);
  EXPECT_EQ(h.m.end(), machine::ending::token_expired);
  ASSERT_EQ(h.m.frames().size(), 1U);
  EXPECT_EQ(*h.m.frames()[0], "event: error\ndata: {}\n\n");
}

TEST(subscription_machine,
     an_hour_on_a_manual_steady_clock_holds_a_heartbeat_every_interval_and_nothing_else) {
  // Driven the way the SSE writer drives it (sleep until `until`, then ask again), with the
  // sleeping done by advancing an injected monotonic clock: an hour passes in no time.
  core::manual_steady_clock clock;
  machine m{{.heartbeat = 15s, .max_queue_bytes = 100, .store_retry = 1s},
            frame(": heartbeat\n\n"),
            frame(": server shutting down\n\n")};
  m.set_epoch(epoch);
  replay_plan plan = plan_replay(epoch, 0, {}, 0);
  m.push_plan(plan);
  m.start(clock.now());
  const auto started = clock.now();
  std::vector<machine::time_point> heartbeats;
  for (int round = 0; round < 1000 && clock.now() - started <= 1h; ++round) {
    const auto d = m.next(clock.now());
    if (d.what == step::wait) {
      ASSERT_GT(d.until, clock.now());
      clock.advance(d.until - clock.now());
      continue;
    }
    ASSERT_EQ(d.what, step::write);
    ASSERT_EQ(m.frames().size(), 1U);
    EXPECT_EQ(*m.frames()[0], ": heartbeat\n\n");
    heartbeats.push_back(clock.now());
    m.writing();
    m.written(clock.now(), true, m.frames()[0]->size());
  }
  ASSERT_EQ(heartbeats.size(), 240U);  // 3600 s / 15 s
  for (std::size_t i = 0; i < heartbeats.size(); ++i) {
    EXPECT_EQ(heartbeats[i] - started, 15s * static_cast<int>(i + 1));
  }
}

TEST(subscription_machine, shutdown_and_deletion_finish_the_response) {
  harness shut;
  shut.m.on_shutdown();
  EXPECT_EQ(shut.write_next(), ": server shutting down\n\n");
  EXPECT_EQ(shut.m.end(), machine::ending::shutdown);

  harness deleted;
  deleted.m.on_gone();
  auto d = deleted.m.next(deleted.now);
  EXPECT_EQ(d.what, step::finish);
  EXPECT_TRUE(deleted.m.frames().empty()) << "the final chunk alone";
}

TEST(subscription_machine, batches_queued_before_shutdown_go_out_before_the_shutdown_comment) {
  harness live;
  live.m.on_batch(batch({event(1, "a"), event(2, "b")}));
  live.m.on_shutdown();
  EXPECT_EQ(live.write_next(), encode_event(epoch, 1, "", "a") + encode_event(epoch, 2, "", "b"));
  EXPECT_EQ(live.write_next(), ": server shutting down\n\n");
  EXPECT_EQ(live.m.end(), machine::ending::shutdown);
  EXPECT_EQ(live.m.delivered_events(), 2U);

  // A stream that ended just before the shutdown reaches the client with its end, no comment.
  harness ended;
  ended.m.on_batch(batch({event(1, "a"), event(2, "{}", true)}));
  ended.m.on_shutdown();
  EXPECT_EQ(ended.write_next(),
            encode_event(epoch, 1, "", "a") + encode_event(epoch, 2, "end", "{}"));
  EXPECT_EQ(ended.m.next(ended.now).what, step::close);
  EXPECT_EQ(ended.m.end(), machine::ending::end_event);
}

TEST(subscription_machine, a_batch_of_a_new_incarnation_ends_the_subscription) {
  harness h;
  h.m.on_batch(batch({event(1, "a")}, "newepoch1"));
  EXPECT_EQ(h.m.next(h.now).what, step::finish);
  EXPECT_EQ(h.m.end(), machine::ending::gone);
}

TEST(subscription_machine, a_write_cut_short_counts_only_the_whole_frames_it_delivered) {
  harness h(3);
  ASSERT_EQ(h.m.next(h.now).what, step::write);
  h.m.writing();
  const auto first = h.m.frames()[0]->size();
  const auto d = h.m.written(h.now, false, first + 1);
  EXPECT_EQ(d.events, 1U);
  EXPECT_EQ(h.m.next(h.now).what, step::close);
}

}  // namespace
}  // namespace sse::stream
