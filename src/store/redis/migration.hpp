#pragma once
// Upgrade of v1.10-layout streams (legacy.hpp) to the current layout: on first touch by any
// operation, and for all streams by `sse-gateway migrate`. The gateway decompresses each legacy
// event once and a script swaps the layouts atomically, checking that the list did not change
// since it was read. Elements that cannot be decoded are moved to the quarantine key, never
// dropped (unreadable.hpp).

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "redis/command_link.hpp"
#include "redis/reply.hpp"
#include "store/store.hpp"

namespace sse::store::redis_layout {

/// One v1.10 element an upgrade could not decode, moved as found to the stream's quarantine key.
struct unreadable_element {
  std::string stream_id;
  std::size_t index = 0;   ///< its position in the v1.10 list (0: oldest)
  stream::seq_range seqs;  ///< the hole it was in ({0, 0}: unknown); see unreadable.hpp
  std::size_t bytes = 0;
  std::string quarantine_key;
};

/// What the migration works with. Its commands go through the store's command link: to one
/// Redis, or to the node of each key's slot in a cluster (SCAN: once per node, node_keys()).
struct migration_context {
  redis::command_link& link;
  std::string_view prefix;
  const store_limits& limits;
  std::size_t compress_min_bytes;
  int compression_level;
  const core::clock& clock;
  /// Called once per element kept aside by an upgrade that completed (may be empty).
  std::function<void(const unreadable_element&)> on_unreadable = {};
};

/// Streams whose upgrade kept elements aside, and how many.
struct stream_kept_aside {
  std::string stream_id;
  std::size_t events = 0;
};

struct migration_report {
  std::size_t scanned = 0;            ///< legacy buffers found by SCAN
  std::size_t migrated = 0;           ///< streams this run upgraded
  std::size_t skipped = 0;            ///< already upgraded meanwhile (another node or run)
  std::size_t unreadable_events = 0;  ///< legacy elements that could not be decoded (kept aside)
  std::vector<stream_kept_aside> kept_aside;  ///< per stream, in upgrade order
};

enum class migrate_outcome { upgraded, not_legacy };

/// Upgrades stream_id if its buffer is a legacy list. Errors: store_unavailable; internal when
/// the list keeps changing under us.
boost::asio::awaitable<result<migrate_outcome>> migrate_legacy_stream(
    migration_context ctx, std::string stream_id, migration_report* report = nullptr);

/// SCANs every node for legacy buffers in batches of `batch` and upgrades each on its node.
boost::asio::awaitable<result<migration_report>> migrate_all_legacy(migration_context ctx,
                                                                    std::size_t batch);

}  // namespace sse::store::redis_layout
