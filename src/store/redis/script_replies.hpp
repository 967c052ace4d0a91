#pragma once
// The replies of the store's scripts (scripts/*.lua), decoded in one place into the named
// results they stand for, so the positions in each Lua `return {...}` are read here and nowhere
// else. Each script's first element is its outcome tag; the shapes are documented at the top of
// each script. Pure: no I/O (tested with literal replies).

#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "redis/reply.hpp"
#include "store/store.hpp"

namespace sse::store::redis_layout {

/// The outcome tag of a script's reply ("ok", "legacy", ...); empty when it has none.
std::string_view tag_of(const redis::reply& r);

/// A Redis error reply of a script: Redis refusing for now (out of memory, loading, read-only
/// replica, ...) is store_unavailable, anything else internal.
errc error_of(const redis::reply& r);

/// create.lua: {'created'|'exists', epoch, buffer_limit, ttl_ms}. The limits the script did not
/// give (a stream created without them) are `defaults`'. Errors: internal (another shape).
result<create_result> decode_create(const redis::reply& r, const store_limits& defaults);

/// append.lua's reply and what the stream holds after it.
struct append_reply {
  append_result result;
  /// Events and bytes buffered after the append (a duplicate: unknown, both 0).
  std::int64_t buffered_events = 0;
  std::int64_t buffered_bytes = 0;
};
/// append.lua: {'ok', epoch, first, last, created, {seq,prio,size,...}, count, bytes,
/// superseded} or {'dup', epoch, first, last, trimmed}. Errors: stream_ended ({'ended',...}),
/// producer_seq_conflict ({'conflict',...}), internal (another shape).
result<append_reply> decode_append(const redis::reply& r);

/// end.lua: {'ok'|'already', epoch, seq}. Errors: stream_not_found, internal.
result<end_result> decode_end(const redis::reply& r);

/// info.lua: {'ok', epoch, status, last, first, count, bytes, trimmed, limit, max_bytes,
/// created_ms, updated_ms, expires_in_ms}; limits it did not give are `defaults`'. Errors:
/// stream_not_found, internal.
result<stream_info> decode_info(const redis::reply& r, const store_limits& defaults);

/// read.lua: {'ok', epoch, last, ended, {member...}, unreadable_ranges, checkpoint}. The members
/// are decoded (decompressed) here; one that cannot be is left out, which a resume reports as a
/// gap rather than failing the whole stream. Errors: stream_not_found, internal.
result<read_result> decode_read(const redis::reply& r);

/// remove.lua and renew.lua: {'ok'}. Errors: stream_not_found, internal.
result<void> decode_ok(const redis::reply& r);

}  // namespace sse::store::redis_layout
