// The NOSCRIPT reload both clients use, against a sender that answers with literal RESP: which
// commands go out in which round, and what the caller gets back.

#include "redis/noscript_reload.hpp"

#include <gtest/gtest.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <deque>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "redis/reply_reader.hpp"

namespace sse::redis {
namespace {

namespace net = boost::asio;

/// Every reply in bytes, in order.
std::vector<reply> resp(std::string_view bytes) {
  reply_reader reader;
  reader.feed(bytes);
  std::vector<reply> out;
  for (auto next = reader.next(); next && next->has_value(); next = reader.next()) {
    out.push_back(std::move(**next));
  }
  return out;
}

/// A server scripted round by round; records whether each round loaded the script first.
struct scripted_server {
  std::deque<result<std::vector<reply>>> rounds;
  std::vector<bool> loads;

  script_sender sender() {
    return [this](bool load_first) -> net::awaitable<result<std::vector<reply>>> {
      loads.push_back(load_first);
      auto r = std::move(rounds.front());
      rounds.pop_front();
      co_return r;
    };
  }
};

result<reply> call(scripted_server& server, int max_reloads) {
  net::io_context io;
  std::optional<result<reply>> out;
  net::co_spawn(io, call_with_noscript_reload(server.sender(), max_reloads),
                [&](std::exception_ptr e, result<reply> r) {
                  ASSERT_FALSE(e);
                  out = std::move(r);
                });
  io.run();
  EXPECT_TRUE(out.has_value());
  return out.value_or(result<reply>(errc::internal));
}

TEST(noscript_reload, a_known_script_answers_in_one_round) {
  scripted_server server;
  server.rounds.push_back(resp(":7\r\n"));
  auto r = call(server, 1);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->integer, 7);
  EXPECT_EQ(server.loads, (std::vector<bool>{false}));
}

TEST(noscript_reload, noscript_loads_and_calls_again_in_one_round_trip) {
  scripted_server server;
  server.rounds.push_back(resp("-NOSCRIPT No matching script. Please use EVAL.\r\n"));
  server.rounds.push_back(resp("$40\r\ne0e1f9fabfc9d4800c877a703b823ac0578ff8db\r\n:1\r\n"));
  auto r = call(server, 1);
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->integer, 1);
  EXPECT_EQ(server.loads, (std::vector<bool>{false, true}));
}

TEST(noscript_reload, other_error_replies_are_the_callers_values) {
  scripted_server server;
  server.rounds.push_back(resp("-ERR wrong number of arguments\r\n"));
  auto r = call(server, 1);
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(r->error_starts_with("ERR"));
  EXPECT_EQ(server.loads.size(), 1u);
}

TEST(noscript_reload, noscript_that_outlasts_the_reloads_is_internal) {
  scripted_server one;
  one.rounds.push_back(resp("-NOSCRIPT x\r\n"));
  one.rounds.push_back(resp("$40\r\ne0e1f9fabfc9d4800c877a703b823ac0578ff8db\r\n-NOSCRIPT x\r\n"));
  auto r = call(one, 1);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error(), errc::internal);
  EXPECT_EQ(one.loads, (std::vector<bool>{false, true}));

  // Two reloads (the cluster client: a redirected call may meet another node without it).
  scripted_server two;
  two.rounds.push_back(resp("-NOSCRIPT x\r\n"));
  two.rounds.push_back(resp("$40\r\ne0e1f9fabfc9d4800c877a703b823ac0578ff8db\r\n-NOSCRIPT x\r\n"));
  two.rounds.push_back(resp("$40\r\ne0e1f9fabfc9d4800c877a703b823ac0578ff8db\r\n:2\r\n"));
  auto r2 = call(two, 2);
  ASSERT_TRUE(r2.has_value());
  EXPECT_EQ(r2->integer, 2);
  EXPECT_EQ(two.loads, (std::vector<bool>{false, true, true}));
}

TEST(noscript_reload, a_reply_count_that_does_not_match_the_commands_is_internal) {
  scripted_server first;
  first.rounds.push_back(resp(":1\r\n:2\r\n"));
  EXPECT_EQ(call(first, 1).error(), errc::internal);
  scripted_server reload;
  reload.rounds.push_back(resp("-NOSCRIPT x\r\n"));
  reload.rounds.push_back(resp(":1\r\n"));
  EXPECT_EQ(call(reload, 1).error(), errc::internal);
}

TEST(noscript_reload, the_links_error_passes_through) {
  scripted_server server;
  server.rounds.push_back(result<std::vector<reply>>(errc::outcome_unknown));
  EXPECT_EQ(call(server, 1).error(), errc::outcome_unknown);
}

}  // namespace
}  // namespace sse::redis
