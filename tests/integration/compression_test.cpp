// Compressed SSE where users meet it: `curl --compressed -N` gets each event as soon
// as it is appended (every write is flushed), the node's compressor budget falls back to plain
// SSE, and clients that refuse compression (Cache-Control: no-transform, identity, q=0) get none.
// Chromium's EventSource on compressed streams: tests/browser/compression_browser_test.mjs.
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/child_process.hpp"
#include "gateway_test.hpp"

namespace sse::test {
namespace {

using namespace std::chrono_literals;
using steady = std::chrono::steady_clock;

std::string read_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class compression_test : public gateway_test {};

class curl_compressed : public compression_test,
                        public ::testing::WithParamInterface<const char*> {};

TEST_P(curl_compressed, each_event_arrives_within_50ms_of_its_append) {
  const std::string coding = GetParam();
  start({"--sse-compression", coding});
  append("c", "first");
  temp_dir dir;
  // curl decodes what --compressed asked for (it offers gzip and zstd: `curl -V` lists both) and
  // writes every decoded byte at once with -N.
  tools::child_options curl_options;
  curl_options.program = "curl";
  curl_options.args = {"--compressed",
                       "-N",
                       "-s",
                       "--max-time",
                       "20",
                       "-D",
                       (dir.path() / "headers.txt").string(),
                       "-o",
                       (dir.path() / "body.txt").string(),
                       gw().base_url() + events_path("c")};
  curl_options.output_dir = dir.path();
  curl_options.name = "curl";
  tools::child_process curl(std::move(curl_options));
  const auto body = [&] { return read_file(dir.path() / "body.txt"); };
  ASSERT_TRUE(bounded_wait([&] { return body().find("data: first\n\n") != std::string::npos; }, 5s))
      << "first event not received: " << body();
  const std::string headers = read_file(dir.path() / "headers.txt");
  EXPECT_NE(headers.find("Content-Encoding: " + coding + "\r\n"), std::string::npos) << headers;
  EXPECT_NE(headers.find("Vary: Accept-Encoding\r\n"), std::string::npos) << headers;

  for (int i = 0; i < 20; ++i) {
    const std::string data = "token-" + std::to_string(i);
    const auto t0 = steady::now();
    append("c", data);
    const bool got = bounded_wait(
        [&] { return body().find("data: " + data + "\n\n") != std::string::npos; }, 2s, 1ms);
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(steady::now() - t0);
    ASSERT_TRUE(got) << data << " never decoded by curl; body so far: " << body();
    EXPECT_LE(ms.count(), 50) << data << " took " << ms.count() << " ms from append to curl";
  }
  end_stream("c");
  // The end event, then the compressed stream's proper end: curl exits 0 (it reports a
  // truncated or corrupt gzip/zstd stream as an error).
  const auto status = curl.wait_exit(10s);
  ASSERT_TRUE(status) << "curl did not finish after the end event";
  EXPECT_TRUE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0)
      << "curl: " << read_file(dir.path() / "curl.stderr.log");
  EXPECT_NE(body().find("event: end\n"), std::string::npos) << body();
}

INSTANTIATE_TEST_SUITE_P(codings, curl_compressed, ::testing::Values("gzip", "zstd"),
                         [](const auto& info) { return std::string(info.param); });

TEST_F(compression_test, over_the_memory_budget_new_connections_are_served_uncompressed) {
  // One gzip compressor is about 43 KiB (sse_compressor's footprint): 64 KiB fits one.
  start({"--sse-compression", "gzip", "--sse-compression-max-memory", "64KiB"});
  http().put(stream_path("b"));
  const header_list gzip{{"Accept-Encoding", "gzip"}};
  auto first = subscribe("b", std::nullopt, {}, gzip);
  ASSERT_EQ(first->status(), 200);
  EXPECT_EQ(first->header("Content-Encoding"), "gzip");
  auto second = subscribe("b", std::nullopt, {}, gzip);
  ASSERT_EQ(second->status(), 200);
  EXPECT_EQ(second->header("Content-Encoding"), std::nullopt) << "the budget holds one only";
  // Uncompressed, it is an ordinary stream.
  append("b", "plain");
  auto e = second->next_event(5s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->data, "plain");
  const std::string m = scrape_metrics();
  EXPECT_EQ(metric_value(m, "sse_gateway_sse_compression_over_budget_total"), 1);
  EXPECT_EQ(metric_value(m, "sse_gateway_sse_compressed_connections_total"), 1);
  EXPECT_GT(metric_value(m, "sse_gateway_sse_compression_memory_bytes").value_or(0), 0);

  // The budget comes back when the compressed connection ends.
  first.reset();
  ASSERT_TRUE(bounded_wait(
      [&] {
        return metric_value(scrape_metrics(), "sse_gateway_sse_compression_memory_bytes") == 0;
      },
      5s));
  auto third = subscribe("b", std::nullopt, {}, gzip);
  EXPECT_EQ(third->header("Content-Encoding"), "gzip");
}

TEST_F(compression_test, clients_that_refuse_compression_get_plain_sse) {
  start({"--sse-compression", "zstd,gzip"});
  http().put(stream_path("r"));
  const std::vector<header_list> refusing{
      {{"Accept-Encoding", "gzip, zstd"}, {"Cache-Control", "no-transform"}},
      {{"Accept-Encoding", "identity"}},
      {{"Accept-Encoding", "gzip;q=0"}},
      {{"Accept-Encoding", "gzip;q=0, zstd;q=0, *;q=0"}},
      {},  // no Accept-Encoding at all
  };
  std::vector<std::unique_ptr<sse_client>> subs;
  for (const auto& h : refusing) {
    subs.push_back(subscribe("r", std::nullopt, {}, h));
    ASSERT_EQ(subs.back()->status(), 200);
    EXPECT_EQ(subs.back()->header("Content-Encoding"), std::nullopt);
    EXPECT_EQ(subs.back()->header("Vary"), "Accept-Encoding");
  }
  append("r", "plain");
  for (auto& s : subs) {
    auto e = s->next_event(5s);
    ASSERT_TRUE(e);
    EXPECT_EQ(e->data, "plain");
  }
  // And the server's order decides between codings the client accepts alike.
  auto both = subscribe("r", std::nullopt, {}, {{"Accept-Encoding", "gzip, deflate, br, zstd"}});
  EXPECT_EQ(both->header("Content-Encoding"), "zstd");
  auto prefers_gzip = subscribe("r", std::nullopt, {}, {{"Accept-Encoding", "gzip, zstd;q=0.5"}});
  EXPECT_EQ(prefers_gzip->header("Content-Encoding"), "gzip");
}

// A compressed answer depends on Accept-Encoding and, with CORS, on Origin: a cache must be told
// both. The CORS Vary used to replace the compression's, so a shared cache was told that a gzip
// answer fits a client that never asked for gzip.
TEST_F(compression_test, with_cors_one_vary_names_accept_encoding_and_origin) {
  start({"--sse-compression", "gzip", "--cors-origin", "http://page.example"});
  http().put(stream_path("v"));
  for (const bool with_origin : {true, false}) {
    header_list h{{"Accept-Encoding", "gzip"}};
    if (with_origin) {
      h.emplace_back("Origin", "http://page.example");
    }
    auto s = subscribe("v", std::nullopt, {}, h);
    ASSERT_EQ(s->status(), 200);
    EXPECT_EQ(s->header("Content-Encoding"), "gzip");
    EXPECT_EQ(s->headers().count("Vary"), 1u) << "one Vary field, with_origin=" << with_origin;
    EXPECT_EQ(s->header("Vary"), "Accept-Encoding, Origin") << "with_origin=" << with_origin;
    EXPECT_EQ(s->header("Access-Control-Allow-Origin"),
              with_origin ? std::optional<std::string>("http://page.example") : std::nullopt);
  }
  // Uncompressed (this client reads plain SSE), the same one field, and the stream flows.
  auto plain = subscribe("v", std::nullopt, {}, {{"Origin", "http://page.example"}});
  ASSERT_EQ(plain->status(), 200);
  EXPECT_EQ(plain->header("Content-Encoding"), std::nullopt);
  EXPECT_EQ(plain->headers().count("Vary"), 1u);
  EXPECT_EQ(plain->header("Vary"), "Accept-Encoding, Origin");
  append("v", "after both");
  auto e = plain->next_event(5s);
  ASSERT_TRUE(e);
  EXPECT_EQ(e->data, "after both");
}

TEST_F(compression_test, off_by_default_and_no_vary) {
  start();
  http().put(stream_path("o"));
  auto s = subscribe("o", std::nullopt, {}, {{"Accept-Encoding", "gzip, deflate, br, zstd"}});
  ASSERT_EQ(s->status(), 200);
  EXPECT_EQ(s->header("Content-Encoding"), std::nullopt);
  EXPECT_EQ(s->header("Vary"), std::nullopt);
}

}  // namespace
}  // namespace sse::test
