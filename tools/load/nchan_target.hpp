#pragma once
// The nchan target kind (--target-kind nchan), for the side-by-side benchmark (bench/nchan). nchan
// publishes one message per POST to a publisher location and serves an EventSource location that
// resumes from Last-Event-ID, but its message ids are opaque `time:tag` strings and it has no gap,
// end or reset events. So the producer writes the stream position into the payload (`<publish_ns>
// <seq> <filler>`, or `<publish_ns> <seq> !end` for the last message), and the subscriber rewrites
// each nchan event into the `<epoch>:<seq>` form the sequence checker reads, keeping nchan's own id
// to resume with. A message nchan loses is then a seq the checker sees skipped: counted as an
// unannounced loss, as it should be. Pure.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "stream/sse_parser.hpp"

namespace sse::load {

/// "http://127.0.0.1:PORT/path/{id}/rest": the port and the path around the channel id. Without
/// `{id}` the id is appended to the path.
struct url_template {
  std::uint16_t port = 0;
  std::string before;  ///< path up to the id
  std::string after;   ///< path after the id
  std::string expand(std::string_view id) const;
};

/// Errors: errc::invalid_argument (not http://127.0.0.1:PORT/...: traffic stays on loopback).
result<url_template> parse_url_template(std::string_view url);

/// The body of one nchan publish: `<publish_ns> <seq> <filler>`; `end` makes it the stream's
/// last message (`<publish_ns> <seq> !end`).
std::string nchan_message(std::uint64_t seq, std::uint64_t publish_ns, std::uint32_t filler_bytes,
                          bool end);

/// Rewrites one event read from nchan in place for the sequence checker: id `n:<seq>` (the seq
/// from the payload), event `end` for the end marker, data unchanged (read_publish_ns still
/// finds the timestamp first). `nchan_id` receives nchan's own id, the Last-Event-ID to resume
/// with. False (event untouched) when the payload carries no seq: not one of ours.
bool translate_nchan_event(stream::parsed_event& ev, std::string& nchan_id);

}  // namespace sse::load
