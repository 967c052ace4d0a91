#pragma once
// SSE wire encoding (WHATWG "server-sent events" event stream format). Pure: strings in, bytes
// out. Every event is encoded once per store append and its frame shared by all subscribers;
// only gap and reset frames, which depend on the subscriber's position, are built per subscriber.

#include <chrono>
#include <string>
#include <string_view>

#include "core/types.hpp"
#include "stream/event.hpp"

namespace sse::stream {

/// `id: <epoch>:<seq>`, `event: <type>` (only when type is non-empty), one `data: <line>` per
/// line of data (lines split on CRLF, LF and CR; empty data still gets one `data: ` line so the
/// event dispatches), then a blank line.
/// Precondition: epoch and type hold no CR/LF (validated upstream); any that slip through are
/// replaced by spaces so that they can never inject fields.
std::string encode_event(std::string_view epoch, seq_t seq, std::string_view type,
                         std::string_view data);

/// Why a gap's events are missing: evicted from the bounded buffer, stored in a form the
/// gateway could not read (a v1.10 element the upgrade kept aside instead of converting), or
/// superseded by the checkpoint that follows (the subscriber starts there).
enum class gap_reason { trimmed, unreadable, checkpoint };

/// The `event: gap` frame announcing that seqs [from, to] are missing, with data
/// `{"from":a,"to":b,"reason":"trimmed"|"unreadable"|"checkpoint"}`. Its id is the last missing
/// seq, so a client reconnecting after it resumes past the hole.
std::string encode_gap(std::string_view epoch, seq_t from, seq_t to,
                       gap_reason reason = gap_reason::trimmed);

/// The `event: reset` frame (reason "epoch" or "ahead"). Its id is `<epoch>:0` so that a
/// reconnect after the reset starts cleanly from seq 1 of the current epoch.
std::string encode_reset(std::string_view reason, std::string_view epoch, seq_t last_seq);

/// `retry: <ms>` followed by a blank line.
std::string encode_retry(std::chrono::milliseconds retry);

/// A comment frame `: <text>` plus a blank line (heartbeats, shutdown notice). CR/LF in text are
/// replaced by spaces: a newline would end the comment and start a field.
std::string encode_comment(std::string_view text);

/// The end event's data: `{"status":"<status>"}`.
std::string end_event_data(std::string_view status);

/// Builds a stored event and its shared frame, once. size_bytes = event_size_bytes(type, data).
stored_event make_stored_event(std::string_view epoch, seq_t seq, const new_event& e,
                               bool is_end = false);

}  // namespace sse::stream
