#include "redis/multiplexer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sse::redis {
namespace {

pending_ptr make(std::initializer_list<std::string_view> command, int* done_count = nullptr) {
  request r;
  r.push_argv(std::vector<std::string_view>(command));
  auto p = std::make_shared<pending>(std::move(r));
  if (done_count != nullptr) {
    p->on_done = [done_count] { ++*done_count; };
  }
  return p;
}

TEST(multiplexer, writes_everything_pending_in_one_buffer) {
  multiplexer m;
  m.add(make({"PING"}));
  m.add(make({"GET", "k"}));
  EXPECT_TRUE(m.has_unwritten());
  EXPECT_EQ(m.take_write(), "*1\r\n$4\r\nPING\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\n");
  EXPECT_FALSE(m.has_unwritten());
  EXPECT_EQ(m.take_write(), "");
  m.add(make({"PING"}));
  EXPECT_EQ(m.take_write(), "*1\r\n$4\r\nPING\r\n");  // only what is new
}

TEST(multiplexer, matches_replies_in_order_across_split_reads) {
  multiplexer m;
  int done = 0;
  auto a = make({"PING"}, &done);
  auto b = make({"GET", "k"}, &done);
  m.add(a);
  m.add(b);
  m.take_write();
  EXPECT_FALSE(m.on_read("+PO"));
  EXPECT_EQ(done, 0);
  EXPECT_FALSE(m.on_read("NG\r\n$3\r\nv"));
  EXPECT_EQ(done, 1);
  EXPECT_TRUE(a->done);
  EXPECT_EQ(a->replies.at(0).str, "PONG");
  EXPECT_FALSE(b->done);
  EXPECT_FALSE(m.on_read("al\r\n"));
  EXPECT_EQ(done, 2);
  EXPECT_EQ(b->replies.at(0).str, "val");
  EXPECT_EQ(m.size(), 0u);
}

TEST(multiplexer, a_multi_command_request_collects_one_reply_per_command) {
  multiplexer m;
  request r;
  r.push("SCRIPT", "LOAD", "return 1");
  r.push("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", 0);
  auto p = std::make_shared<pending>(std::move(r));
  m.add(p);
  m.take_write();
  EXPECT_FALSE(m.on_read("$40\r\ne0e1f9fabfc9d4800c877a703b823ac0578ff8db\r\n"));
  EXPECT_FALSE(p->done);
  EXPECT_FALSE(m.on_read(":1\r\n"));
  ASSERT_TRUE(p->done);
  ASSERT_EQ(p->replies.size(), 2u);
  EXPECT_EQ(p->replies[1].integer, 1);
}

TEST(multiplexer, error_replies_are_values_not_failures) {
  multiplexer m;
  auto p = make({"EVALSHA", "x", "0"});
  m.add(p);
  m.take_write();
  EXPECT_FALSE(m.on_read("-NOSCRIPT No matching script.\r\n"));
  ASSERT_TRUE(p->done);
  EXPECT_FALSE(p->ec);
  EXPECT_TRUE(p->replies[0].error_starts_with("NOSCRIPT"));
}

TEST(multiplexer, abandoned_written_request_still_consumes_its_reply) {
  multiplexer m;
  int done = 0;
  auto slow = make({"GET", "a"}, &done);
  auto next = make({"GET", "b"}, &done);
  m.add(slow);
  m.add(next);
  m.take_write();
  m.abandon(slow);  // its waiter timed out; the server will still answer it
  EXPECT_FALSE(m.on_read("$1\r\nA\r\n$1\r\nB\r\n"));
  EXPECT_EQ(done, 1);  // only `next` had a waiter
  EXPECT_EQ(next->replies.at(0).str, "B");
}

TEST(multiplexer, abandoned_unwritten_request_is_never_sent) {
  multiplexer m;
  auto gone = make({"GET", "a"});
  auto kept = make({"GET", "b"});
  m.add(gone);
  m.add(kept);
  m.abandon(gone);
  EXPECT_EQ(m.take_write(), "*2\r\n$3\r\nGET\r\n$1\r\nb\r\n");
  EXPECT_EQ(m.size(), 1u);
}

TEST(multiplexer, fail_all_completes_everything_with_the_error_and_resets_input) {
  multiplexer m;
  int done = 0;
  auto a = make({"PING"}, &done);
  auto b = make({"PING"}, &done);
  m.add(a);
  m.take_write();
  m.add(b);
  EXPECT_FALSE(m.on_read("+PA"));  // partial reply of the old link
  m.fail_all(errc::store_unavailable);
  EXPECT_EQ(done, 2);
  EXPECT_EQ(a->ec, errc::store_unavailable);
  EXPECT_EQ(b->ec, errc::store_unavailable);
  EXPECT_EQ(m.size(), 0u);
  auto c = make({"PING"});
  m.add(c);
  m.take_write();
  EXPECT_FALSE(m.on_read("+PONG\r\n"));  // the new link starts clean
  EXPECT_EQ(c->replies.at(0).str, "PONG");
}

TEST(multiplexer, unsolicited_reply_or_garbage_is_a_protocol_error) {
  multiplexer m;
  EXPECT_EQ(m.on_read("+OK\r\n"), errc::internal);
  multiplexer m2;
  m2.add(make({"PING"}));
  m2.take_write();
  EXPECT_EQ(m2.on_read("!!\r\n"), errc::internal);
}

TEST(multiplexer, a_reply_before_the_request_was_written_is_an_error) {
  multiplexer m;
  m.add(make({"PING"}));
  EXPECT_EQ(m.on_read("+PONG\r\n"), errc::internal);
}

TEST(multiplexer, a_reply_its_request_does_not_expect_stops_the_matching) {
  // The PING's own reply was lost: the next one (the GET's) reaches it. Nothing more may be
  // matched, least of all the bytes after it to the GET.
  multiplexer m;
  int done = 0;
  auto ping = make({"PING"}, &done);
  ping->expect = [](const reply& r) { return r.type == reply_type::status && r.str == "PONG"; };
  auto get = make({"GET", "k"}, &done);
  m.add(ping);
  m.add(get);
  m.take_write();
  EXPECT_EQ(m.on_read("$3\r\nval\r\n+PONG\r\n"), errc::internal);
  EXPECT_EQ(done, 0);
  EXPECT_TRUE(get->replies.empty());
  m.fail_all(errc::store_unavailable);
  EXPECT_EQ(done, 2);

  multiplexer in_step;
  auto ok = make({"PING"});
  ok->expect = ping->expect;
  in_step.add(ok);
  in_step.take_write();
  EXPECT_FALSE(in_step.on_read("+PONG\r\n"));
  EXPECT_TRUE(ok->done);
}

TEST(multiplexer, subscriber_mode_routes_messages_to_the_push_handler) {
  multiplexer m(/*subscriber_mode=*/true);
  std::vector<reply> pushes;
  m.set_push_handler([&](reply&& r) { pushes.push_back(std::move(r)); });
  auto sub = make({"SUBSCRIBE", "ch"});
  m.add(sub);
  m.take_write();
  EXPECT_FALSE(
      m.on_read("*3\r\n$9\r\nsubscribe\r\n$2\r\nch\r\n:1\r\n"
                "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$5\r\nhello\r\n"
                "*4\r\n$8\r\npmessage\r\n$2\r\nc*\r\n$2\r\nch\r\n$2\r\nhi\r\n"));
  ASSERT_TRUE(sub->done);
  EXPECT_EQ(sub->replies.at(0).elements.at(0).str, "subscribe");
  ASSERT_EQ(pushes.size(), 2u);
  EXPECT_EQ(pushes[0].elements[2].str, "hello");
  EXPECT_EQ(pushes[1].elements[3].str, "hi");
}

TEST(multiplexer, a_request_answered_by_push_is_done_once_written_and_keeps_the_order) {
  // SUNSUBSCRIBE on a sharded link: its answer is indistinguishable from the server's unasked
  // `sunsubscribe` push, so nothing waits for it and the replies after it still match.
  multiplexer m(/*subscriber_mode=*/true);
  std::vector<reply> pushes;
  m.set_push_handler([&](reply&& r) { pushes.push_back(std::move(r)); });
  auto unsub = make({"SUNSUBSCRIBE", "ch"});
  unsub->answered_by_push = true;
  auto ping = make({"PING"});
  m.add(unsub);
  m.add(ping);
  EXPECT_EQ(m.take_write(), "*2\r\n$12\r\nSUNSUBSCRIBE\r\n$2\r\nch\r\n*1\r\n$4\r\nPING\r\n");
  EXPECT_TRUE(unsub->done);
  EXPECT_FALSE(ping->done);
  EXPECT_EQ(m.size(), 1u);
  EXPECT_FALSE(
      m.on_read("*3\r\n$12\r\nsunsubscribe\r\n$2\r\nch\r\n:0\r\n"
                "*2\r\n$4\r\npong\r\n$0\r\n\r\n"));
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(pushes[0].elements[0].str, "sunsubscribe");
  ASSERT_TRUE(ping->done);
  EXPECT_EQ(ping->replies.at(0).elements.at(0).str, "pong");
}

TEST(multiplexer, command_mode_treats_message_arrays_as_replies) {
  multiplexer m;
  bool pushed = false;
  m.set_push_handler([&](reply&&) { pushed = true; });
  auto p = make({"LRANGE", "l", "0", "-1"});
  m.add(p);
  m.take_write();
  EXPECT_FALSE(m.on_read("*3\r\n$7\r\nmessage\r\n$1\r\na\r\n$1\r\nb\r\n"));
  EXPECT_FALSE(pushed);
  EXPECT_TRUE(p->done);
}

TEST(multiplexer, failure_at_every_byte_boundary_leaves_no_request_behind) {
  // Failure matrix (every cut point, not a lucky one): the link dies after n bytes of the replies,
  // for every n.
  const std::string replies = "+PONG\r\n$3\r\nabc\r\n:5\r\n";
  for (std::size_t n = 0; n <= replies.size(); ++n) {
    multiplexer m;
    std::vector<pending_ptr> ps = {make({"PING"}), make({"GET", "k"}), make({"INCR", "n"})};
    for (auto& p : ps) {
      m.add(p);
    }
    m.take_write();
    EXPECT_FALSE(m.on_read(std::string_view(replies).substr(0, n)));
    m.fail_all(errc::store_unavailable);
    for (auto& p : ps) {
      EXPECT_TRUE(p->done) << n;
      EXPECT_TRUE(p->ec || p->replies.size() == 1) << n;
    }
    EXPECT_EQ(m.size(), 0u);
  }
}

}  // namespace
}  // namespace sse::redis
