#include "redis/script.hpp"

#include <boost/uuid/detail/sha1.hpp>
#include <cstdio>

namespace sse::redis {

script::script(std::string source) : source_(std::move(source)) {
  // Boost's SHA1 (used by its name-based UUIDs); the digest layout is that of Boost 1.81.
  boost::uuids::detail::sha1 h;
  h.process_bytes(source_.data(), source_.size());
  boost::uuids::detail::sha1::digest_type digest;
  h.get_digest(digest);
  char hex[41];
  for (int i = 0; i < 5; ++i) {
    std::snprintf(hex + i * 8, 9, "%08x", digest[i]);
  }
  sha_.assign(hex, 40);
}

}  // namespace sse::redis
