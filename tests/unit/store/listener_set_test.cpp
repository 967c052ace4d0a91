// The listener set both stores deliver live batches through (src/store/listener_set): pairs,
// delivery per id, resync, clear, and that remove() and clear() wait out a delivery in progress.

#include "store/listener_set.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace sse::store {
namespace {

using namespace std::chrono_literals;

/// Records every callback as text: "events:<stream>", "gone:<id>", "resync:<id>".
struct recording_listener final : live_listener {
  std::vector<std::string> calls;
  void on_events(std::shared_ptr<const stream::event_batch> b) override {
    calls.push_back("events:" + b->stream_id);
  }
  void on_stream_gone(const std::string& id) override { calls.push_back("gone:" + id); }
  void on_resync(const std::string& id) override { calls.push_back("resync:" + id); }
};

std::shared_ptr<const stream::event_batch> batch_of(std::string id) {
  auto b = std::make_shared<stream::event_batch>();
  b->stream_id = std::move(id);
  return b;
}

using calls = std::vector<std::string>;

TEST(listener_set, delivers_to_the_listeners_of_that_id_only) {
  listener_set set;
  recording_listener a, b;
  set.add("x", &a);
  set.add("y", &b);
  set.deliver("x", batch_of("x"));
  set.deliver_gone("y");
  set.deliver("nobody", batch_of("nobody"));
  EXPECT_EQ(a.calls, (calls{"events:x"}));
  EXPECT_EQ(b.calls, (calls{"gone:y"}));
}

TEST(listener_set, adding_a_pair_twice_delivers_once) {
  listener_set set;
  recording_listener a;
  set.add("x", &a);
  set.add("x", &a);
  EXPECT_EQ(set.size(), 1u);
  set.deliver("x", batch_of("x"));
  EXPECT_EQ(a.calls, (calls{"events:x"}));
}

TEST(listener_set, remove_says_when_the_id_has_no_listener_left) {
  listener_set set;
  recording_listener a, b;
  set.add("x", &a);
  set.add("x", &b);
  set.add("y", &a);
  EXPECT_EQ(set.stream_count(), 2u);
  EXPECT_EQ(set.size(), 3u);

  EXPECT_FALSE(set.remove("x", &a)) << "b still watches x";
  EXPECT_TRUE(set.watched("x"));
  set.deliver("x", batch_of("x"));
  EXPECT_TRUE(a.calls.empty());
  EXPECT_EQ(b.calls, (calls{"events:x"}));

  EXPECT_TRUE(set.remove("x", &b));
  EXPECT_FALSE(set.watched("x"));
  EXPECT_TRUE(set.remove("x", &b)) << "a pair that is not there: nobody is left either";
  EXPECT_EQ(set.stream_count(), 1u);
  EXPECT_TRUE(set.watched("y"));
}

TEST(listener_set, resync_tells_every_pair_its_id) {
  listener_set set;
  recording_listener a, b;
  set.add("x", &a);
  set.add("y", &a);
  set.add("y", &b);
  set.resync_all();
  std::sort(a.calls.begin(), a.calls.end());
  EXPECT_EQ(a.calls, (calls{"resync:x", "resync:y"}));
  EXPECT_EQ(b.calls, (calls{"resync:y"}));
}

TEST(listener_set, clear_forgets_every_pair) {
  listener_set set;
  recording_listener a;
  set.add("x", &a);
  set.add("y", &a);
  set.clear();
  EXPECT_EQ(set.size(), 0u);
  EXPECT_EQ(set.stream_count(), 0u);
  set.deliver("x", batch_of("x"));
  set.resync_all();
  EXPECT_TRUE(a.calls.empty());
}

/// Blocks inside on_events until released, so a test can hold a delivery in progress.
struct blocking_listener final : live_listener {
  std::mutex mu;
  std::condition_variable cv;
  bool entered = false;
  bool release = false;
  int batches = 0;
  void on_events(std::shared_ptr<const stream::event_batch>) override {
    std::unique_lock lock(mu);
    entered = true;
    ++batches;
    cv.notify_all();
    cv.wait_for(lock, 10s, [&] { return release; });
  }
  void on_stream_gone(const std::string&) override {}
  void on_resync(const std::string&) override {}
  bool wait_entered() {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, 10s, [&] { return entered; });
  }
  void let_go() {
    {
      std::lock_guard lock(mu);
      release = true;
    }
    cv.notify_all();
  }
};

// remove() and clear() are what make unwatch() final (store.hpp): they must not return while a
// callback of the pair runs. (A pass of the "still blocked" check can be luck; a failure is
// always a real bug.)
void expect_waits_for_delivery(void (*stop)(listener_set&, live_listener*)) {
  listener_set set;
  blocking_listener l;
  set.add("x", &l);
  std::thread deliverer([&] { set.deliver("x", batch_of("x")); });
  ASSERT_TRUE(l.wait_entered());
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    stop(set, &l);
    stopped = true;
  });
  std::this_thread::sleep_for(20ms);
  EXPECT_FALSE(stopped.load());
  l.let_go();
  deliverer.join();
  stopper.join();
  EXPECT_TRUE(stopped.load());
  set.deliver("x", batch_of("x"));
  EXPECT_EQ(l.batches, 1) << "nothing is delivered once the pair is gone";
}

TEST(listener_set, remove_waits_for_a_delivery_in_progress) {
  expect_waits_for_delivery([](listener_set& s, live_listener* l) { s.remove("x", l); });
}

TEST(listener_set, clear_waits_for_a_delivery_in_progress) {
  expect_waits_for_delivery([](listener_set& s, live_listener*) { s.clear(); });
}

TEST(listener_set, deliveries_to_other_ids_do_not_wait_for_a_blocked_one) {
  listener_set set;
  blocking_listener slow;
  recording_listener fast;
  set.add("x", &slow);
  set.add("y", &fast);
  std::thread deliverer([&] { set.deliver("x", batch_of("x")); });
  ASSERT_TRUE(slow.wait_entered());
  std::atomic<bool> others_done{false};
  std::thread other([&] {
    set.deliver("y", batch_of("y"));
    set.add("z", &fast);
    set.remove("z", &fast);
    others_done = true;
  });
  // Under one lock for the whole set these would wait for the blocked delivery (10 s).
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (!others_done && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_TRUE(others_done.load());
  slow.let_go();
  deliverer.join();
  other.join();
  EXPECT_EQ(fast.calls, (calls{"events:y"}));
}

}  // namespace
}  // namespace sse::store
