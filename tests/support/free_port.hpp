#pragma once
#include <cstdint>

namespace sse::test {

/// A TCP port on 127.0.0.1 that was free a moment ago: bind port 0, read the port the kernel
/// chose, close. Only for servers that cannot bind port 0 themselves (redis-server): another
/// process may take the port in between, so callers retry on a bind failure. Throws
/// std::runtime_error when no socket can be bound at all.
std::uint16_t free_port();

}  // namespace sse::test
