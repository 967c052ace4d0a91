#pragma once
// Command-line settings of sse-live-resume (CLI11). See `sse-live-resume --help` and
// tools/load/SCHEMA.md ("configuration").

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "load/nchan_target.hpp"
#include "load/traffic_mix.hpp"

namespace sse::load {

struct load_options {
  // Where the gateway is: started by the tool (gateway_bin) or already running (target).
  std::string target;  ///< "http://127.0.0.1:PORT"; empty: start gateway_bin
  std::string gateway_bin;
  std::string store = "memory";  ///< "memory" or "redis" (the tool starts its redis-server)
  std::vector<std::string> gateway_args;
  std::string target_host = "127.0.0.1";
  std::uint16_t target_port = 0;
  /// "gateway" (sse-gateway's API) or "nchan" (publish_url / subscribe_url, bench/nchan).
  std::string target_kind = "gateway";
  std::string publish_url;    ///< nchan: http://127.0.0.1:PORT/pub/{id}
  std::string subscribe_url;  ///< nchan: http://127.0.0.1:PORT/sub/{id}
  url_template publish;       ///< parsed publish_url
  url_template subscribe;     ///< parsed subscribe_url
  /// Loopback source addresses the client sockets spread over (source_addresses.hpp); 0:
  /// chosen from the connection count.
  unsigned source_addresses = 0;

  unsigned producers = 2;
  unsigned streams = 100;
  double rate = 2000;  ///< events/s appended, all producers together
  unsigned subscribers = 1000;
  unsigned stream_length = 200;  ///< events per stream before it ends and is replaced
  traffic_mix mix;
  std::chrono::milliseconds batch_interval{100};

  std::chrono::milliseconds cut_mean{10000};
  std::chrono::milliseconds cut_spread{5000};
  std::chrono::milliseconds resume_pause{500};
  std::chrono::milliseconds resume_timeout{20000};
  std::chrono::milliseconds idle_timeout{30000};
  std::chrono::milliseconds ramp{2000};
  bool allow_reset = false;

  std::chrono::milliseconds duration{60000};
  std::chrono::milliseconds window{10000};
  unsigned threads = 1;
  std::uint64_t seed = 1;
  std::string gate_file;
  std::string out_dir = "sse-live-resume-out";
  std::string commit;
};

/// Parses "250ms", "15s", "5m", "1h" or a bare number of seconds (may be fractional).
result<std::chrono::milliseconds> parse_duration(std::string_view text);

/// Parses argv. Returns 0 to go on, otherwise the exit code to stop with (help printed: 0 is
/// returned through `exit_now`; errors: 2, with the message on stderr).
int parse_options(int argc, char** argv, load_options& out, bool& exit_now);

}  // namespace sse::load
