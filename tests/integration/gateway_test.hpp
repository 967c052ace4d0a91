#pragma once
// Shared fixture of the integration suite: each test starts its own real `sse-gateway` process
// on 127.0.0.1:0 and talks HTTP/SSE to it over sockets (tests/support).

#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bounded_wait.hpp"
#include "gateway_process.hpp"
#include "http_client.hpp"
#include "metric_value.hpp"
#include "sse_client.hpp"

namespace sse::test {

/// An `id:` of the gateway split into its parts.
struct event_position {
  std::string epoch;
  std::uint64_t seq = 0;
};
/// Parses "<epoch>:<seq>"; nullopt when it is not of that form.
std::optional<event_position> parse_event_id(std::string_view id);

/// One event as a producer sends it.
struct event_spec {
  std::string data;
  std::string type;         ///< empty: no "event" member
  int priority = -1;        ///< -1: no "priority" member
  bool checkpoint = false;  ///< true: `"checkpoint": true`
};
/// The JSON object of one event (one NDJSON line without its newline).
std::string event_json(const event_spec& e);

/// `res` is an API error: the status, Content-Type application/json, a body
/// {"error": <code>, "message": <non-empty string>} (code checked when not empty).
::testing::AssertionResult is_api_error(const http_response& res, int status,
                                        std::string_view code = {});

class gateway_test : public ::testing::Test {
 protected:
  /// Starts the gateway with extra flags and an HTTP client for it.
  void start(std::vector<std::string> args = {});
  void TearDown() override;

  gateway_process& gw() { return *gw_; }
  http_client& http() { return *http_; }

  static std::string stream_path(std::string_view stream) {
    return "/v1/streams/" + std::string(stream);
  }
  static std::string events_path(std::string_view stream) {
    return stream_path(stream) + "/events";
  }

  /// POST one event; expects 200 and returns the answer. Throws (with the response) otherwise.
  boost::json::object append(std::string_view stream, const event_spec& e,
                             const header_list& headers = {});
  boost::json::object append(std::string_view stream, std::string data) {
    return append(stream, event_spec{std::move(data), {}, -1});
  }
  /// POST an NDJSON batch; expects 200.
  boost::json::object append_batch(std::string_view stream, const std::vector<event_spec>& events,
                                   const header_list& headers = {});
  /// POST .../end; expects 200.
  boost::json::object end_stream(std::string_view stream, std::string_view status = "completed");
  /// GET /v1/streams/{id}; expects 200.
  boost::json::object info(std::string_view stream);

  /// Opens an SSE subscription (GET .../events[?query]) with an optional Last-Event-ID.
  std::unique_ptr<sse_client> subscribe(std::string_view stream,
                                        std::optional<std::string> last_event_id = std::nullopt,
                                        std::string_view query = {}, header_list headers = {},
                                        int receive_buffer_bytes = 0);

  /// /metrics now; read a sample of it with metric_value (metric_value.hpp).
  std::string scrape_metrics();

  std::unique_ptr<gateway_process> gw_;
  std::unique_ptr<http_client> http_;
};

/// Expected content of a (re)subscription, item by item.
struct expected_item {
  enum class kind { event, gap, reset, end };
  kind what = kind::event;
  std::uint64_t seq = 0;   ///< event/end: its seq; gap: `to`; reset: the `last_seq` announced
  std::uint64_t from = 0;  ///< gap only
  std::string reason;      ///< reset only: "epoch" or "ahead"
};

/// Compares received events with the expectation: ids `<epoch>:<seq>`, gap data exactly
/// {"from","to","reason":"trimmed"} with id `<epoch>:<to>`, event data `data_of(seq)` for
/// events (when data_of is given), `event: end` for the end.
::testing::AssertionResult matches_expected(
    const std::vector<parsed_event>& got, const std::vector<expected_item>& want,
    std::string_view epoch, const std::function<std::string(std::uint64_t)>& data_of = {});

/// Readable dump of events for failure messages.
std::string describe_events(const std::vector<parsed_event>& events);

}  // namespace sse::test
