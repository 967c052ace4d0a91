// libFuzzer: the Last-Event-ID / last_event_id parser (src/stream/resume).

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "stream/resume.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto rp = sse::stream::parse_resume_point(in);
  if (rp && in.empty()) {
    __builtin_trap();  // an empty header is never a position
  }
  return 0;
}
