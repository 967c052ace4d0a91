#pragma once
// A Lua script called by EVALSHA. Its SHA1 is computed here, so a call never needs a SCRIPT LOAD
// round trip first; the client loads every script on each (re)connect and again on NOSCRIPT.

#include <string>
#include <string_view>

namespace sse::redis {

class script {
 public:
  explicit script(std::string source);

  const std::string& source() const noexcept { return source_; }
  /// Lower-case hex SHA1 of the source, as SCRIPT LOAD answers it.
  const std::string& sha() const noexcept { return sha_; }

 private:
  std::string source_;
  std::string sha_;
};

}  // namespace sse::redis
