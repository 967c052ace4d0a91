#pragma once
// The store's scripts for Redis Cluster: the same Lua with PUBLISH replaced by SPUBLISH, so a live
// batch is published with sharded pub/sub on the stream's own slot (the channel carries the
// stream's `{id}` hash tag) and reaches only the shard that owns the stream. Immortal, like the
// single-node scripts.

#include <vector>

#include "redis/script.hpp"

namespace sse::store::redis_layout {

/// The sharded variant of one of the scripts of scripts.hpp (the same object for the same s).
const redis::script& sharded_variant(const redis::script& s);

/// Every sharded variant, for the cluster client to load on connect.
std::vector<const redis::script*> all_sharded_scripts();

}  // namespace sse::store::redis_layout
