#pragma once
// The command side of a Redis topology, as its users see it: run commands on a key, run a script
// on keys, up/down, start/stop. A single node (or a Sentinel-managed primary) is redis::client; a
// cluster is cluster::cluster_client, which routes each call to the master of its key's slot. The
// topology is chosen once at start (links.hpp); code above this interface never asks which.

#include <boost/asio/awaitable.hpp>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "redis/reply.hpp"
#include "redis/script.hpp"

namespace sse::redis {

/// One command as its argument vector (argv[0] is the name): the one command shape of every
/// topology (a cluster must be able to put ASKING before a redirected command).
using command = std::vector<std::string>;

class command_link {
 public:
  virtual ~command_link() = default;

  /// Connects in the background (up() turns true once connected). Call once.
  virtual void start() = 0;
  /// Disconnects; connections wind down on their executors, so the link may be released right
  /// after. Any thread.
  virtual void stop() = 0;
  /// Completes once every background coroutine of the link (connection run loops, connect
  /// retries) has returned; after stop(), soon. Any executor.
  virtual boost::asio::awaitable<void> join() = 0;
  /// True when every connection is up. Any thread.
  virtual bool up() const noexcept = 0;

  /// Runs commands, which must all touch `key`'s slot (a single node ignores the key),
  /// pipelined on the node serving it; one reply per command, in order. Redis errors are values.
  /// Errors: store_unavailable (nothing ran), outcome_unknown (sent, no answer). Any executor.
  virtual boost::asio::awaitable<result<std::vector<reply>>> exec_on_key(
      std::string_view key, std::vector<command> commands) = 0;

  /// EVALSHA s on keys[0]'s node; on NOSCRIPT loads s and calls again. The script's reply, which
  /// may be an error reply. Errors as exec_on_key. Any executor.
  virtual boost::asio::awaitable<result<reply>> eval(const script& s,
                                                     std::span<const std::string_view> keys,
                                                     std::span<const std::string_view> args) = 0;

  /// One key per node (each hashes to a slot that node serves), for commands that address a
  /// node rather than a key (SCAN). A single node: {""}. Errors: store_unavailable (no node
  /// known yet). Any executor.
  virtual boost::asio::awaitable<result<std::vector<std::string>>> node_keys() = 0;
};

}  // namespace sse::redis
