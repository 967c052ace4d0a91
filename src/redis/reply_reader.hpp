#pragma once
// Sans-io RESP2 parser: bytes in, reply values out. Wraps hiredis' redisReader with reply-object
// functions that build sse::redis::reply directly (no redisReply tree to convert and free).

#include <optional>
#include <string_view>

#include "core/error.hpp"
#include "redis/reply.hpp"

struct redisReader;

namespace sse::redis {

class reply_reader {
 public:
  reply_reader();
  ~reply_reader();
  reply_reader(const reply_reader&) = delete;
  reply_reader& operator=(const reply_reader&) = delete;

  /// Buffers bytes read from the socket (hiredis copies them).
  void feed(std::string_view bytes);

  /// The next complete reply; nullopt when more bytes are needed. A protocol error (errc::internal)
  /// leaves the reader unusable until reset(): the connection must be dropped.
  result<std::optional<reply>> next();

  /// Forgets buffered bytes and any partial reply (after a reconnect).
  void reset();

 private:
  redisReader* reader_ = nullptr;
};

}  // namespace sse::redis
