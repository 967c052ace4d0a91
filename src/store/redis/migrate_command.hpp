#pragma once
// `sse-gateway migrate --store redis://...` (or redis-cluster://, SCANning every master, or
// redis-sentinel://): upgrades every v1.10-layout stream to the current layout and exits. Safe to
// interrupt, to re-run and to run while gateway nodes serve traffic: each stream is swapped by one
// atomic script that checks the legacy list did not change since it was read.

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

#include "store/store.hpp"

namespace sse::store {

struct migrate_command_options {
  std::string
      url;  ///< redis://[[user]:password@]host:port[/db], redis-cluster://, redis-sentinel://
  std::string prefix = "sse:";  ///< --redis-prefix
  store_limits limits;          ///< for legacy streams that lack their own limits
  std::size_t compress_min_bytes = 128;
  std::size_t batch = 100;  ///< SCAN COUNT
  std::chrono::milliseconds connect_timeout{std::chrono::seconds(10)};
};

/// Runs the migration on its own io_context on this thread. Prints to out one line per stream
/// whose unreadable elements were kept aside (how many, and the quarantine key), then one
/// summary line (scanned, migrated, skipped, kept aside), or one error line to err. Returns the
/// process exit code: 0 done, 1 Redis unreachable or failure, 2 malformed URL.
int run_migrate_command(const migrate_command_options& options, std::FILE* out, std::FILE* err);

}  // namespace sse::store
