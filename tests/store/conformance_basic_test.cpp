// Conformance: creation, append, info, end, remove and Producer-Seq idempotency.

#include "core/epoch.hpp"
#include "store_conformance.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::store::conformance {
namespace {

using stream::new_event;

TEST_P(store_conformance, create_reports_new_then_existing) {
  EXPECT_TRUE(st().available());
  auto id = fresh_id();
  auto a = create(id);
  ASSERT_TRUE(a.has_value()) << a.error().message();
  EXPECT_TRUE(a->created);
  EXPECT_TRUE(core::is_valid_epoch(a->epoch)) << a->epoch;
  auto b = create(id);
  ASSERT_TRUE(b.has_value());
  EXPECT_FALSE(b->created);
  EXPECT_EQ(b->epoch, a->epoch);

  auto i = info(id);
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(i->epoch, a->epoch);
  EXPECT_EQ(i->status, stream_status::open);
  EXPECT_EQ(i->last_seq, 0u);
  EXPECT_EQ(i->first_seq, 0u);
  EXPECT_EQ(i->buffered_count, 0u);
  auto r = read_after(id, 0);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->epoch, a->epoch);
  EXPECT_EQ(r->last_seq, 0u);
  EXPECT_FALSE(r->ended);
  EXPECT_TRUE(r->events.empty());
}

// create reports the stream's own limits, so that PUT can tell a retry from a request for other
// limits (409 stream_config_differs): a new stream's as asked (or the defaults), an existing or
// ended one's as created, whatever the later create asks for.
TEST_P(store_conformance, create_reports_the_streams_own_limits) {
  store_limits limits;
  limits.buffer_limit = 7;
  limits.ttl = std::chrono::seconds(90);
  make_store(limits);
  auto id = fresh_id();
  auto a = create(id, stream_options{10, std::chrono::seconds(60)});
  ASSERT_TRUE(a.has_value()) << a.error().message();
  EXPECT_EQ(a->buffer_limit, 10u);
  EXPECT_EQ(a->ttl, std::chrono::seconds(60));
  auto b = create(id, stream_options{20, std::chrono::seconds(120)});
  ASSERT_TRUE(b.has_value());
  EXPECT_FALSE(b->created);
  EXPECT_EQ(b->buffer_limit, 10u);
  EXPECT_EQ(b->ttl, std::chrono::seconds(60));
  ASSERT_TRUE(end(id).has_value());
  auto ended = create(id, {});
  ASSERT_TRUE(ended.has_value());
  EXPECT_FALSE(ended->created);
  EXPECT_EQ(ended->buffer_limit, 10u);
  EXPECT_EQ(ended->ttl, std::chrono::seconds(60));

  auto appended = fresh_id();
  ASSERT_TRUE(append(appended, {new_event{"", "one", 1}}).has_value());
  auto d = create(appended, stream_options{5, {}});
  ASSERT_TRUE(d.has_value());
  EXPECT_FALSE(d->created);
  EXPECT_EQ(d->buffer_limit, 7u);
  EXPECT_EQ(d->ttl, std::chrono::seconds(90));
}

TEST_P(store_conformance, unknown_stream_is_not_found) {
  auto id = fresh_id();
  EXPECT_EQ(info(id).error(), errc::stream_not_found);
  EXPECT_EQ(read_after(id, 0).error(), errc::stream_not_found);
  EXPECT_EQ(remove(id).error(), errc::stream_not_found);
  EXPECT_EQ(end(id).error(), errc::stream_not_found);
  EXPECT_EQ(info(id).error(), errc::stream_not_found) << "end of an unknown stream creates nothing";
}

TEST_P(store_conformance, append_creates_the_stream) {
  auto id = fresh_id();
  auto a = append(id, {new_event{"", "one", 1}});
  ASSERT_TRUE(a.has_value()) << a.error().message();
  EXPECT_TRUE(a->created);
  EXPECT_FALSE(a->duplicate);
  EXPECT_TRUE(core::is_valid_epoch(a->epoch));
  EXPECT_EQ(a->first_seq, 1u);
  EXPECT_EQ(a->last_seq, 1u);
  EXPECT_TRUE(a->evicted.empty());
  auto b = append(id, {new_event{"", "two", 1}});
  ASSERT_TRUE(b.has_value());
  EXPECT_FALSE(b->created);
  EXPECT_EQ(b->epoch, a->epoch);
  EXPECT_EQ(b->first_seq, 2u);
  EXPECT_EQ(b->last_seq, 2u);
  auto c = create(id);
  ASSERT_TRUE(c.has_value());
  EXPECT_FALSE(c->created);
  EXPECT_EQ(c->epoch, a->epoch);
}

TEST_P(store_conformance, batch_gets_contiguous_seqs_and_exact_frames) {
  auto id = fresh_id();
  auto c = create(id);
  ASSERT_TRUE(c.has_value());
  ASSERT_TRUE(append(id, {new_event{"", "first", 1}}).has_value());
  std::vector<new_event> batch = {new_event{"delta", "a", 1},
                                  new_event{"", "multi\nline\r\ndata", 0},
                                  new_event{"usage", "", 3}, new_event{"x.y:z-1", "{\"k\":1}", 2}};
  auto a = append(id, batch);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->first_seq, 2u);
  EXPECT_EQ(a->last_seq, 5u);
  EXPECT_EQ(a->epoch, c->epoch);

  auto r = read_after(id, 0);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->last_seq, 5u);
  ASSERT_EQ(r->events.size(), 5u);
  for (std::size_t i = 0; i < 5; ++i) {
    const auto& e = r->events[i];
    EXPECT_EQ(e.seq, i + 1);
    EXPECT_FALSE(e.is_end);
    ASSERT_TRUE(e.frame);
    if (i == 0) {
      continue;
    }
    const auto& src = batch[i - 1];
    EXPECT_EQ(e.priority, src.priority);
    EXPECT_EQ(e.size_bytes, stream::event_size_bytes(src.type.size(), src.data.size()));
    EXPECT_EQ(*e.frame, stream::encode_event(c->epoch, e.seq, src.type, src.data));
  }
}

TEST_P(store_conformance, create_options_set_limit_and_ttl) {
  auto id = fresh_id();
  stream_options o;
  o.buffer_limit = 7;
  o.ttl = std::chrono::seconds(90);
  ASSERT_TRUE(create(id, o).has_value());
  auto i = info(id);
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(i->buffer_limit, 7u);
  EXPECT_EQ(i->buffer_max_bytes, store_limits{}.buffer_max_bytes);
  EXPECT_GT(i->expires_in.count(), 0);
  EXPECT_LE(i->expires_in, std::chrono::seconds(90));
}

TEST_P(store_conformance, append_applies_create_options_only_when_it_creates) {
  auto id = fresh_id();
  stream_options o;
  o.buffer_limit = 2;
  auto a = append(id, {new_event{"", "a", 1}}, std::nullopt, o);
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(info(id)->buffer_limit, 2u);
  o.buffer_limit = 50;
  ASSERT_TRUE(append(id, {new_event{"", "b", 1}}, std::nullopt, o).has_value());
  EXPECT_EQ(info(id)->buffer_limit, 2u);
  auto c = append(id, {new_event{"", "c", 1}});
  ASSERT_TRUE(c.has_value());
  ASSERT_EQ(c->evicted.size(), 1u) << "the stream's own limit of 2 applies";
  EXPECT_EQ(c->evicted[0].seq, 1u);
}

TEST_P(store_conformance, info_fields) {
  store_limits limits;
  limits.buffer_limit = 3;
  limits.buffer_max_bytes = 1000;
  limits.ttl = std::chrono::seconds(600);
  make_store(limits);
  auto id = fresh_id();
  ASSERT_TRUE(append(id, {sized_event(1, 10, "t"), sized_event(0, 5)}).has_value());
  auto a = append(id, {sized_event(2, 20), sized_event(1, 7)});
  ASSERT_TRUE(a.has_value());
  ASSERT_EQ(a->evicted.size(), 1u);
  EXPECT_EQ(a->evicted[0].seq, 2u);
  auto i = info(id);
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(i->epoch, a->epoch);
  EXPECT_EQ(i->status, stream_status::open);
  EXPECT_EQ(i->last_seq, 4u);
  EXPECT_EQ(i->first_seq, 1u);
  EXPECT_EQ(i->buffered_count, 3u);
  EXPECT_EQ(i->buffered_bytes, 11u + 20u + 7u + 3 * stream::event_overhead_bytes);
  EXPECT_EQ(i->trimmed_count, 1u);
  EXPECT_EQ(i->buffer_limit, 3u);
  EXPECT_EQ(i->buffer_max_bytes, 1000u);
  EXPECT_GT(core::to_unix_ms(i->created_at), 1'500'000'000'000);
  EXPECT_LE(i->created_at, i->updated_at);
  EXPECT_GT(i->expires_in.count(), 0);
  EXPECT_LE(i->expires_in, std::chrono::seconds(600));
}

// ---- Producer-Seq ----

TEST_P(store_conformance, producer_seq_applies_when_it_is_the_next_seq) {
  auto id = fresh_id();
  auto a = append(id, {new_event{"", "a", 1}}, 1);
  ASSERT_TRUE(a.has_value()) << a.error().message();
  EXPECT_TRUE(a->created);
  EXPECT_EQ(a->first_seq, 1u);
  auto b = append(id, {new_event{"", "b", 1}, new_event{"", "c", 1}}, 2);
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->first_seq, 2u);
  EXPECT_EQ(b->last_seq, 3u);
  EXPECT_FALSE(b->duplicate);
}

TEST_P(store_conformance, producer_seq_retry_returns_the_original_result) {
  store_limits limits;
  limits.buffer_limit = 3;
  make_store(limits);
  auto id = fresh_id();
  ASSERT_TRUE(append(id, {new_event{"", "a", 1}, new_event{"", "b", 1}}, 1).has_value());
  auto first = append(id, {new_event{"", "c", 1}, new_event{"", "d", 1}}, 3);
  ASSERT_TRUE(first.has_value());
  ASSERT_EQ(first->evicted.size(), 1u);
  EXPECT_EQ(first->trimmed, 1u);
  auto retry = append(id, {new_event{"", "c", 1}, new_event{"", "d", 1}}, 3);
  ASSERT_TRUE(retry.has_value()) << retry.error().message();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_FALSE(retry->created);
  EXPECT_EQ(retry->epoch, first->epoch);
  EXPECT_EQ(retry->first_seq, 3u);
  EXPECT_EQ(retry->last_seq, 4u);
  EXPECT_TRUE(retry->evicted.empty()) << "a retry evicts nothing now";
  EXPECT_EQ(retry->trimmed, 1u) << "and answers the original's trimmed count";
  auto i = info(id);
  EXPECT_EQ(i->last_seq, 4u) << "nothing appended by the retry";
  EXPECT_EQ(i->trimmed_count, 1u);
  // The producer goes on with the next seq.
  auto next = append(id, {new_event{"", "e", 1}}, 5);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->first_seq, 5u);
}

TEST_P(store_conformance, producer_seq_retry_answers_the_original_trimmed_count) {
  store_limits limits;
  limits.buffer_limit = 2;
  make_store(limits);
  auto id = fresh_id();
  const std::vector<new_event> batch(5, new_event{"", "x", 1});
  auto first = append(id, batch, 1);
  ASSERT_TRUE(first.has_value()) << first.error().message();
  EXPECT_EQ(first->trimmed, 3u);
  EXPECT_EQ(first->evicted.size(), 3u);
  auto retry = append(id, batch, 1);
  ASSERT_TRUE(retry.has_value()) << retry.error().message();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(retry->trimmed, 3u) << "the retry answers what the original did";
  EXPECT_TRUE(retry->evicted.empty()) << "but evicts nothing now";
  auto next = append(id, {new_event{"", "y", 1}}, 6);
  ASSERT_TRUE(next.has_value());
  EXPECT_EQ(next->trimmed, 1u);
  // Still the original's answer once the stream has ended (Redis: from the end tombstone).
  ASSERT_TRUE(end(id, stream_status::completed).has_value());
  auto after_end = append(id, batch, 1);
  ASSERT_TRUE(after_end.has_value()) << after_end.error().message();
  EXPECT_TRUE(after_end->duplicate);
  EXPECT_EQ(after_end->trimmed, 3u);
  auto next_again = append(id, {new_event{"", "y", 1}}, 6);
  ASSERT_TRUE(next_again.has_value()) << next_again.error().message();
  EXPECT_EQ(next_again->trimmed, 1u);
}

TEST_P(store_conformance, producer_seq_conflicts) {
  auto id = fresh_id();
  ASSERT_TRUE(append(id, {new_event{"", "a", 1}, new_event{"", "b", 1}}, 1).has_value());
  EXPECT_EQ(append(id, {new_event{"", "x", 1}}, 5).error(), errc::producer_seq_conflict);
  EXPECT_EQ(append(id, {new_event{"", "x", 1}}, 2).error(), errc::producer_seq_conflict)
      << "inside an applied append but not its start";
  EXPECT_EQ(append(id, {new_event{"", "x", 1}}, 1).error(), errc::producer_seq_conflict)
      << "same start, different batch size";
  EXPECT_EQ(append(id, {new_event{"", "x", 1}}, 0).error(), errc::producer_seq_conflict);
  EXPECT_EQ(info(id)->last_seq, 2u);
  // Without Producer-Seq an append always goes through.
  EXPECT_EQ(append(id, {new_event{"", "y", 1}})->first_seq, 3u);
}

TEST_P(store_conformance, producer_seq_conflict_on_missing_stream_creates_nothing) {
  auto id = fresh_id();
  EXPECT_EQ(append(id, {new_event{"", "x", 1}}, 4).error(), errc::producer_seq_conflict);
  EXPECT_EQ(info(id).error(), errc::stream_not_found);
}

// ---- end ----

TEST_P(store_conformance, end_appends_the_end_event_once) {
  auto id = fresh_id();
  auto a = append(id, {new_event{"", "a", 1}, new_event{"", "b", 1}});
  ASSERT_TRUE(a.has_value());
  auto e = end(id, stream_status::failed);
  ASSERT_TRUE(e.has_value()) << e.error().message();
  EXPECT_EQ(e->epoch, a->epoch);
  EXPECT_EQ(e->last_seq, 3u);
  EXPECT_FALSE(e->already_ended);

  auto again = end(id, stream_status::completed);
  ASSERT_TRUE(again.has_value());
  EXPECT_TRUE(again->already_ended);
  EXPECT_EQ(again->last_seq, 3u);
  EXPECT_EQ(again->epoch, a->epoch);

  auto i = info(id);
  ASSERT_TRUE(i.has_value());
  EXPECT_EQ(i->status, stream_status::failed) << "the first end's status stays";
  EXPECT_EQ(i->last_seq, 3u);

  auto r = read_after(id, 0);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->ended);
  EXPECT_EQ(r->last_seq, 3u);
  ASSERT_EQ(r->events.size(), 3u);
  const auto& last = r->events.back();
  EXPECT_TRUE(last.is_end);
  EXPECT_EQ(last.seq, 3u);
  EXPECT_EQ(last.priority, max_priority);
  EXPECT_EQ(*last.frame, "id: " + a->epoch + ":3\nevent: end\ndata: {\"status\":\"failed\"}\n\n");
}

TEST_P(store_conformance, append_after_end_is_refused) {
  auto id = fresh_id();
  ASSERT_TRUE(append(id, {new_event{"", "a", 1}}, 1).has_value());
  ASSERT_TRUE(end(id).has_value());
  EXPECT_EQ(append(id, {new_event{"", "b", 1}}).error(), errc::stream_ended);
  EXPECT_EQ(append(id, {new_event{"", "b", 1}}, 3).error(), errc::stream_ended);
  // A retry of an append applied before the end is still answered as a duplicate.
  auto retry = append(id, {new_event{"", "a", 1}}, 1);
  ASSERT_TRUE(retry.has_value()) << retry.error().message();
  EXPECT_TRUE(retry->duplicate);
  EXPECT_EQ(info(id)->last_seq, 2u);
}

TEST_P(store_conformance, end_of_empty_stream) {
  auto id = fresh_id();
  ASSERT_TRUE(create(id).has_value());
  auto e = end(id);
  ASSERT_TRUE(e.has_value());
  EXPECT_EQ(e->last_seq, 1u);
  EXPECT_EQ(info(id)->status, stream_status::completed);
}

// ---- remove ----

TEST_P(store_conformance, remove_deletes_and_a_new_incarnation_starts_over) {
  auto id = fresh_id();
  auto a = append(id, {new_event{"", "a", 1}, new_event{"", "b", 1}});
  ASSERT_TRUE(a.has_value());
  ASSERT_TRUE(remove(id).has_value());
  EXPECT_EQ(info(id).error(), errc::stream_not_found);
  EXPECT_EQ(read_after(id, 0).error(), errc::stream_not_found);
  EXPECT_EQ(remove(id).error(), errc::stream_not_found);
  auto b = append(id, {new_event{"", "c", 1}});
  ASSERT_TRUE(b.has_value());
  EXPECT_TRUE(b->created);
  EXPECT_NE(b->epoch, a->epoch);
  EXPECT_EQ(b->first_seq, 1u);
  auto r = read_after(id, 0);
  ASSERT_EQ(r->events.size(), 1u);
  EXPECT_EQ(*r->events[0].frame, stream::encode_event(b->epoch, 1, "", "c"));
}

TEST_P(store_conformance, remove_ended_stream) {
  auto id = fresh_id();
  ASSERT_TRUE(append(id, {new_event{"", "a", 1}}).has_value());
  ASSERT_TRUE(end(id).has_value());
  ASSERT_TRUE(remove(id).has_value());
  EXPECT_EQ(info(id).error(), errc::stream_not_found);
  auto c = create(id);
  ASSERT_TRUE(c.has_value());
  EXPECT_TRUE(c->created);
  EXPECT_EQ(info(id)->status, stream_status::open);
}

}  // namespace
}  // namespace sse::store::conformance
