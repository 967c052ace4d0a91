// The h2_session_fuzz corpus, and a seeded mutation of each input, replayed over real sockets
// into a running gateway. The fuzz target covers the sans-io session and request_builder; this
// covers what it cannot: h2/connection.cpp and stream.cpp with the real handlers, store and
// Asio, sanitized under the asan preset. Not coverage-guided: a fixed, repeatable set of
// hostile connections. While they run, two witnesses on other connections (an HTTP/1.1 SSE
// client and nghttp over h2c) read a stream that gets an event after every group of inputs:
// both must end with every event, in order, and the gateway must still answer.

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "bounded_wait.hpp"
#include "gateway_process.hpp"
#include "h2_tools.hpp"
#include "http/h2/preface.hpp"
#include "http_client.hpp"
#include "metric_value.hpp"
#include "seeded_rng.hpp"
#include "sse_client.hpp"
#include "stream/sse_parser.hpp"

namespace sse::test::h2 {
namespace {

using namespace std::chrono_literals;

using ::sse::http::h2::client_preface;

struct replay_input {
  std::string name;
  std::string bytes;      ///< what the client sends, preface included when the input wants it
  std::size_t chunk = 1;  ///< sent in writes of this size, as the fuzz target feeds the session
};

/// Reads the corpus as the fuzz target does: byte 0 is the control byte (bit 0 leaves the
/// preface out, bits 1-3 the chunk size), the rest the client's bytes.
replay_input decode(std::string name, const std::string& file) {
  replay_input in;
  in.name = std::move(name);
  const auto control = static_cast<std::uint8_t>(file[0]);
  if ((control & 0x01) == 0) {
    in.bytes.assign(client_preface);
  }
  in.bytes.append(file, 1);
  in.chunk = std::size_t{1} << (((control >> 1) & 0x07) * 2);
  return in;
}

std::vector<replay_input> corpus_inputs() {
  std::vector<std::filesystem::path> files;
  for (const auto& e : std::filesystem::directory_iterator(SSE_H2_FUZZ_CORPUS)) {
    files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());  // the same order on every run
  std::vector<replay_input> out;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    const std::string bytes{std::istreambuf_iterator<char>(in), {}};
    if (!bytes.empty()) {
      out.push_back(decode(f.filename().string(), bytes));
    }
  }
  return out;
}

/// A few bytes overwritten, inserted or cut, past the preface (a broken preface only ever meets
/// the HTTP/1.1 parser, which the h1 fuzzing covers).
replay_input mutated(const replay_input& in, seeded_rng& rng) {
  replay_input out = in;
  out.name += " (mutated)";
  const std::size_t from = out.bytes.starts_with(client_preface) ? client_preface.size() : 0;
  const auto edits = rng.uniform(1, 4);
  for (std::int64_t i = 0; i < edits && out.bytes.size() > from; ++i) {
    const auto at = static_cast<std::size_t>(rng.uniform(
        static_cast<std::int64_t>(from), static_cast<std::int64_t>(out.bytes.size()) - 1));
    switch (rng.uniform(0, 2)) {
      case 0:
        out.bytes[at] = static_cast<char>(rng.uniform(0, 255));
        break;
      case 1:
        out.bytes.insert(at, static_cast<std::size_t>(rng.uniform(1, 16)),
                         static_cast<char>(rng.uniform(0, 255)));
        break;
      default:
        out.bytes.erase(at, static_cast<std::size_t>(rng.uniform(1, 16)));
        break;
    }
  }
  return out;
}

TEST(h2_replay, corpus_inputs_and_their_mutations_over_sockets_lose_nothing_on_other_connections) {
  gateway_process gw(h2_gateway({"--header-timeout", "2s", "--request-timeout", "2s"}));
  http_client producer("127.0.0.1", gw.port());
  ASSERT_EQ(producer.put("/v1/streams/replay-witness").status, 201);
  sse_client h1_witness("127.0.0.1", gw.port(), "/v1/streams/replay-witness/events");
  ASSERT_EQ(h1_witness.status(), 200);
  auto h2_witness = start_tool("nghttp", {gw.base_url() + "/v1/streams/replay-witness/events"});

  std::vector<replay_input> inputs = corpus_inputs();
  ASSERT_GE(inputs.size(), 100U) << "the corpus is " << SSE_H2_FUZZ_CORPUS;
  seeded_rng rng;
  const std::size_t originals = inputs.size();
  for (std::size_t i = 0; i < originals; ++i) {
    inputs.push_back(mutated(inputs[i], rng));
  }

  // Groups of connections open at once, so that a connection the input leaves open (an SSE
  // subscription, a request still waiting for its body) costs the group's wait, not its own.
  constexpr std::size_t group = 16;
  int appended = 0;
  http_client attacker("127.0.0.1", gw.port(), 2s);
  for (std::size_t first = 0; first < inputs.size(); first += group) {
    std::vector<raw_connection> open;
    for (std::size_t i = first; i < std::min(first + group, inputs.size()); ++i) {
      SCOPED_TRACE(inputs[i].name);
      raw_connection c = attacker.raw_connect();
      const std::string_view bytes = inputs[i].bytes;
      for (std::size_t at = 0; at < bytes.size(); at += inputs[i].chunk) {
        if (!c.send(bytes.substr(at, inputs[i].chunk), 1s)) {
          break;  // the gateway closed it (a connection error): the rest is not needed
        }
      }
      open.push_back(std::move(c));
    }
    for (auto& c : open) {
      c.wait_closed(20ms);  // read what came back; most inputs end in GOAWAY and a close
    }
    open.clear();
    ASSERT_TRUE(gw.running()) << "after the group starting at " << inputs[first].name;
    ASSERT_EQ(producer
                  .post("/v1/streams/replay-witness/events",
                        R"({"data":"after group )" + std::to_string(first) + "\"}")
                  .status,
              200);
    ++appended;
  }
  ASSERT_EQ(producer.post("/v1/streams/replay-witness/end", "").status, 200);

  const auto h1_events =
      h1_witness.collect_until([](const parsed_event& e) { return e.event == "end"; }, 30s);
  ASSERT_EQ(h1_events.size(), static_cast<std::size_t>(appended + 1));
  const auto h2 = finish_tool(h2_witness, 30s);
  ASSERT_EQ(h2.exit_code, 0) << h2.err;
  auto h2_events = stream::sse_parser().feed(h2.out);
  std::erase_if(h2_events, [](const parsed_event& e) { return e.id.empty(); });
  ASSERT_EQ(h2_events.size(), h1_events.size()) << "the h2c witness lost events";
  for (std::size_t i = 0; i < h1_events.size(); ++i) {
    EXPECT_EQ(h1_events[i].id, h2_events[i].id);
    EXPECT_EQ(h1_events[i].data, h2_events[i].data);
  }
  for (int g = 0; g < appended; ++g) {
    EXPECT_EQ(h1_events[static_cast<std::size_t>(g)].data,
              "after group " + std::to_string(static_cast<std::size_t>(g) * group));
  }
  EXPECT_EQ(h1_events.back().event, "end");
  EXPECT_EQ(producer.get("/v1/streams/replay-witness").status, 200) << "the gateway still answers";
  // The inputs reached the HTTP/2 code, not only the HTTP/1.1 parser: streams were opened and
  // broken frames ended connections with a GOAWAY error.
  const std::string metrics = producer.get("/metrics").body;
  EXPECT_GE(metric_value(metrics, "sse_gateway_http2_streams_total").value_or(0), 100) << metrics;
  EXPECT_GE(metric_value(metrics, "sse_gateway_http2_connection_errors_total").value_or(0), 20)
      << metrics;
  EXPECT_TRUE(bounded_wait(
      [&] {
        return metric_value(producer.get("/metrics").body, "sse_gateway_http2_connections_open") ==
               0;
      },
      10s))
      << "every replayed connection was closed and accounted for";
  std::cout << "h2 streams " << metric_value(metrics, "sse_gateway_http2_streams_total").value_or(0)
            << ", connection errors "
            << metric_value(metrics, "sse_gateway_http2_connection_errors_total").value_or(0)
            << '\n';
}

}  // namespace
}  // namespace sse::test::h2
