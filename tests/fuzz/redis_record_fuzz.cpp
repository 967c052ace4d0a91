// libFuzzer: the Redis store's decoding of stored records (src/store/redis): buffer members,
// live-channel messages and the legacy (v1.10) zstd+JSON layout.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "store/redis/legacy.hpp"
#include "store/redis/record.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace sse::store::redis_layout;
  (void)decode_member(in, "ep0000");
  (void)parse_live_message(in);
  (void)decode_legacy_event(in);
  return 0;
}
