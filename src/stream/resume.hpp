#pragma once
// Resume planning: what a subscriber gets, from its Last-Event-ID and the stream's state. Pure.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/types.hpp"
#include "stream/event.hpp"

namespace sse::stream {

/// A client's position: `<epoch>:<seq>` as sent in SSE ids, or a bare `<seq>`.
struct resume_point {
  std::string epoch;  ///< empty: the current epoch (bare seq form)
  seq_t seq = 0;
};

/// Parses a Last-Event-ID header or last_event_id query value. Accepts `<epoch>:<seq>` (epoch of
/// the form core::is_valid_epoch) and a bare `<seq>` (decimal digits only, at most 20, no
/// overflow). Anything else is errc::bad_resume_point. An epoch of the right form that is not the
/// stream's current one is not a parse error: decide_resume() turns it into a reset.
result<resume_point> parse_resume_point(std::string_view text);

enum class resume_kind {
  from_start,   ///< no resume point: everything buffered, then live
  resume,       ///< replay after `after`, then live
  reset_epoch,  ///< resume point from another epoch: send reset, then as from_start
  reset_ahead,  ///< resume point beyond the last seq: send reset, then as from_start
  finished,     ///< the stream ended at or before the resume point: answer 204
};

/// What a subscribe asks for when a checkpoint exists (`?history=`).
enum class history_mode {
  from_checkpoint,  ///< the default: start at the latest checkpoint unless already past it
  full,             ///< `?history=full`: the whole buffer, as if there were no checkpoint
};

struct resume_decision {
  resume_kind kind = resume_kind::from_start;
  seq_t after = 0;  ///< replay events with seq > after
  /// The subscribe starts at the latest checkpoint (after = checkpoint seq - 1).
  bool at_checkpoint = false;
  /// With at_checkpoint: the seqs the checkpoint supersedes that the subscriber has not seen,
  /// announced by one gap with reason `checkpoint`; nullopt when there are none.
  std::optional<seq_range> superseded = std::nullopt;
};

/// Decides how to serve a subscribe. Checked in this order: no rp -> from_start after 0; rp
/// epoch set and not current_epoch -> reset_epoch after 0; ended and rp.seq >= last_seq ->
/// finished (the end event is always the last seq); rp.seq > last_seq -> reset_ahead after 0;
/// otherwise resume after rp.seq.
/// Then checkpoints: with checkpoint_seq > 0 (the latest checkpoint's seq; 0: none)
/// and history from_checkpoint, a decision that is not finished and whose `after` is before the
/// checkpoint (after < checkpoint_seq: the client has not seen it) starts at the checkpoint
/// instead: after = checkpoint_seq - 1, at_checkpoint, and superseded = [old after + 1,
/// checkpoint_seq - 1] when that is not empty. The kind stays (a reset still sends its reset).
/// A resume point at or after the checkpoint resumes as without one.
resume_decision decide_resume(const std::optional<resume_point>& rp, std::string_view current_epoch,
                              seq_t last_seq, bool ended, seq_t checkpoint_seq = 0,
                              history_mode history = history_mode::from_checkpoint);

/// The frames a subscriber gets before going live.
struct replay_plan {
  std::vector<std::shared_ptr<const std::string>> frames;
  seq_t next_seq = 1;         ///< the next seq the subscriber expects live (last_seq + 1)
  std::size_t replayed = 0;   ///< buffered events included
  std::uint64_t missed = 0;   ///< seqs announced by gap frames
  bool reached_end = false;   ///< the end event is included: finish after these frames
  std::uint64_t skipped = 0;  ///< seqs superseded by the checkpoint the plan starts at
};

/// Plans the replay after `after`: each buffered event's shared frame in order, and for every run
/// of missing seqs in (after, last_seq] a gap frame in the place where those events would have
/// been (including a trailing gap when the newest seqs were trimmed). `events` are the buffered
/// events with seq > after, ascending, as a store read returns them. A run that overlaps
/// `unreadable` (ascending, disjoint: seqs whose stored events could not be read) is split there:
/// the overlapping part is announced with reason unreadable, the rest as trimmed. Gap frames are
/// built here, per subscriber; event frames are shared.
replay_plan plan_replay(std::string_view epoch, seq_t after,
                        const std::vector<stored_event>& events, seq_t last_seq,
                        std::span<const seq_range> unreadable = {});

/// The plan for a decision: with decision.superseded, first the gap frame with reason
/// `checkpoint` for those seqs (plan.skipped counts them, plan.missed does not), then
/// plan_replay(epoch, decision.after, ...).
replay_plan plan_start(std::string_view epoch, const resume_decision& decision,
                       const std::vector<stored_event>& events, seq_t last_seq,
                       std::span<const seq_range> unreadable = {});

}  // namespace sse::stream
