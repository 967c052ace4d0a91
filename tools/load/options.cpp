#include "load/options.hpp"

#include <CLI/CLI.hpp>
#include <charconv>
#include <iostream>

#include "load/source_addresses.hpp"

#ifndef SSE_DEFAULT_GATE_FILE
#define SSE_DEFAULT_GATE_FILE "tools/load/gate.json"
#endif

namespace sse::load {

result<std::chrono::milliseconds> parse_duration(std::string_view text) {
  double value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || value < 0 || ptr == text.data()) {
    return make_error_code(errc::invalid_argument);
  }
  const std::string_view unit(ptr, static_cast<std::size_t>(text.data() + text.size() - ptr));
  double ms = 0;
  if (unit.empty() || unit == "s") {
    ms = value * 1000;
  } else if (unit == "ms") {
    ms = value;
  } else if (unit == "m") {
    ms = value * 60'000;
  } else if (unit == "h") {
    ms = value * 3'600'000;
  } else {
    return make_error_code(errc::invalid_argument);
  }
  return std::chrono::milliseconds(static_cast<long long>(ms));
}

namespace {

struct duration_flag {
  const char* name;
  std::chrono::milliseconds* field;
  const char* help;
  std::string raw;
};

bool parse_target(const std::string& url, load_options& o) {
  const std::string prefix = "http://127.0.0.1:";
  if (url.rfind(prefix, 0) != 0) {
    return false;
  }
  std::string_view port(url);
  port.remove_prefix(prefix.size());
  if (!port.empty() && port.back() == '/') {
    port.remove_suffix(1);
  }
  unsigned value = 0;
  const auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
  if (ec != std::errc{} || ptr != port.data() + port.size() || value == 0 || value > 65535) {
    return false;
  }
  o.target_port = static_cast<std::uint16_t>(value);
  return true;
}

}  // namespace

int parse_options(int argc, char** argv, load_options& o, bool& exit_now) {
  exit_now = false;
  o.gate_file = SSE_DEFAULT_GATE_FILE;
  CLI::App app{
      "sse-live-resume: load and performance gate for sse-gateway. Producers append, "
      "subscribers are cut abruptly and resume with Last-Event-ID; every window is checked "
      "against the gate file. Exit 0: gate passed; 1: gate failed; 2: setup error."};
  std::string weights = format_weights(o.mix.weights);
  std::string sizes = format_sizes(o.mix.sizes);

  app.add_option("--target", o.target, "A running gateway, http://127.0.0.1:PORT");
  app.add_option("--gateway-bin", o.gateway_bin, "Start this sse-gateway binary");
  app.add_option("--target-kind", o.target_kind,
                 "gateway: sse-gateway's API; nchan: an nginx+nchan server (bench/nchan) with "
                 "--publish-url and --subscribe-url, seq carried in the payload")
      ->check(CLI::IsMember({"gateway", "nchan"}))
      ->capture_default_str();
  app.add_option("--publish-url", o.publish_url,
                 "nchan: publisher location, http://127.0.0.1:PORT/pub/{id} ({id}: the channel)");
  app.add_option("--subscribe-url", o.subscribe_url,
                 "nchan: EventSource location, http://127.0.0.1:PORT/sub/{id}");
  app.add_option("--source-addresses", o.source_addresses,
                 "Spread client sockets over 127.0.0.1..127.0.0.N (IP_BIND_ADDRESS_NO_PORT), "
                 "so that one address's ephemeral ports do not run out; 0: one per started "
                 "10,000 connections (1: no bind)")
      ->check(CLI::Range(0u, max_source_addresses))
      ->capture_default_str();
  app.add_option("--store", o.store, "Store of the started gateway: memory or redis")
      ->check(CLI::IsMember({"memory", "redis"}))
      ->capture_default_str();
  app.add_option("--gateway-arg", o.gateway_args,
                 "Extra argument for the started gateway (repeatable; write --gateway-arg=--flag "
                 "for flags)")
      ->allow_extra_args(false);
  app.add_option("--producers,-P", o.producers, "Producer connections")
      ->check(CLI::Range(1u, 1000u))
      ->capture_default_str();
  app.add_option("--streams,-S", o.streams, "Concurrent streams")
      ->check(CLI::Range(1u, 1000000u))
      ->capture_default_str();
  app.add_option("--rate,-R", o.rate, "Events/s appended in total")
      ->check(CLI::Range(0.0, 10'000'000.0))
      ->capture_default_str();
  app.add_option("--subscribers,-C", o.subscribers, "SSE subscribers")
      ->check(CLI::Range(0u, 1000000u))
      ->capture_default_str();
  app.add_option("--stream-length", o.stream_length, "Events per stream before it ends")
      ->check(CLI::Range(1u, 100000000u))
      ->capture_default_str();
  app.add_option("--priority-mix", weights, "Weights of priorities 0,1,2,3")->capture_default_str();
  app.add_option("--payload-sizes", sizes, "Filler bytes min-max for priorities 0,1,2,3")
      ->capture_default_str();
  app.add_flag("--allow-reset", o.allow_reset,
               "Count a resume answered by `event: reset` as a success");
  app.add_option("--threads", o.threads, "Tool threads (one io_context each)")
      ->check(CLI::Range(1u, 64u))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "Random seed (printed; same seed, same choices)")
      ->capture_default_str();
  app.add_option("--gate", o.gate_file, "Gate thresholds file")->capture_default_str();
  app.add_option("--out", o.out_dir, "Artifacts folder")->capture_default_str();
  app.add_option("--commit", o.commit, "Commit id for summary.json (default: git rev-parse)");

  duration_flag durations[] = {
      {"--duration", &o.duration, "Run length", "60s"},
      {"--window", &o.window, "Gate window length", "10s"},
      {"--batch-interval", &o.batch_interval, "Producer tick: events due are sent per stream",
       "100ms"},
      {"--cut-mean", &o.cut_mean, "Mean connection life before the abrupt cut", "10s"},
      {"--cut-spread", &o.cut_spread, "Cut interval is uniform in mean +- spread", "5s"},
      {"--resume-pause", &o.resume_pause, "Pause between the cut and the resume", "500ms"},
      {"--resume-timeout", &o.resume_timeout, "A resume without a first event fails after", "20s"},
      {"--idle-timeout", &o.idle_timeout, "A connection with no bytes for this long is cut", "30s"},
      {"--ramp", &o.ramp, "Subscribers start spread over this long", "2s"},
  };
  for (auto& d : durations) {
    app.add_option(d.name, d.raw, std::string(d.help) + " (250ms, 15s, 5m or seconds)")
        ->capture_default_str();
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    exit_now = true;
    return app.exit(e);
  }
  exit_now = true;
  for (auto& d : durations) {
    auto v = parse_duration(d.raw);
    if (!v) {
      std::cerr << "error: " << d.name << ": not a duration: " << d.raw << "\n";
      return 2;
    }
    *d.field = *v;
  }
  auto w = parse_weights(weights);
  auto s = parse_sizes(sizes);
  if (!w || !s) {
    std::cerr << "error: bad --priority-mix or --payload-sizes\n";
    return 2;
  }
  o.mix.weights = *w;
  o.mix.sizes = *s;
  if (o.target_kind == "nchan") {
    auto pub = parse_url_template(o.publish_url);
    auto sub = parse_url_template(o.subscribe_url);
    if (!pub || !sub || !o.target.empty() || !o.gateway_bin.empty()) {
      std::cerr << "error: --target-kind nchan needs --publish-url and --subscribe-url "
                   "(http://127.0.0.1:PORT/path/{id}) and neither --target nor --gateway-bin\n";
      return 2;
    }
    o.publish = *pub;
    o.subscribe = *sub;
    o.target = "http://127.0.0.1:" + std::to_string(sub->port);
    o.target_port = sub->port;
  } else if (o.target.empty() == o.gateway_bin.empty()) {
    std::cerr << "error: give exactly one of --target and --gateway-bin\n";
    return 2;
  }
  if (o.target_kind == "gateway" && !o.target.empty() && !parse_target(o.target, o)) {
    std::cerr << "error: --target must be http://127.0.0.1:PORT (traffic stays on loopback)\n";
    return 2;
  }
  if (o.window.count() <= 0 || o.duration.count() <= 0 || o.batch_interval.count() <= 0) {
    std::cerr << "error: --duration, --window and --batch-interval must be > 0\n";
    return 2;
  }
  if (o.cut_spread > o.cut_mean) {
    std::cerr << "error: --cut-spread must not exceed --cut-mean\n";
    return 2;
  }
  if (o.producers > o.streams) {
    o.producers = o.streams;
  }
  if (o.source_addresses == 0) {
    o.source_addresses = auto_source_addresses(std::uint64_t{o.subscribers} + o.producers);
  }
  exit_now = false;
  return 0;
}

}  // namespace sse::load
