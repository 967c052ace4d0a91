#pragma once
// zstd in the gateway, never in Redis (its Lua has no zstd): payloads are compressed before they
// are stored and decompressed only when delivered. Any thread may call these: each thread has its
// own contexts (thread_local), created on first use and freed at thread exit.

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace sse::store::redis_layout {

/// A zstd frame of in (with its content size, so decompression allocates once); empty when zstd
/// cannot allocate. Uses this thread's compression context, reused across calls.
std::string zstd_compress(std::string_view in, int level);

/// The content of one zstd frame, with or without its content size (streaming writers such as
/// `zstd` reading a pipe omit it) and with or without a checksum (verified when present).
/// errc::internal when corrupt, truncated, or larger than max_size. Uses this thread's
/// decompression context, reused across calls.
result<std::string> zstd_decompress(std::string_view frame, std::size_t max_size);

}  // namespace sse::store::redis_layout
