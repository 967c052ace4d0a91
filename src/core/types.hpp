#pragma once
// Basic vocabulary shared by every part of the gateway. No I/O here.

#include <cstdint>

namespace sse {

/// Position of an event inside one incarnation (epoch) of a stream. Seqs start at 1; 0 means
/// "before the first event".
using seq_t = std::uint64_t;

/// Event priority: 0 (least important, trimmed first) .. 3 (most important).
inline constexpr int min_priority = 0;
inline constexpr int max_priority = 3;
inline constexpr int default_priority = 1;

}  // namespace sse
