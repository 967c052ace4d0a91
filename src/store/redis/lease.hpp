#pragma once
// Stream leases on Redis (store/lease.hpp), for relay mode on several nodes.
//
//   {prefix}lease:{id}     string "<node-id>#<random>" with PX ttl: the holder (or a claimer).
//                          In the stream's own hash slot, so it works on Redis Cluster too.
//   {prefix}relay-leases   zset id -> wall-clock ms after which the lease may have expired:
//                          the registry every node sweeps (ZRANGEBYSCORE ... now).
//
// The registry is only a list of candidates; what decides is the lease key, checked and taken
// in one script on the stream's slot (claim: SET only when the key is gone), so two sweepers, a
// missed sweep or a late refresh can never end a stream twice. A refresh extends the key only
// when it still holds this node's token: an expired or claimed lease is never taken back.
// Registry entries whose lease is still held are moved to the lease's own expiry (ZADD XX), so
// a long call is looked at about once per ttl, not at every sweep.

#include <chrono>
#include <string>

#include "core/clock.hpp"
#include "redis/command_link.hpp"
#include "store/lease.hpp"

namespace sse::store {

class redis_lease final : public stream_lease {
 public:
  /// Keys under `prefix` (the store's --redis-prefix), through `link` (the store's command link,
  /// redis_store::commands()), which must outlive the lease. node_id names the holder in the key
  /// (with a random suffix, so that a restarted node with the same id is another holder).
  /// `clock` (not owned, it must outlive the lease; null: the system clock) scores the registry:
  /// wall time, as every node sharing the store compares the scores.
  redis_lease(redis::command_link& link, std::string prefix, const std::string& node_id,
              std::chrono::milliseconds ttl, const core::clock* clock = nullptr);

  boost::asio::awaitable<result<bool>> acquire(std::string stream_id) override;
  boost::asio::awaitable<result<lease_refresh>> refresh(std::string stream_id) override;
  boost::asio::awaitable<result<void>> release(std::string stream_id) override;
  boost::asio::awaitable<result<std::vector<std::string>>> claim_expired(std::size_t max) override;
  std::chrono::milliseconds ttl() const noexcept override { return ttl_; }

  /// Key names, for tests and operators.
  std::string lease_key(std::string_view stream_id) const;
  std::string registry_key() const;
  const std::string& token() const noexcept { return token_; }

 private:
  redis::command_link& link_;
  std::string prefix_;
  std::string token_;
  std::chrono::milliseconds ttl_;
  core::system_clock own_clock_;
  const core::clock& clock_;
};

}  // namespace sse::store
