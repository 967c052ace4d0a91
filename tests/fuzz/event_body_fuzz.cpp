// libFuzzer: producers' bodies (src/http/request_body): one JSON event, NDJSON batches, the
// create and end bodies, and the Producer-Seq header.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "http/request_body.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace sse::http;
  (void)parse_event_body(in, body_format::json, 64 * 1024);
  (void)parse_event_body(in, body_format::ndjson, 64 * 1024);
  (void)parse_create_body(in);
  (void)parse_end_body(in);
  (void)parse_producer_seq(std::string(in));
  (void)event_body_format(in);
  return 0;
}
