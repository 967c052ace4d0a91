#pragma once
// Writes streams in the v1.10 layout (store/redis/legacy.hpp) straight into Redis, the way a
// v1.10 node left them, so that tests can check the upgrade.

#include <chrono>
#include <string>
#include <vector>

#include "redis_server.hpp"
#include "store/redis/legacy.hpp"

namespace sse::store::redis_test {

struct legacy_stream {
  std::string id;
  std::string epoch = "legacy01";
  std::string status = "open";  ///< "completed" etc. for an ended stream (last event "end")
  std::vector<redis_layout::legacy_event> events;  ///< the buffered ones, oldest first
  seq_t last_seq = 0;                              ///< 0: the last event's seq
  std::uint64_t trimmed = 0;
  std::size_t buffer_limit = 256;
  std::chrono::milliseconds ttl{std::chrono::hours(1)};
  std::string prefix = "sse:";
};

/// A stream with events 1..n (types "event", priorities cycling 0..3, data "legacy <seq>"),
/// minus the seqs in `trimmed_seqs`.
legacy_stream make_legacy_stream(std::string id, seq_t n, std::vector<seq_t> trimmed_seqs = {});

/// Writes the state hash and the buffer list (RPUSH, oldest first), with the TTL on both.
void write_legacy_stream(test::redis_server& redis, const legacy_stream& s);

/// As write_legacy_stream, with these list elements (oldest first) instead of s.events.
void write_legacy_elements(test::redis_server& redis, const legacy_stream& s,
                           const std::vector<std::string>& elements);

/// How the real `zstd` CLI is fed: a file (the frame states its content size) or a pipe (it
/// cannot: the frame has no content size, as from any streaming writer).
enum class zstd_input { file, pipe };

/// e's v1.10 JSON compressed by the `zstd` CLI (apt package zstd, installed by
/// scripts/bootstrap.sh), with or without a checksum. Throws std::runtime_error when it fails.
std::string zstd_cli_frame(const redis_layout::legacy_event& e, zstd_input input, bool checksum);

}  // namespace sse::store::redis_test
