#include "fanout/hub.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "coro_runner.hpp"
#include "store/memory/memory_store.hpp"

namespace sse::fanout {
namespace {

struct recorder final : subscriber {
  std::vector<std::shared_ptr<const stream::event_batch>> batches;
  int gone = 0;
  int resyncs = 0;
  void on_batch(std::shared_ptr<const stream::event_batch> b) override {
    batches.push_back(std::move(b));
  }
  void on_gone() override { ++gone; }
  void on_resync() override { ++resyncs; }
};

class hub_test : public ::testing::Test {
 protected:
  hub_test() : store_(store::store_limits{}, clock_), hub_(ioc_.get_executor(), store_) {}

  void subscribe(const std::string& id, subscriber* s) {
    auto r = ::sse::test::run_sync(ioc_, hub_.subscribe(id, s));
    ASSERT_TRUE(r) << r.error().message();
    deliver();  // what the store and the hub posted meanwhile: each step starts on a drained worker
  }

  void append(const std::string& id, const std::string& data) {
    store::append_request req;
    req.stream_id = id;
    req.events.push_back(stream::new_event{"", data, 1});
    ASSERT_TRUE(store_.append_now(req));
  }

  // Delivers what the store posted to the worker.
  void deliver() {
    ioc_.restart();
    ioc_.poll();
  }

  core::manual_clock clock_;
  store::memory_store store_;
  boost::asio::io_context ioc_;
  hub hub_;
};

TEST_F(hub_test, one_watch_per_stream_and_the_same_batch_for_everyone) {
  recorder a, b, c;
  subscribe("s", &a);
  subscribe("s", &b);
  subscribe("t", &c);
  EXPECT_EQ(hub_.stream_count(), 2u);
  EXPECT_EQ(hub_.subscriber_count("s"), 2u);

  append("s", "x");
  deliver();
  ASSERT_EQ(a.batches.size(), 1u);
  ASSERT_EQ(b.batches.size(), 1u);
  EXPECT_EQ(a.batches[0].get(), b.batches[0].get());  // shared, not copied
  EXPECT_EQ(a.batches[0]->events.at(0).seq, 1u);
  EXPECT_TRUE(c.batches.empty());

  hub_.unsubscribe("s", &a);
  hub_.unsubscribe("t", &c);
  EXPECT_EQ(hub_.stream_count(), 1u);
  append("s", "y");
  deliver();
  EXPECT_EQ(a.batches.size(), 1u);
  EXPECT_EQ(b.batches.size(), 2u);

  hub_.unsubscribe("s", &b);
  EXPECT_EQ(hub_.stream_count(), 0u);
  append("s", "z");
  deliver();
  EXPECT_EQ(b.batches.size(), 2u);
}

TEST_F(hub_test, batch_posted_before_unsubscribe_is_not_delivered_after) {
  recorder a;
  subscribe("s", &a);
  append("s", "x");  // posted to the worker, not yet run
  hub_.unsubscribe("s", &a);
  deliver();
  EXPECT_TRUE(a.batches.empty());
}

TEST_F(hub_test, unsubscribe_of_unknown_is_a_no_op) {
  recorder a, b;
  hub_.unsubscribe("s", &a);
  subscribe("s", &a);
  hub_.unsubscribe("s", &b);
  EXPECT_EQ(hub_.subscriber_count("s"), 1u);
}

TEST_F(hub_test, gone_tells_everyone_and_a_new_incarnation_gets_a_fresh_watch) {
  recorder a, b;
  subscribe("s", &a);
  subscribe("s", &b);
  append("s", "x");
  ASSERT_TRUE(store_.remove_now("s"));
  deliver();
  EXPECT_EQ(a.batches.size(), 1u);
  EXPECT_EQ(a.gone, 1);
  EXPECT_EQ(b.gone, 1);
  EXPECT_EQ(hub_.stream_count(), 0u);
  // The sessions unsubscribe later: harmless.
  hub_.unsubscribe("s", &a);

  recorder c;
  subscribe("s", &c);
  append("s", "new");
  deliver();
  ASSERT_EQ(c.batches.size(), 1u);
  EXPECT_EQ(c.batches[0]->events.at(0).seq, 1u);
  EXPECT_TRUE(b.batches.size() == 1u);
  hub_.unsubscribe("s", &b);
  EXPECT_EQ(hub_.subscriber_count("s"), 1u);
}

TEST_F(hub_test, destroying_the_hub_stops_its_watches) {
  recorder a;
  {
    hub h(ioc_.get_executor(), store_);
    auto r = ::sse::test::run_sync(ioc_, h.subscribe("s", &a));
    ASSERT_TRUE(r);
  }
  append("s", "x");
  deliver();
  EXPECT_TRUE(a.batches.empty());
}

}  // namespace
}  // namespace sse::fanout
