#pragma once
// Shared inputs for the benchmarks: a realistic priority mix and LLM-token-like payloads, made
// from a fixed seed so that runs compare.

#include <cstddef>
#include <string>
#include <vector>

#include "stream/event.hpp"

namespace sse::bench {

/// The buffer limits every benchmark runs at: the default (256), a middle one and the maximum
/// (--max-buffer-limit).
inline constexpr long limits[] = {256, 4096, 65536};

/// 65536 priorities: mostly 1 (token deltas), some 0 (progress), a few 3 (final/usage events).
const std::vector<int>& priority_mix();

/// A JSON delta of about `size` bytes, without line breaks, like an LLM token event.
std::string token_payload(std::size_t size);

/// A stored event with a realistic frame (built by the encoder) for seq.
stream::stored_event sample_event(seq_t seq, int priority);

}  // namespace sse::bench
