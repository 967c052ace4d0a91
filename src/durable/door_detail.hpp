#pragma once
// What the door's operations share (internal to src/durable): the stored event kinds, reply
// builders, decoding stored events and the read query.

#include <boost/system/error_code.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "durable/door.hpp"
#include "store/store.hpp"

namespace sse::durable::detail {

inline constexpr std::string_view meta_type = "ds.meta";
inline constexpr std::string_view data_type = "ds.data";
// No bytes, only a producer's step (a close by a producer): skipped by reads.
inline constexpr std::string_view state_type = "ds.state";
// Data is trimmed oldest-first and before the metadata: all data has one priority, below it.
inline constexpr int data_priority = 0;
inline constexpr int meta_priority = max_priority;
inline constexpr std::string_view catch_up_cache = "public, max-age=60, stale-while-revalidate=300";

bool iequals(std::string_view a, std::string_view b);

reply base_reply(unsigned status);
/// A JSON body naming the problem: {"error": code, "message": message}.
reply error_reply(unsigned status, std::string_view code, std::string_view message);
/// 503 when the store is unreachable or the outcome unknown, else 500.
reply store_failure(const boost::system::error_code& ec);
/// 404 for a missing stream, else store_failure.
reply not_found_or_failure(const boost::system::error_code& ec);

/// One stored event of a DS stream, decoded from its SSE frame.
struct decoded_event {
  seq_t seq = 0;
  std::string type;
  std::string data;
};
decoded_event decode_event(const stream::stored_event& e);

/// The data events of a read, with their bytes, and the state events (no bytes).
struct data_event {
  seq_t seq = 0;
  stored_data stored;
  bool state_only = false;
};
std::vector<data_event> data_events(const store::read_result& r);

/// The last (epoch, seq) the stream stored for a producer; nullopt: none (or trimmed since).
std::optional<producer_tag> last_producer_state(const std::vector<data_event>& events,
                                                const std::string& producer_id);
/// The last Stream-Seq any append carried, scanning back from the newest event.
std::optional<std::string> last_stream_seq(const std::vector<data_event>& events);

struct read_query {
  parsed_offset offset;
  bool offset_given = false;
  std::string live;  ///< "", "long-poll", "sse"
  std::optional<std::string> cursor;
};
/// The query of a read; nullopt (and why in `error`) when malformed.
std::optional<read_query> parse_read_query(std::string_view target, std::string& error);

std::string path_of(std::string_view target);

}  // namespace sse::durable::detail
