#pragma once
// How one event is stored in Redis and travels on the live channel.
//
// record (built here, opaque to Lua):
//   byte 0  format version (1)
//   byte 1  flags: bit 0 data is a zstd frame, bit 1 the stream's end event
//   byte 2  priority 0..3
//   byte 3  length of the type (0..255; API types are at most 64)
//   type bytes, then the data (raw, or zstd when >= compress_min_bytes and at least 1/8 smaller)
// member (built by the scripts): "<seq>:<record>", unique per seq, stored in the buffer zset.
// live message (built by the scripts): "<epoch>\n" then "<len>:<member>" per event, or
// "!<epoch>" when the stream was removed.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/types.hpp"
#include "stream/event.hpp"

namespace sse::store::redis_layout {

struct encoded_record {
  std::string bytes;
  std::uint32_t size_bytes = 0;  ///< event_size_bytes(type, data): what the limits count
  bool compressed = false;
};

/// Encodes e; data of at least compress_min_bytes is zstd-compressed at `level` when that saves
/// at least an eighth of its size (less is not worth a decompression per delivering node), else
/// stored raw (flag bit 0 clear).
encoded_record encode_record(const stream::new_event& e, bool is_end,
                             std::size_t compress_min_bytes, int level);

/// The largest data a record may decompress to (a corrupt length must not allocate gigabytes).
inline constexpr std::size_t max_record_data = 64 * 1024 * 1024;

/// Decodes "<seq>:<record>" into a stored event with its SSE frame (make_stored_event).
/// errc::internal when malformed.
result<stream::stored_event> decode_member(std::string_view member, std::string_view epoch);

struct live_message {
  bool gone = false;  ///< the stream was removed
  std::string_view epoch;
  std::vector<std::string_view> members;  ///< views into the payload
};

/// Parses a live-channel payload. errc::internal when malformed.
result<live_message> parse_live_message(std::string_view payload);

}  // namespace sse::store::redis_layout
