#pragma once
// Upgrade of v1.10-layout streams (legacy.hpp) to the current layout: on first touch by any
// operation, and for all streams by `sse-gateway migrate`. The gateway decompresses each legacy
// event once and a script swaps the layouts atomically, checking that the list did not change
// since it was read.

#include <boost/asio/awaitable.hpp>
#include <cstddef>
#include <string>
#include <string_view>

#include "core/clock.hpp"
#include "core/error.hpp"
#include "redis/client.hpp"
#include "store/store.hpp"

namespace sse::store::redis_layout {

struct migration_context {
  redis::client& client;
  std::string_view prefix;
  const store_limits& limits;
  std::size_t compress_min_bytes;
  int compression_level;
  const core::clock& clock;
};

struct migration_report {
  std::size_t scanned = 0;         ///< legacy buffers found by SCAN
  std::size_t migrated = 0;        ///< streams this run upgraded
  std::size_t skipped = 0;         ///< already upgraded meanwhile (another node or run)
  std::size_t corrupt_events = 0;  ///< legacy events that could not be decoded (dropped)
};

enum class migrate_outcome { upgraded, not_legacy };

/// Upgrades stream_id if its buffer is a legacy list. Errors: store_unavailable; internal when
/// the list keeps changing under us.
boost::asio::awaitable<result<migrate_outcome>> migrate_legacy_stream(
    migration_context ctx, std::string stream_id, migration_report* report = nullptr);

/// SCANs for legacy buffers in batches of `batch` and upgrades each.
boost::asio::awaitable<result<migration_report>> migrate_all_legacy(migration_context ctx,
                                                                    std::size_t batch);

}  // namespace sse::store::redis_layout
