// The pub/sub bookkeeping shared by both subscribers, fed literal RESP (replies and pushes as
// the server writes them) and explicit times: no socket, no server, no sleeping.

#include "redis/pubsub_state.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "redis/reply_reader.hpp"

namespace sse::redis {
namespace {

using namespace std::chrono_literals;
using kind = push_meaning::kind;

/// The one reply in bytes.
reply resp(std::string_view bytes) {
  reply_reader reader;
  reader.feed(bytes);
  auto next = reader.next();
  EXPECT_TRUE(next && next->has_value()) << "incomplete RESP: " << bytes;
  return next && next->has_value() ? std::move(**next) : reply{};
}

const std::chrono::steady_clock::time_point t0{std::chrono::seconds(1000)};

// ---- commands ----

TEST(pubsub_state, plain_and_sharded_speak_their_own_commands) {
  pubsub_state plain(pubsub_kind::plain);
  EXPECT_EQ(plain.subscribe_command("ch").payload(), "*2\r\n$9\r\nSUBSCRIBE\r\n$2\r\nch\r\n");
  EXPECT_EQ(plain.unsubscribe_command("ch").payload(), "*2\r\n$11\r\nUNSUBSCRIBE\r\n$2\r\nch\r\n");
  EXPECT_FALSE(plain.unsubscribe_answered_by_push());
  pubsub_state sharded(pubsub_kind::sharded);
  EXPECT_EQ(sharded.subscribe_command("ch").payload(), "*2\r\n$10\r\nSSUBSCRIBE\r\n$2\r\nch\r\n");
  EXPECT_EQ(sharded.unsubscribe_command("ch").payload(),
            "*2\r\n$12\r\nSUNSUBSCRIBE\r\n$2\r\nch\r\n");
  EXPECT_TRUE(sharded.unsubscribe_answered_by_push());
}

// ---- channels ----

TEST(pubsub_state, a_channel_is_subscribed_once_and_confirmed_by_its_answer) {
  pubsub_state s(pubsub_kind::plain);
  EXPECT_FALSE(s.want("ch", ""));
  EXPECT_TRUE(s.wanted("ch"));
  EXPECT_FALSE(s.confirmed("ch"));
  EXPECT_FALSE(s.want("ch", ""));  // a second watcher before the answer: subscribes too
  EXPECT_EQ(s.on_subscribe_reply("ch", "", resp("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n")),
            subscribe_answer::confirmed);
  EXPECT_TRUE(s.confirmed("ch"));
  EXPECT_TRUE(s.want("ch", ""));  // later watchers find it confirmed
  EXPECT_EQ(s.channels().size(), 1u);
}

TEST(pubsub_state, an_error_or_another_shape_does_not_confirm) {
  pubsub_state s(pubsub_kind::sharded);
  s.want("ch", "a:1");
  EXPECT_EQ(s.on_subscribe_reply("ch", "a:1", resp("-MOVED 3300 127.0.0.1:7001\r\n")),
            subscribe_answer::refused);
  EXPECT_EQ(
      s.on_subscribe_reply("ch", "a:1", resp("*3\r\n$10\r\nssubscribe\r\n$5\r\nother\r\n:1\r\n")),
      subscribe_answer::malformed);
  EXPECT_EQ(s.on_subscribe_reply("ch", "a:1", resp("+OK\r\n")), subscribe_answer::malformed);
  EXPECT_FALSE(s.confirmed("ch"));
}

TEST(pubsub_state, an_answer_after_the_last_listener_left_brings_nothing_back) {
  pubsub_state s(pubsub_kind::plain);
  s.want("ch", "");
  EXPECT_EQ(s.forget("ch"), std::optional<link_name>(""));
  EXPECT_EQ(s.forget("ch"), std::nullopt);
  EXPECT_EQ(s.on_subscribe_reply("ch", "", resp("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n")),
            subscribe_answer::confirmed);
  EXPECT_FALSE(s.wanted("ch"));
  EXPECT_TRUE(s.channels().empty());
}

TEST(pubsub_state, a_channel_wanted_on_another_link_moves_there_unconfirmed) {
  pubsub_state s(pubsub_kind::sharded);
  s.want("ch", "a:1");
  s.on_subscribe_reply("ch", "a:1", resp("*3\r\n$10\r\nssubscribe\r\n$2\r\nch\r\n:1\r\n"));
  EXPECT_FALSE(s.want("ch", "b:2"));
  EXPECT_EQ(s.channels().at("ch").link, "b:2");
  EXPECT_FALSE(s.confirmed("ch"));
  // The late answer from the old link confirms nothing on the new one.
  s.on_subscribe_reply("ch", "a:1", resp("*3\r\n$10\r\nssubscribe\r\n$2\r\nch\r\n:1\r\n"));
  EXPECT_FALSE(s.confirmed("ch"));
  EXPECT_EQ(s.links_in_use(), (std::set<link_name>{"b:2"}));
}

// ---- links ----

TEST(pubsub_state, a_link_down_unconfirms_only_its_own_channels_and_probe) {
  pubsub_state s(pubsub_kind::sharded);
  const reply ok_a = resp("*3\r\n$10\r\nssubscribe\r\n$1\r\na\r\n:1\r\n");
  const reply ok_b = resp("*3\r\n$10\r\nssubscribe\r\n$1\r\nb\r\n:1\r\n");
  s.want("a", "n:1");
  s.on_subscribe_reply("a", "n:1", ok_a);
  s.want("b", "n:2");
  s.on_subscribe_reply("b", "n:2", ok_b);
  s.set_probe("n:1", "{0}probe");
  s.on_probe_subscribe_reply("n:1", "{0}probe",
                             resp("*3\r\n$10\r\nssubscribe\r\n$8\r\n{0}probe\r\n:2\r\n"));
  EXPECT_TRUE(s.probe_confirmed("n:1"));
  s.link_down("n:1");
  EXPECT_FALSE(s.confirmed("a"));
  EXPECT_FALSE(s.probe_confirmed("n:1"));
  EXPECT_TRUE(s.confirmed("b"));
  EXPECT_TRUE(s.wanted("a"));  // still wanted: the reconnect subscribes it again
}

TEST(pubsub_state, only_a_link_that_was_up_before_asks_for_a_resync) {
  pubsub_state s(pubsub_kind::plain);
  EXPECT_FALSE(s.has_been_up(""));
  EXPECT_FALSE(s.link_up(""));  // the first connect missed nothing
  EXPECT_TRUE(s.has_been_up(""));
  s.link_down("");
  EXPECT_TRUE(s.link_up(""));  // every later one may have
  s.forget_link("");
  EXPECT_FALSE(s.has_been_up(""));
}

TEST(pubsub_state, the_resubscribe_batch_names_the_links_channels_then_its_probe) {
  pubsub_state s(pubsub_kind::sharded);
  s.want("ch", "n:1");
  s.want("elsewhere", "n:2");
  s.set_probe("n:1", "{7}p");
  auto b = s.resubscribe("n:1");
  EXPECT_EQ(b.req.payload(),
            "*2\r\n$10\r\nSSUBSCRIBE\r\n$2\r\nch\r\n*2\r\n$10\r\nSSUBSCRIBE\r\n$4\r\n{7}p\r\n");
  EXPECT_EQ(b.channels, (std::vector<std::string>{"ch", "{7}p"}));
  std::vector<reply> replies{resp("*3\r\n$10\r\nssubscribe\r\n$2\r\nch\r\n:1\r\n"),
                             resp("*3\r\n$10\r\nssubscribe\r\n$4\r\n{7}p\r\n:2\r\n")};
  auto out = s.on_resubscribe_replies("n:1", b, replies);
  EXPECT_FALSE(out.refused);
  EXPECT_FALSE(out.malformed);
  EXPECT_TRUE(s.confirmed("ch"));
  EXPECT_TRUE(s.probe_confirmed("n:1"));
  EXPECT_FALSE(s.confirmed("elsewhere"));
  EXPECT_TRUE(s.resubscribe("n:3").req.empty());
}

TEST(pubsub_state, a_refused_resubscribe_is_reported_and_forgets_a_refused_probe) {
  pubsub_state s(pubsub_kind::sharded);
  s.want("ch", "n:1");
  s.set_probe("n:1", "{7}p");
  auto b = s.resubscribe("n:1");
  std::vector<reply> replies{resp("-MOVED 1 127.0.0.1:7002\r\n"),
                             resp("-MOVED 2 127.0.0.1:7002\r\n")};
  auto out = s.on_resubscribe_replies("n:1", b, replies);
  EXPECT_TRUE(out.refused);
  EXPECT_FALSE(out.malformed);
  EXPECT_FALSE(s.confirmed("ch"));
  EXPECT_TRUE(s.wanted("ch"));                 // the map check moves it
  EXPECT_EQ(s.probe_channel("n:1"), nullptr);  // the next round picks a tag this node owns
}

TEST(pubsub_state, a_resubscribe_answer_of_another_shape_or_count_is_malformed) {
  pubsub_state s(pubsub_kind::plain);
  s.want("ch", "");
  auto b = s.resubscribe("");
  std::vector<reply> wrong{resp("*3\r\n$9\r\nsubscribe\r\n$5\r\nother\r\n:1\r\n")};
  EXPECT_TRUE(s.on_resubscribe_replies("", b, wrong).malformed);
  EXPECT_TRUE(s.on_resubscribe_replies("", b, std::vector<reply>{}).malformed);
  EXPECT_FALSE(s.confirmed("ch"));
}

// ---- pushes ----

TEST(pubsub_state, plain_messages_and_pattern_messages_go_to_the_handler) {
  pubsub_state s(pubsub_kind::plain);
  const reply msg = resp("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n");
  auto m = s.classify("", msg);
  EXPECT_EQ(m.what, kind::message);
  EXPECT_EQ(m.channel, "ch");
  EXPECT_EQ(m.payload, "hello");
  const reply pmsg = resp("*4\r\n$8\r\npmessage\r\n$3\r\nch*\r\n$3\r\nch1\r\n$2\r\nhi\r\n");
  m = s.classify("", pmsg);
  EXPECT_EQ(m.what, kind::message);
  EXPECT_EQ(m.channel, "ch1");
  EXPECT_EQ(m.payload, "hi");
  // Sharded kinds mean nothing on a plain link.
  EXPECT_EQ(s.classify("", resp("*3\r\n$8\r\nsmessage\r\n$2\r\nch\r\n$1\r\nx\r\n")).what,
            kind::ignored);
  EXPECT_EQ(s.classify("", resp("*2\r\n$7\r\nmessage\r\n$2\r\nch\r\n")).what, kind::ignored);
}

TEST(pubsub_state, sharded_messages_go_to_the_handler) {
  pubsub_state s(pubsub_kind::sharded);
  const reply msg = resp("*3\r\n$8\r\nsmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n");
  auto m = s.classify("n:1", msg);
  EXPECT_EQ(m.what, kind::message);
  EXPECT_EQ(m.channel, "ch");
  EXPECT_EQ(m.payload, "hello");
  EXPECT_EQ(s.classify("n:1", resp("*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$1\r\nx\r\n")).what,
            kind::ignored);
}

TEST(pubsub_state, the_answer_to_our_sunsubscribe_is_told_from_a_slot_move) {
  pubsub_state s(pubsub_kind::sharded);
  const reply answer = resp("*3\r\n$12\r\nsunsubscribe\r\n$2\r\nch\r\n:0\r\n");
  s.want("ch", "n:1");
  s.on_subscribe_reply("ch", "n:1", resp("*3\r\n$10\r\nssubscribe\r\n$2\r\nch\r\n:1\r\n"));
  s.forget("ch");
  s.unsubscribe_sent("n:1", "ch");
  s.unsubscribe_sent("n:1", "ch");  // unsubscribed twice (subscribed again in between)
  EXPECT_EQ(s.classify("n:1", answer).what, kind::own_unsubscribe);
  EXPECT_EQ(s.classify("n:1", answer).what, kind::own_unsubscribe);
  // Every sent one is answered: the next one is the server's own.
  EXPECT_EQ(s.classify("n:1", answer).what, kind::moved);
  // Counted per link: the same channel's push from another link is a move there.
  s.unsubscribe_sent("n:1", "ch");
  EXPECT_EQ(s.classify("n:2", answer).what, kind::moved);
}

TEST(pubsub_state, an_unasked_sunsubscribe_unconfirms_the_channel) {
  pubsub_state s(pubsub_kind::sharded);
  s.want("ch", "n:1");
  s.on_subscribe_reply("ch", "n:1", resp("*3\r\n$10\r\nssubscribe\r\n$2\r\nch\r\n:1\r\n"));
  // m.channel views into the push: it must outlive m.
  const auto push = resp("*3\r\n$12\r\nsunsubscribe\r\n$2\r\nch\r\n:0\r\n");
  auto m = s.classify("n:1", push);
  EXPECT_EQ(m.what, kind::moved);
  EXPECT_EQ(m.channel, "ch");
  EXPECT_FALSE(s.confirmed("ch"));
  EXPECT_TRUE(s.wanted("ch"));  // to be subscribed where the slot lives now
}

TEST(pubsub_state, unsubscribes_unanswered_when_the_link_dropped_are_forgotten) {
  pubsub_state s(pubsub_kind::sharded);
  s.unsubscribe_sent("n:1", "ch");
  s.link_down("n:1");
  EXPECT_EQ(s.classify("n:1", resp("*3\r\n$12\r\nsunsubscribe\r\n$2\r\nch\r\n:0\r\n")).what,
            kind::moved);
}

TEST(pubsub_state, a_plain_unsubscribe_is_not_counted_its_answer_is_a_reply) {
  pubsub_state s(pubsub_kind::plain);
  s.unsubscribe_sent("", "ch");
  // A plain link never hears sunsubscribe; were it pushed, it would mean nothing.
  EXPECT_EQ(s.classify("", resp("*3\r\n$12\r\nsunsubscribe\r\n$2\r\nch\r\n:0\r\n")).what,
            kind::ignored);
}

// ---- probe ----

TEST(pubsub_state, probe_messages_are_tokens_not_messages) {
  pubsub_state s(pubsub_kind::plain, 500ms);
  s.set_probe("", "probe:x");
  const std::uint64_t token = s.next_probe_token();
  EXPECT_EQ(token, 1u);
  s.probe_published("", token, t0);
  EXPECT_FALSE(s.probes_back());
  auto m = s.classify("", resp("*3\r\n$7\r\nmessage\r\n$7\r\nprobe:x\r\n$1\r\n1\r\n"));
  EXPECT_EQ(m.what, kind::probe_token);
  EXPECT_TRUE(s.probes_back());
  auto verdicts = s.settle_probes(t0 + 1ms);
  ASSERT_TRUE(verdicts.has_value());
  ASSERT_EQ(verdicts->size(), 1u);
  EXPECT_TRUE((*verdicts)[0].ok);
  // Settled once: nothing outstanding any more.
  EXPECT_TRUE(s.settle_probes(t0 + 2ms)->empty());
}

TEST(pubsub_state, a_probe_token_not_back_by_its_deadline_fails_its_link) {
  pubsub_state s(pubsub_kind::plain, 500ms);
  s.set_probe("", "probe:x");
  s.on_probe_subscribe_reply("", "probe:x",
                             resp("*3\r\n$9\r\nsubscribe\r\n$7\r\nprobe:x\r\n:1\r\n"));
  s.probe_published("", s.next_probe_token(), t0);
  EXPECT_EQ(s.settle_probes(t0 + 499ms), std::nullopt);
  EXPECT_EQ(s.next_probe_deadline(t0 + 100ms), t0 + 500ms);
  // An older token coming back late does not answer for the newer one.
  s.probe_published("", s.next_probe_token(), t0);
  s.classify("", resp("*3\r\n$7\r\nmessage\r\n$7\r\nprobe:x\r\n$1\r\n1\r\n"));
  auto verdicts = s.settle_probes(t0 + 500ms);
  ASSERT_TRUE(verdicts.has_value());
  ASSERT_EQ(verdicts->size(), 2u);
  EXPECT_TRUE((*verdicts)[0].ok);
  EXPECT_FALSE((*verdicts)[1].ok);
  EXPECT_FALSE(s.probe_confirmed(""));  // the link is dropped; subscribed again at reconnect
}

TEST(pubsub_state, each_link_has_its_own_probe_deadline) {
  pubsub_state s(pubsub_kind::sharded, 500ms);
  s.set_probe("a:1", "{1}p");
  s.set_probe("b:2", "{2}p");
  const auto ta = s.next_probe_token();
  s.probe_published("a:1", ta, t0);
  const auto tb = s.next_probe_token();
  s.probe_published("b:2", tb, t0 + 100ms);
  EXPECT_EQ(tb, ta + 1);  // one sequence for every link
  EXPECT_EQ(s.next_probe_deadline(t0), t0 + 500ms);
  EXPECT_EQ(s.settle_probes(t0 + 500ms), std::nullopt);  // b's may still come
  EXPECT_EQ(s.next_probe_deadline(t0 + 500ms), t0 + 600ms);
  s.classify("b:2", resp("*3\r\n$8\r\nsmessage\r\n$4\r\n{2}p\r\n$1\r\n2\r\n"));
  auto verdicts = s.settle_probes(t0 + 550ms);
  ASSERT_TRUE(verdicts.has_value());
  ASSERT_EQ(verdicts->size(), 2u);
  EXPECT_EQ((*verdicts)[0].link, "a:1");
  EXPECT_FALSE((*verdicts)[0].ok);
  EXPECT_EQ((*verdicts)[1].link, "b:2");
  EXPECT_TRUE((*verdicts)[1].ok);
}

TEST(pubsub_state, a_probe_whose_slot_moved_during_the_wait_counts_as_back) {
  pubsub_state s(pubsub_kind::sharded, 500ms);
  s.set_probe("a:1", "{1}p");
  s.probe_published("a:1", s.next_probe_token(), t0);
  auto m = s.classify("a:1", resp("*3\r\n$12\r\nsunsubscribe\r\n$4\r\n{1}p\r\n:0\r\n"));
  EXPECT_EQ(m.what, kind::probe_moved);
  EXPECT_EQ(s.probe_channel("a:1"), nullptr);
  auto verdicts = s.settle_probes(t0);
  ASSERT_TRUE(verdicts.has_value());
  EXPECT_TRUE(verdicts->at(0).ok);
}

TEST(pubsub_state, naming_the_same_probe_again_keeps_it_another_starts_over) {
  pubsub_state s(pubsub_kind::plain, 500ms);
  s.set_probe("", "p");
  s.on_probe_subscribe_reply("", "p", resp("*3\r\n$9\r\nsubscribe\r\n$1\r\np\r\n:1\r\n"));
  s.set_probe("", "p");
  EXPECT_TRUE(s.probe_confirmed(""));
  s.set_probe("", "q");
  EXPECT_FALSE(s.probe_confirmed(""));
  // A late answer for the old channel confirms nothing; a refusal of it forgets nothing.
  s.on_probe_subscribe_reply("", "p", resp("*3\r\n$9\r\nsubscribe\r\n$1\r\np\r\n:1\r\n"));
  EXPECT_FALSE(s.probe_confirmed(""));
  s.on_probe_subscribe_reply("", "p", resp("-ERR no\r\n"));
  ASSERT_NE(s.probe_channel(""), nullptr);
  EXPECT_EQ(*s.probe_channel(""), "q");
}

TEST(pubsub_state, probe_channels_are_not_listed_as_channels) {
  pubsub_state s(pubsub_kind::plain, 500ms);
  s.set_probe("", "p");
  EXPECT_TRUE(s.channels().empty());
  EXPECT_TRUE(s.links_in_use().empty());
  s.forget_link("");
  EXPECT_EQ(s.probe_channel(""), nullptr);
}

}  // namespace
}  // namespace sse::redis
