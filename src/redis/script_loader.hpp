#pragma once
// The connect hook that puts every script on a Redis node before its connection reports up, so
// EVALSHA finds them; shared by the single-node client and the cluster client's per-node links.

#include <vector>

#include "redis/connection.hpp"
#include "redis/script.hpp"

namespace sse::redis {

/// A hook that SCRIPT LOADs each script in one pipelined round trip. A script Redis refuses
/// (one that does not compile is a bug) fails the handshake with errc::internal, so the link
/// keeps retrying and never reports up. The hook holds only the script pointers (which must
/// outlive the connection: they are static), so it may run after its owner is gone.
connection::connect_hook load_scripts_hook(std::vector<const script*> scripts);

}  // namespace sse::redis
