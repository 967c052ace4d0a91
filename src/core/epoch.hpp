#pragma once
#include <string>
#include <string_view>

namespace sse::core {

/// A fresh epoch token: 8 characters of [a-z0-9] from a per-thread CSPRNG-seeded generator.
/// Thread safety: any thread.
std::string make_epoch();

/// True when s has the epoch form [a-z0-9]{6,12}.
bool is_valid_epoch(std::string_view s) noexcept;

}  // namespace sse::core
