#pragma once
// The per-worker fan-out hub (no locks: only its worker's thread touches it): which local sessions
// watch which stream. A worker holds one store watch per stream that has local subscribers, however
// many sessions read it, and hands each live batch to all of them as the same shared_ptr (encoded
// once, not once per session).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <memory>
#include <string>
#include <unordered_map>

#include "core/error.hpp"
#include "fanout/subscriber.hpp"
#include "store/store.hpp"

namespace sse::fanout {

/// Thread safety: every member is called on the hub's worker only. Store callbacks may arrive on
/// any thread; they are posted to the worker before they touch the hub.
class hub {
 public:
  /// store must outlive the hub. The hub never runs on its own: it uses `worker` to post.
  hub(boost::asio::any_io_executor worker, store::store& store);
  ~hub();
  hub(const hub&) = delete;
  hub& operator=(const hub&) = delete;

  /// Adds s to the subscribers of stream_id. Completes once live delivery is active, so that a
  /// store read issued afterwards overlaps (never misses) what s receives. The first local
  /// subscriber of a stream starts the store watch; others arriving while it is in flight wait
  /// for it. Errors: the watch's error (s is then not subscribed).
  boost::asio::awaitable<result<void>> subscribe(const std::string& stream_id, subscriber* s);

  /// Removes s (no-op if absent); the last subscriber of a stream stops the store watch. After it
  /// returns s receives no further callback.
  void unsubscribe(const std::string& stream_id, subscriber* s);

  /// Streams with a live watch or one in flight (for tests and metrics).
  std::size_t stream_count() const noexcept { return streams_.size(); }
  std::size_t subscriber_count(const std::string& stream_id) const noexcept;

 private:
  class stream_listener;

  void close_listener(const std::string& stream_id, const std::shared_ptr<stream_listener>& l);

  boost::asio::any_io_executor worker_;
  store::store& store_;
  std::unordered_map<std::string, std::shared_ptr<stream_listener>> streams_;
};

}  // namespace sse::fanout
