#pragma once
// Stream leases (relay mode): the node that runs a stream's producer (a relay's upstream call)
// holds a lease on it in the shared store and refreshes it while it runs. When that node dies the
// lease expires; another node claims the expired lease and ends the stream, so readers are never
// left waiting for events that will not come.
//
// Only shared stores need one (store/redis: redis_lease). With the memory store the producer and
// every reader live in one process, so there is no lease (callers hold a null pointer).
//
// Guarantees an implementation gives: at most one node holds or claims a stream's lease at a
// time; a refresh by a holder whose lease expired or was claimed answers `lost` and never takes
// it back; an expired lease is claimed by one node only, even with several nodes sweeping.

#include <boost/asio/awaitable.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "core/error.hpp"

namespace sse::store {

enum class lease_refresh { held, lost };

class stream_lease {
 public:
  virtual ~stream_lease() = default;

  /// Takes the lease of stream_id for this node (registers it for the sweep first, so that a
  /// node dying right after still has its stream found): true; false when another node holds
  /// it. Taken before the stream is created, so that no stream exists without one; a sweep
  /// that claims a lease whose stream was never created only releases it. store_unavailable.
  virtual boost::asio::awaitable<result<bool>> acquire(std::string stream_id) = 0;

  /// Extends this node's lease by ttl(). `lost` when it expired or another node claimed it:
  /// the caller must stop producing and leave the stream's end to the claimer.
  virtual boost::asio::awaitable<result<lease_refresh>> refresh(std::string stream_id) = 0;

  /// Gives the lease up (the stream has its end, written by this node) and forgets the stream.
  /// Also used by a claimer once it has ended a claimed stream. A lease held by another node is
  /// left alone.
  virtual boost::asio::awaitable<result<void>> release(std::string stream_id) = 0;

  /// One sweep: finds up to `max` registered streams whose lease has expired and claims each
  /// for this node. The caller ends every claimed stream (failed, upstream_lost) and then calls
  /// release() on it. Streams whose lease is still held are skipped.
  virtual boost::asio::awaitable<result<std::vector<std::string>>> claim_expired(
      std::size_t max) = 0;

  /// How long a lease lasts without a refresh. Holders refresh every ttl()/3.
  virtual std::chrono::milliseconds ttl() const noexcept = 0;
};

}  // namespace sse::store
