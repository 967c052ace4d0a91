#pragma once
// The Lua scripts of the Redis store (sources in scripts/*.lua, each prefixed with
// scripts/common.lua and embedded at build time). Immortal: connections load them on every
// reconnect, possibly after the store is gone.

#include <vector>

#include "redis/script.hpp"

namespace sse::store::redis_layout {

const redis::script& append_script();
const redis::script& end_script();
const redis::script& read_script();
const redis::script& info_script();
const redis::script& create_script();
const redis::script& remove_script();
const redis::script& renew_script();
const redis::script& migrate_script();

/// Every script above, for the client to load on connect.
std::vector<const redis::script*> all_scripts();

}  // namespace sse::store::redis_layout
