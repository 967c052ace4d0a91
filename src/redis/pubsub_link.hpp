#pragma once
// The pub/sub side of a Redis topology, as its users see it: subscribe and unsubscribe per
// channel, one handler for every message, one for "messages may have been missed" (resync), the
// liveness probe's counts. A single node (or a Sentinel-managed primary) is redis::subscriber
// (SUBSCRIBE, PUBLISH); a cluster is cluster::sharded_subscriber (SSUBSCRIBE on each channel's
// slot, SPUBLISH). The topology is chosen once at start (links.hpp).

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace sse::redis {

class pubsub_link {
 public:
  using executor_type = boost::asio::any_io_executor;
  using message_handler = std::function<void(std::string_view channel, std::string_view payload)>;

  virtual ~pubsub_link() = default;

  /// Set before start(). Called for every message on get_executor(), or (a cluster, whose
  /// channels are split over the workers) on the worker holding the channel: thread-safe.
  virtual void set_message_handler(message_handler handler) = 0;
  /// Set before start(). Called (where messages are) when messages may have been missed (a
  /// link came back, or channels moved), once every channel is subscribed again.
  virtual void set_resync_handler(std::function<void()> handler) = 0;

  /// Starts the links (and the probe). Call once.
  virtual void start() = 0;
  /// Stops them; the object may be released right after. Any thread.
  virtual void stop() = 0;
  /// Completes once every background coroutine of the link (connection run loops, probes, map
  /// checks) has returned; after stop(), soon. Any executor.
  virtual boost::asio::awaitable<void> join() = 0;

  /// Subscribes to channel; completes once Redis confirmed it (at once when it already is).
  /// Errors: store_unavailable. Any executor.
  virtual boost::asio::awaitable<result<void>> subscribe(std::string channel) = 0;
  /// Unsubscribes unless still_wanted() returns true when this reaches the executor (a new
  /// subscribe may have raced the last unsubscribe). Any thread.
  virtual void unsubscribe(std::string channel, std::function<bool()> still_wanted) = 0;

  /// True when every link in use is up. Any thread.
  virtual bool up() const noexcept = 0;
  /// Where the handlers run.
  virtual executor_type get_executor() const = 0;
  /// Probes that did not come back in time (each dropped a link), and that did. Any thread.
  virtual std::uint64_t probe_failures() const noexcept = 0;
  virtual std::uint64_t probes_ok() const noexcept = 0;

  /// The command that publishes to this link's subscribers ("PUBLISH", or "SPUBLISH" for
  /// sharded pub/sub): scripts that publish take it as an argument.
  virtual std::string_view publish_command() const noexcept = 0;
};

}  // namespace sse::redis
