#pragma once
// v1.10 elements the upgrade cannot decode are never dropped: they are moved, byte for byte, to
// `{prefix}quarantine:{id}` (a list, with the stream's TTL), and the seqs they may have held are
// written to the state hash (`unreadable`, "from-to,from-to") so that resumes announce that hole
// as `unreadable` rather than `trimmed`. Pure: list positions and seqs in, ranges out.

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.hpp"
#include "stream/event.hpp"

namespace sse::store::redis_layout {

/// Consecutive list elements that could not be decoded, and the seqs they may hold.
struct unreadable_run {
  std::size_t first_index = 0;  ///< position in the v1.10 list (0: oldest)
  std::size_t count = 0;
  /// The hole between the nearest readable neighbours ([1, next - 1] before the first readable
  /// element; up to max(last_seq, prev + count) after the last). Which of its seqs were trimmed
  /// earlier and which are the unreadable elements cannot be known, so the whole hole is named.
  /// {0, 0} when the neighbours leave no room (a list out of seq order).
  stream::seq_range seqs;
};

/// The runs of a list whose elements decoded to `seqs` (oldest first; nullopt: unreadable),
/// in list order. last_seq is the stream's last seq as its state hash says.
std::vector<unreadable_run> find_unreadable_runs(std::span<const std::optional<seq_t>> seqs,
                                                 seq_t last_seq);

/// "from-to,from-to" (ascending, as given); empty for none.
std::string format_seq_ranges(std::span<const stream::seq_range> ranges);

/// The ranges of format_seq_ranges, ascending and disjoint; malformed or out-of-order parts are
/// skipped (a hand-edited field must not break reads).
std::vector<stream::seq_range> parse_seq_ranges(std::string_view text);

}  // namespace sse::store::redis_layout
