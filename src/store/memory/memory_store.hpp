#pragma once
// The embedded store: every stream's buffer in this process's memory. The default store, and
// the reference that the shared conformance suite (tests/store) checks the Redis store against.
//
// Threading: every method may be called concurrently from any worker thread. Streams live in a
// map under one short-held mutex; each stream has its own mutex, held while it is changed and
// while its live batch is handed to the listeners, which is what orders batches per stream.
// Lock order: streams map -> stream -> listener set. Nothing awaits while holding a lock
// (the coroutines compute and co_return).
//
// Time: TTLs read the injected clock. An expired stream behaves as missing on every call at
// once; sweep_expired() reports it (and drops it if no call did so before).

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.hpp"
#include "store/listener_set.hpp"
#include "store/store.hpp"

namespace sse::store {

class memory_store final : public store {
 public:
  /// clock must outlive the store.
  memory_store(store_limits limits, const core::clock& clock);
  ~memory_store() override;

  memory_store(const memory_store&) = delete;
  memory_store& operator=(const memory_store&) = delete;

  boost::asio::awaitable<result<create_result>> create(std::string stream_id,
                                                       stream_options options) override;
  boost::asio::awaitable<result<append_result>> append(append_request request) override;
  boost::asio::awaitable<result<end_result>> end(std::string stream_id,
                                                 stream_status status) override;
  boost::asio::awaitable<result<stream_info>> info(std::string stream_id) override;
  boost::asio::awaitable<result<void>> renew(std::string stream_id) override;
  boost::asio::awaitable<result<void>> remove(std::string stream_id) override;
  boost::asio::awaitable<result<read_result>> read_after(std::string stream_id,
                                                         seq_t after) override;
  boost::asio::awaitable<result<void>> watch(std::string stream_id,
                                             live_listener* listener) override;
  void unwatch(const std::string& stream_id, live_listener* listener) override;
  boost::asio::awaitable<result<std::optional<std::string>>> expired_epoch(
      std::string stream_id) override;
  std::vector<expired_stream> sweep_expired() override;
  store_stats stats() const noexcept override;
  bool available() const noexcept override { return true; }

  // The same operations without the coroutine wrapper, for callers that are not coroutines
  // (benchmarks, the built-in demo producer). Same contracts as the overrides above.
  result<create_result> create_now(const std::string& stream_id, const stream_options& options);
  result<append_result> append_now(const append_request& request);
  result<end_result> end_now(const std::string& stream_id, stream_status status);
  result<stream_info> info_now(const std::string& stream_id);
  result<void> renew_now(const std::string& stream_id);
  result<void> remove_now(const std::string& stream_id);
  result<read_result> read_after_now(const std::string& stream_id, seq_t after);

 private:
  struct stream_state;
  using state_ptr = std::shared_ptr<stream_state>;

  /// The live stream id, or null. An expired stream found on the way is retired first. With
  /// create_options, a missing stream is created (and *created set).
  state_ptr lookup(const std::string& id, const stream_options* create_options = nullptr,
                   bool* created = nullptr);
  /// Drops an expired stream: marks it dead, tells its watchers, queues it for the next sweep.
  /// Caller holds map_mu_. Takes s by value: s may be the map's own pointer, which this erases.
  void retire_expired_locked(state_ptr s);
  /// f(stream) under the stream's lock, for the live stream id (looked up again when a remove or
  /// an expiry won the race for the lock); stream_not_found when there is none. f returns a
  /// result<T>, which this returns.
  template <class F>
  auto with_locked_stream(const std::string& id, F&& f);
  void forget_locked(const state_ptr& s);  // caller holds map_mu_ and s->mu, and a copy of s
  state_ptr make_state(const std::string& id, const stream_options& options) const;
  bool expired(const stream_state& s, core::time_point now) const noexcept;

  const store_limits limits_;
  const core::clock& clock_;

  std::mutex map_mu_;
  std::unordered_map<std::string, state_ptr> streams_;
  std::vector<expired_stream> expired_unreported_;  // retired by a lookup before the sweep
  /// Epochs of streams that expired idle (not ended ones), kept end_retention past the expiry
  /// (expired_epoch()); pruned by every sweep and bounded in size.
  struct expired_marker {
    std::string epoch;
    std::int64_t until_ms = 0;
  };
  std::unordered_map<std::string, expired_marker> expired_markers_;  // guarded by map_mu_

  listener_set watchers_;

  std::atomic<std::int64_t> stream_count_{0};
  std::atomic<std::int64_t> events_buffered_{0};
  std::atomic<std::int64_t> bytes_buffered_{0};
};

}  // namespace sse::store
