#pragma once
// The pure parts of the Durable Streams door (PROTOCOL.md of durable-streams/durable-streams):
// offsets, header values, cursors and the JSON mode's flattening. No I/O: unit-tested in
// tests/unit/durable.

#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.hpp"

namespace sse::durable {

// --- offsets -------------------------------------------------------------------------------
// A DS offset is the store's seq of the last event before the position, zero-padded to a fixed
// width so that byte-wise comparison is numeric comparison: a DS offset and our seq name the
// same position. Seq 1 of every DS stream holds its metadata, so the start of the data is
// offset mint_offset(1).

inline constexpr std::size_t offset_width = 20;  ///< the digits of the largest uint64
inline constexpr seq_t meta_seq = 1;

std::string mint_offset(seq_t seq);

enum class offset_kind { start, now, position };

struct parsed_offset {
  offset_kind kind = offset_kind::start;
  seq_t seq = 0;  ///< position: the last seq before it
};

/// "-1" (start), "now" (the tail) or an offset this door minted; nullopt for anything else.
std::optional<parsed_offset> parse_offset(std::string_view text);

// --- header values -------------------------------------------------------------------------

/// The media type of a Content-Type value (parameters dropped), lower case, trimmed.
std::string media_type(std::string_view content_type);
/// Two content types name the same media type (case-insensitive, parameters ignored).
bool same_content_type(std::string_view a, std::string_view b);
bool is_json_type(std::string_view content_type);
/// SSE reads serve text/* and application/json streams only.
bool sse_compatible(std::string_view content_type);

/// Stream-TTL: a non-negative decimal integer without sign, leading zeros, point or exponent.
std::optional<std::uint64_t> parse_ttl_seconds(std::string_view text);

/// Stream-Expires-At: an RFC 3339 timestamp (`2026-01-24T10:00:00Z`, fraction and offset
/// allowed); milliseconds since the Unix epoch.
std::optional<std::int64_t> parse_rfc3339_ms(std::string_view text);
/// The UTC RFC 3339 form of a time (`...Z`, milliseconds when not whole seconds).
std::string format_rfc3339(std::int64_t unix_ms);

/// Stream-Closed and other boolean headers: "true" (any case) is true.
bool header_true(std::string_view text);

// --- cursors (PROTOCOL.md 8.1) -------------------------------------------------------------

/// Interval number of `unix_ms` (20 s intervals since 2024-10-09T00:00:00Z). When the client's
/// cursor is at or past it, a cursor strictly greater than the client's (jitter of 1-180
/// intervals), so that cursors never go backwards.
std::string next_cursor(std::int64_t unix_ms, std::optional<std::string_view> client_cursor,
                        std::mt19937_64& rng);

// --- JSON mode (PROTOCOL.md 7.1) -----------------------------------------------------------

struct json_messages {
  std::vector<std::string> messages;  ///< each serialized compactly
  std::string error;                  ///< non-empty: the body is refused (400), and why
};

/// Validates a JSON body and flattens one level of a top-level array into messages. An empty
/// array is refused unless allow_empty (a PUT may create an empty stream with `[]`).
json_messages flatten_json(std::string_view body, bool allow_empty);

// --- idempotent producers (PROTOCOL.md 5.2.1) ----------------------------------------------

/// JavaScript's largest exact integer: Producer-Epoch and Producer-Seq stay within it.
inline constexpr std::uint64_t max_producer_number = (1ULL << 53) - 1;

struct producer_tag {
  std::string id;
  std::uint64_t epoch = 0;
  std::uint64_t seq = 0;
  friend bool operator==(const producer_tag&, const producer_tag&) = default;
};

struct producer_parse {
  std::optional<producer_tag> tag;  ///< nullopt and no error: no producer headers
  std::string error;                ///< non-empty: 400
};

/// Producer-Id, -Epoch and -Seq: all three or none; a non-empty id; decimal integers without
/// sign or leading zeros, at most max_producer_number.
producer_parse parse_producer(const std::optional<std::string>& id,
                              const std::optional<std::string>& epoch,
                              const std::optional<std::string>& seq);

enum class producer_verdict {
  accept,                ///< append; the producer's state becomes (epoch, seq)
  duplicate,             ///< already applied: 204, nothing appended
  stale_epoch,           ///< 403 with the current epoch
  seq_gap,               ///< 409 with the expected seq
  new_epoch_not_at_zero  ///< 400: a new epoch starts at seq 0
};

/// The verdict for a request given the producer's last accepted (epoch, seq) on the stream
/// (nullopt: a producer the stream has not seen, which must start at seq 0).
producer_verdict check_producer(const std::optional<producer_tag>& last, const producer_tag& req);

// --- the stored form of data ---------------------------------------------------------------
// Each DS append is stored as events whose data is space-separated tokens: the base64 of the
// bytes (exact for any bytes, binary included, where SSE framing would fold CR), then on the last
// event of an append `s` + base64 of its Stream-Seq and `p` + base64(id).epoch.seq of its
// producer, when it carried them.

struct stored_data {
  std::string bytes;
  std::optional<std::string> stream_seq;
  std::optional<producer_tag> producer;
};
std::string encode_stored(const stored_data& d);
std::optional<stored_data> decode_stored(std::string_view data);

/// Where the door's paths start: /v1/stream/{path}.
inline constexpr std::string_view path_prefix = "/v1/stream/";

/// The DS path of a request-target under /v1/stream/: what follows the prefix, up to the '?'.
/// The one definition the door and its access control share, so that both name one stream.
std::string_view path_in_target(std::string_view target);

/// The DS path (what follows /v1/stream/) a Stream-Forked-From value names: the query dropped,
/// and the /v1/stream/ prefix when present.
std::string fork_source_path(std::string_view header);

/// Query parameters of a request-target ("a=1&b=2"), percent-decoded; nullopt on bad escapes.
std::optional<std::vector<std::pair<std::string, std::string>>> parse_query(std::string_view q);

/// The store's stream id for a DS path (what follows /v1/stream/): "ds:" plus the path with
/// every byte outside [A-Za-z0-9.-] written `_XX` (upper-case hex), so that distinct paths never
/// share an id and no v1 id without "ds:" meets one. nullopt: empty, or too long to leave room
/// for fork_registry_id's suffix within the stream id limit (126 characters).
std::optional<std::string> store_id_for_path(std::string_view path);

/// The store stream that lists the forks made of the stream `id` (a store_id_for_path result):
/// `id` + "_f", which no path encodes to (an encoded `_` is always followed by two upper-case
/// hex digits).
std::string fork_registry_id(std::string_view id);

}  // namespace sse::durable
