#include "gateway_test.hpp"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <charconv>
#include <iostream>
#include <stdexcept>

namespace sse::test {

std::optional<event_position> parse_event_id(std::string_view id) {
  const auto colon = id.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return std::nullopt;
  }
  event_position p;
  p.epoch = std::string(id.substr(0, colon));
  const auto digits = id.substr(colon + 1);
  const auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), p.seq);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty()) {
    return std::nullopt;
  }
  return p;
}

std::string event_json(const event_spec& e) {
  boost::json::object o;
  o["data"] = e.data;
  if (!e.type.empty()) {
    o["event"] = e.type;
  }
  if (e.priority >= 0) {
    o["priority"] = e.priority;
  }
  if (e.checkpoint) {
    o["checkpoint"] = true;
  }
  return boost::json::serialize(o);
}

::testing::AssertionResult is_api_error(const http_response& res, int status,
                                        std::string_view code) {
  if (res.status != status) {
    return ::testing::AssertionFailure() << "expected status " << status << ", got:\n"
                                         << res.describe();
  }
  const auto type = res.header("Content-Type").value_or("");
  if (type.rfind("application/json", 0) != 0) {
    return ::testing::AssertionFailure() << "error answer is not application/json:\n"
                                         << res.describe();
  }
  boost::system::error_code ec;
  const auto v = boost::json::parse(res.body, ec);
  if (ec || !v.is_object()) {
    return ::testing::AssertionFailure() << "error body is not a JSON object:\n" << res.describe();
  }
  const auto& o = v.as_object();
  const auto* error = o.if_contains("error");
  const auto* message = o.if_contains("message");
  if (error == nullptr || !error->is_string() || error->as_string().empty()) {
    return ::testing::AssertionFailure() << "no string \"error\" in:\n" << res.describe();
  }
  if (message == nullptr || !message->is_string() || message->as_string().empty()) {
    return ::testing::AssertionFailure() << "no string \"message\" in:\n" << res.describe();
  }
  if (!code.empty() && error->as_string() != code) {
    return ::testing::AssertionFailure() << "expected error code \"" << code << "\", got:\n"
                                         << res.describe();
  }
  return ::testing::AssertionSuccess();
}

void gateway_test::start(std::vector<std::string> args) {
  gw_ = std::make_unique<gateway_process>(std::move(args));
  http_ = std::make_unique<http_client>(gw_->host(), gw_->port());
}

void gateway_test::TearDown() {
  if (HasFailure() && gw_) {
    std::cout << "---- " << gw_->diagnostics() << "\n---- command line:";
    for (const auto& a : gw_->command_line()) {
      std::cout << ' ' << a;
    }
    std::cout << std::endl;
  }
  http_.reset();
  gw_.reset();
}

namespace {

boost::json::object expect_ok(const http_response& res, std::string_view what) {
  if (res.status != 200) {
    throw std::runtime_error(std::string(what) + ": expected 200, got:\n" + res.describe());
  }
  return res.json_object();
}

}  // namespace

boost::json::object gateway_test::append(std::string_view stream, const event_spec& e,
                                         const header_list& headers) {
  return expect_ok(http().post(events_path(stream), event_json(e), "application/json", headers),
                   "append to " + std::string(stream));
}

boost::json::object gateway_test::append_batch(std::string_view stream,
                                               const std::vector<event_spec>& events,
                                               const header_list& headers) {
  std::string body;
  for (const auto& e : events) {
    body += event_json(e);
    body += '\n';
  }
  return expect_ok(http().post(events_path(stream), body, "application/x-ndjson", headers),
                   "batch append to " + std::string(stream));
}

boost::json::object gateway_test::end_stream(std::string_view stream, std::string_view status) {
  return expect_ok(
      http().post(stream_path(stream) + "/end", "{\"status\":\"" + std::string(status) + "\"}"),
      "end " + std::string(stream));
}

boost::json::object gateway_test::info(std::string_view stream) {
  return expect_ok(http().get(stream_path(stream)), "info " + std::string(stream));
}

std::unique_ptr<sse_client> gateway_test::subscribe(std::string_view stream,
                                                    std::optional<std::string> last_event_id,
                                                    std::string_view query, header_list headers,
                                                    int receive_buffer_bytes) {
  sse_request req;
  req.target = events_path(stream);
  if (!query.empty()) {
    req.target += "?" + std::string(query);
  }
  req.last_event_id = std::move(last_event_id);
  req.headers = std::move(headers);
  req.receive_buffer_bytes = receive_buffer_bytes;
  return std::make_unique<sse_client>(gw().host(), gw().port(), std::move(req));
}

std::string gateway_test::scrape_metrics() {
  const auto res = http().get("/metrics");
  if (res.status != 200) {
    throw std::runtime_error("GET /metrics: " + res.describe());
  }
  return res.body;
}

std::string describe_events(const std::vector<parsed_event>& events) {
  std::string out;
  for (const auto& e : events) {
    out += "  {id: " + e.id + ", event: " + (e.event.empty() ? "-" : e.event) +
           ", data: " + e.data.substr(0, 80) + "}\n";
  }
  return out.empty() ? "  (none)\n" : out;
}

::testing::AssertionResult matches_expected(
    const std::vector<parsed_event>& got, const std::vector<expected_item>& want,
    std::string_view epoch, const std::function<std::string(std::uint64_t)>& data_of) {
  auto fail = [&](std::size_t i, const std::string& why) {
    return ::testing::AssertionFailure() << "item " << i << ": " << why << "\nreceived:\n"
                                         << describe_events(got);
  };
  const std::string prefix = std::string(epoch) + ":";
  for (std::size_t i = 0; i < want.size(); ++i) {
    if (i >= got.size()) {
      return fail(i, "missing (expected " + std::to_string(want.size()) + " items, got " +
                         std::to_string(got.size()) + ")");
    }
    const auto& w = want[i];
    const auto& g = got[i];
    switch (w.what) {
      case expected_item::kind::event:
        if (g.id != prefix + std::to_string(w.seq) || !g.event.empty()) {
          return fail(i, "expected untyped event id " + prefix + std::to_string(w.seq));
        }
        if (data_of && g.data != data_of(w.seq)) {
          return fail(i, "seq " + std::to_string(w.seq) + " has data '" + g.data + "', expected '" +
                             data_of(w.seq) + "'");
        }
        break;
      case expected_item::kind::gap: {
        if (g.event != "gap" || g.id != prefix + std::to_string(w.seq)) {
          return fail(i, "expected event: gap with id " + prefix + std::to_string(w.seq));
        }
        boost::json::object exact;
        exact["from"] = static_cast<std::int64_t>(w.from);
        exact["to"] = static_cast<std::int64_t>(w.seq);
        exact["reason"] = "trimmed";
        boost::system::error_code ec;
        const auto v = boost::json::parse(g.data, ec);
        if (ec || v != boost::json::value(exact)) {
          return fail(i, "gap data '" + g.data + "', expected " + boost::json::serialize(exact));
        }
        break;
      }
      case expected_item::kind::reset: {
        if (g.event != "reset") {
          return fail(i, "expected event: reset");
        }
        boost::json::object exact;
        exact["reason"] = w.reason;
        exact["epoch"] = epoch;
        exact["last_seq"] = static_cast<std::int64_t>(w.seq);
        boost::system::error_code ec;
        const auto v = boost::json::parse(g.data, ec);
        if (ec || v != boost::json::value(exact)) {
          return fail(i, "reset data '" + g.data + "', expected " + boost::json::serialize(exact));
        }
        break;
      }
      case expected_item::kind::end:
        if (g.event != "end" || g.id != prefix + std::to_string(w.seq)) {
          return fail(i, "expected event: end with id " + prefix + std::to_string(w.seq));
        }
        break;
    }
  }
  if (got.size() > want.size()) {
    return fail(want.size(), "unexpected extra events");
  }
  return ::testing::AssertionSuccess();
}

}  // namespace sse::test
