// libFuzzer: request-target splitting, percent-decoding, query parameters and routing
// (src/http/target, router), and the header-block checks (src/http/request_framing): pure
// functions every request goes through.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/stream_id.hpp"
#include "core/text.hpp"
#include "http/request_framing.hpp"
#include "http/router.hpp"
#include "http/target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  using namespace sse::http;
  const target_parts parts = split_target(in);
  const route_match m = match_route(parts.path);
  (void)sse::core::is_valid_stream_id(m.stream_id);
  (void)query_param(parts.query, "last_event_id");
  (void)query_param(parts.query, "token");
  (void)sse::core::percent_decode(in, true);
  (void)sse::core::percent_decode(in, false);
  (void)parse_method(in);
  (void)origin_form(in);
  const std::size_t block = header_block_length(in);
  (void)framing_problem(in.substr(0, block == 0 ? in.size() : block), 11);
  (void)framing_problem(in, 10);
  for (auto k : {route_kind::stream, route_kind::stream_events, route_kind::metrics}) {
    (void)allowed_methods(k);
  }
  return 0;
}
