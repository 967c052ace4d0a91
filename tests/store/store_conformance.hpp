#pragma once
// The store conformance suite, written once against store::store: every store
// implementation instantiates it with its own factory, e.g.
//
//   INSTANTIATE_TEST_SUITE_P(memory, store_conformance,
//                            ::testing::Values(store_factory{"memory", make_memory}),
//                            conformance_test_name);
//
// Everything here may wait for asynchronous delivery (the Redis store delivers live batches
// through pub/sub), always with a deadline; nothing relies on timing for correctness. TTL is
// tested here only where both stores must agree (conformance_expiry_test.cpp, in real time with
// short TTLs and bounded waits); the rest each store tests on its own.

#include <gtest/gtest.h>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "coro_runner.hpp"
#include "store/store.hpp"

namespace sse::store::conformance {

using namespace std::chrono_literals;

/// How the suite gets a store. Exactly one of make / make_on must be set.
struct store_factory {
  std::string name;  ///< test-name suffix: [A-Za-z0-9_] only
  /// Builds a fresh store with these limits (called at least once per test, possibly more).
  std::function<std::unique_ptr<store>(const store_limits&)> make;
  /// Alternative to make for stores that do I/O: builds the store on the test's io_context,
  /// which the suite runs whenever it waits (run_sync, run_until).
  std::function<std::unique_ptr<store>(const store_limits&, boost::asio::io_context&)> make_on;
  /// Optional, called before each test before any store is made (e.g. FLUSHALL on the test's
  /// redis-server). Streams ids are unique per test anyway.
  std::function<void()> reset;
  /// The store learns of expiries and keeps a marker of the expired epoch (store::expired_epoch).
  /// False for Redis Cluster, which subscribes to no keyspace notifications: there the suite
  /// checks that no marker is claimed instead.
  bool expiry_markers = true;
};

/// Names the instantiation's tests after the factory: `..._memory`.
std::string conformance_test_name(const ::testing::TestParamInfo<store_factory>& info);
void PrintTo(const store_factory& f, std::ostream* os);

// The suite's waits are the harness's coroutine runner (tests/support/coro_runner.hpp).
using ::sse::test::run_sync;
using ::sse::test::run_until;

/// A listener that records everything it is told, from any thread.
class recording_listener final : public live_listener {
 public:
  void on_events(std::shared_ptr<const stream::event_batch> batch) override;
  void on_stream_gone(const std::string& stream_id) override;
  void on_resync(const std::string& stream_id) override;

  std::vector<std::shared_ptr<const stream::event_batch>> batches() const;
  /// Every delivered event's seq, in delivery order.
  std::vector<seq_t> seqs() const;
  std::size_t event_count() const;
  std::vector<std::string> gone() const;
  std::size_t resyncs() const;

 private:
  mutable std::mutex mu_;
  std::vector<std::shared_ptr<const stream::event_batch>> batches_;
  std::vector<std::string> gone_;
  std::size_t resyncs_ = 0;
};

/// Unwatches on scope exit, so that a listener on the test's stack is never called after it is
/// gone, whatever assertion returned early. Declare it after the listener.
class unwatch_guard {
 public:
  unwatch_guard(store& s, std::string id, live_listener* l) : s_(s), id_(std::move(id)), l_(l) {}
  ~unwatch_guard() { s_.unwatch(id_, l_); }
  unwatch_guard(const unwatch_guard&) = delete;
  unwatch_guard& operator=(const unwatch_guard&) = delete;

 private:
  store& s_;
  std::string id_;
  live_listener* l_;
};

class store_conformance : public ::testing::TestWithParam<store_factory> {
 protected:
  void SetUp() override;
  void TearDown() override;

  /// Replaces the test's store with a fresh one with these limits.
  store& make_store(const store_limits& limits);
  store& st() { return *store_; }

  /// A stream id unique to this test and run.
  std::string fresh_id(const std::string& tag = "s");

  // Shorthands that run one store operation to completion.
  result<create_result> create(const std::string& id, stream_options o = {});
  result<append_result> append(const std::string& id, std::vector<stream::new_event> events,
                               std::optional<seq_t> producer_seq = std::nullopt,
                               stream_options create_options = {});
  result<end_result> end(const std::string& id, stream_status s = stream_status::completed);
  result<stream_info> info(const std::string& id);
  result<void> remove(const std::string& id);
  result<void> renew(const std::string& id);
  result<read_result> read_after(const std::string& id, seq_t after);
  result<void> watch(const std::string& id, live_listener* l);
  result<std::optional<std::string>> expired_epoch(const std::string& id);

  /// Waits (bounded) until l has seen at least n events.
  bool wait_events(const recording_listener& l, std::size_t n, std::chrono::milliseconds t = 10s);

  boost::asio::io_context io_;
  std::unique_ptr<store> store_;
};

/// An event with this priority and a data payload of `size` bytes (no type).
stream::new_event sized_event(int priority, std::size_t size, std::string type = {});

/// The seqs of trimmed events, or of a read's events, in order.
std::vector<seq_t> seqs(const std::vector<stream::trimmed_event>& v);
std::vector<seq_t> seqs(const read_result& r);

/// Buffer limits of `events` events and `bytes` bytes.
store_limits limits_of(std::size_t events, std::size_t bytes = 1024 * 1024);

}  // namespace sse::store::conformance
