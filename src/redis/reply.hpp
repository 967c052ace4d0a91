#pragma once
// A RESP2 reply as a plain value (hiredis' redisReply is a C tree with manual frees; this owns its
// children and can be moved between threads).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace sse::redis {

enum class reply_type { nil, integer, string, status, error, array };

struct reply {
  reply_type type = reply_type::nil;
  long long integer = 0;        ///< reply_type::integer
  std::string str;              ///< string, status and error
  std::vector<reply> elements;  ///< array

  bool is_nil() const noexcept { return type == reply_type::nil; }
  bool is_error() const noexcept { return type == reply_type::error; }
  bool is_array() const noexcept { return type == reply_type::array; }
  bool is_string() const noexcept {
    return type == reply_type::string || type == reply_type::status;
  }

  /// The integer value of an integer reply, or of a string reply holding a decimal integer
  /// (Redis returns numbers both ways, e.g. HGET vs HLEN). nullopt for anything else.
  std::optional<long long> to_int() const noexcept;

  /// True for an error reply whose message starts with `prefix` (e.g. "NOSCRIPT").
  bool error_starts_with(std::string_view prefix) const noexcept;

  static reply make_string(std::string s) { return {reply_type::string, 0, std::move(s), {}}; }
  static reply make_int(long long v) { return {reply_type::integer, v, {}, {}}; }
};

/// True for the answer to PING: +PONG, or on a RESP2 link in pub/sub mode (subscriber_mode: a
/// subscriber connection, which may not have subscribed yet) also ["pong", ""].
bool is_ping_answer(const reply& r, bool subscriber_mode) noexcept;

/// Human-readable rendering for logs and test failure messages.
std::string to_debug_string(const reply& r);

}  // namespace sse::redis
