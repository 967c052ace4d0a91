#pragma once
// Redis stays clean (scenario 5, cleanup_test.cpp): the keys a scenario leaves, with their TTLs.

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "redis_server.hpp"

namespace sse::test {

struct redis_key {
  std::string name;
  long long pttl_ms = -2;  ///< PTTL: -1 no TTL, -2 gone
};

/// Every key matching `pattern`, by a SCAN loop (bounded to `max_rounds` cursor steps), with its
/// PTTL. Throws std::runtime_error when SCAN fails or does not finish in max_rounds.
std::vector<redis_key> scan_keys(redis_server& redis, const std::string& pattern = "sse:*",
                                 int max_rounds = 10'000);

/// The stream id of a key: the text of its `{...}` hash tag; empty when it has none.
std::string stream_of_key(const std::string& key);

/// PTTL of one key (-2 when it does not exist).
long long pttl(redis_server& redis, const std::string& key);

/// No key of a stream in `finished` is left without a TTL (SCAN over "sse:*").
::testing::AssertionResult finished_streams_all_expire(redis_server& redis,
                                                       const std::set<std::string>& finished);

/// Every key, one per line with its TTL, for messages.
std::string describe_keys(const std::vector<redis_key>& keys, std::size_t max_lines = 60);

}  // namespace sse::test
