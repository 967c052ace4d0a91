#include "http/h1/stream_framing.hpp"

#include <gtest/gtest.h>

#include <array>
#include <boost/asio/buffer.hpp>
#include <string>
#include <vector>

namespace sse::http::h1 {
namespace {

namespace net = boost::asio;

std::string bytes_of(const framed_body& buffers) {
  std::string out;
  for (const net::const_buffer b : buffers) {
    out.append(static_cast<const char*>(b.data()), b.size());
  }
  return out;
}

stream_head sse_head() {
  stream_head h;
  h.fields = {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}};
  return h;
}

static_assert(net::is_const_buffer_sequence<framed_body>::value,
              "Asio writes a framed_body as it is, without copying it into a vector");

TEST(chunk_size_line, is_lowercase_hex_then_crlf) {
  std::array<char, 20> line{};
  EXPECT_EQ(std::string(line.data(), chunk_size_line(0, line)), "0\r\n");
  EXPECT_EQ(std::string(line.data(), chunk_size_line(10, line)), "a\r\n");
  EXPECT_EQ(std::string(line.data(), chunk_size_line(0x1f40, line)), "1f40\r\n");
  EXPECT_EQ(std::string(line.data(), chunk_size_line(SIZE_MAX, line)), "ffffffffffffffff\r\n");
}

TEST(stream_framing, an_http11_head_announces_a_chunked_body_and_the_close_after_it) {
  stream_framing f;
  EXPECT_EQ(f.head(sse_head(), 11),
            "HTTP/1.1 200 OK\r\nServer: sse-gateway\r\nContent-Type: text/event-stream\r\n"
            "Cache-Control: no-cache\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n"
            "\r\n");
  EXPECT_TRUE(f.chunked());
}

TEST(stream_framing, an_http10_head_leaves_the_body_to_the_close) {
  stream_framing f;
  EXPECT_EQ(f.head(sse_head(), 10),
            "HTTP/1.0 200 OK\r\nServer: sse-gateway\r\nContent-Type: text/event-stream\r\n"
            "Cache-Control: no-cache\r\n\r\n");
  EXPECT_FALSE(f.chunked());
}

TEST(stream_framing, a_close_head_says_so_and_is_never_chunked) {
  stream_head h;
  h.close = true;
  h.fields = {{"Content-Type", "text/event-stream"}, {"Vary", "Origin"}, {"Vary", "X"}};
  for (unsigned version : {10u, 11u}) {
    stream_framing f;
    const std::string status = version == 11 ? "HTTP/1.1" : "HTTP/1.0";
    EXPECT_EQ(f.head(h, version),
              status +
                  " 200 OK\r\nServer: sse-gateway\r\nConnection: close\r\n"
                  "Content-Type: text/event-stream\r\nVary: Origin\r\nVary: X\r\n\r\n");
    EXPECT_FALSE(f.chunked());
  }
}

TEST(stream_framing, every_frame_of_a_write_goes_in_one_chunk_with_its_size_line) {
  stream_framing f;
  f.head(sse_head(), 11);
  const std::string a = "data: 1\n\n", empty, b = "data: 22\n\n";
  const std::vector<net::const_buffer> body{net::buffer(a), net::buffer(empty), net::buffer(b)};
  const framed_body wire = f.body(body, false);
  EXPECT_EQ(bytes_of(wire), "13\r\ndata: 1\n\ndata: 22\n\n\r\n");
  ASSERT_EQ(wire.size(), 5u) << "size line, the three frames, CRLF";
  // The frames are viewed where they are, not copied.
  EXPECT_EQ(wire[1].data(), a.data());
  EXPECT_EQ(wire[3].data(), b.data());
  EXPECT_EQ(net::buffer_size(wire), 25u);
}

TEST(stream_framing, the_end_follows_the_last_frames_or_goes_alone) {
  stream_framing f;
  f.head(sse_head(), 11);
  const std::string a = ": bye\n\n";
  const std::vector<net::const_buffer> body{net::buffer(a)};
  EXPECT_EQ(bytes_of(f.body(body, true)), "7\r\n: bye\n\n\r\n0\r\n\r\n");
  EXPECT_EQ(bytes_of(f.body({}, true)), "0\r\n\r\n");
  EXPECT_EQ(bytes_of(f.body({}, false)), "");
}

TEST(stream_framing, an_unframed_body_is_written_as_it_is_and_its_end_adds_nothing) {
  for (unsigned version : {10u, 11u}) {
    stream_framing f;
    stream_head h = sse_head();
    h.close = version == 11;
    f.head(h, version);
    const std::string a = "data: 1\n\n";
    const std::vector<net::const_buffer> body{net::buffer(a)};
    EXPECT_EQ(bytes_of(f.body(body, false)), a);
    EXPECT_EQ(bytes_of(f.body(body, true)), a);
    EXPECT_EQ(bytes_of(f.body({}, true)), "");
  }
}

TEST(stream_framing, body_written_leaves_the_framing_out) {
  stream_framing f;
  f.head(sse_head(), 11);
  const std::string a(20, 'x');  // "14\r\n" + 20 bytes + "\r\n" + "0\r\n\r\n"
  const std::vector<net::const_buffer> body{net::buffer(a)};
  f.body(body, true);
  EXPECT_EQ(f.body_written(0), 0u);
  EXPECT_EQ(f.body_written(4), 0u);
  EXPECT_EQ(f.body_written(5), 1u);
  EXPECT_EQ(f.body_written(24), 20u);
  EXPECT_EQ(f.body_written(31), 20u);

  stream_framing plain;
  plain.head(sse_head(), 10);
  plain.body(body, false);
  EXPECT_EQ(plain.body_written(7), 7u);
  EXPECT_EQ(plain.body_written(20), 20u);
}

TEST(stream_framing, the_head_can_go_in_the_first_body_write) {
  for (const unsigned version : {11U, 10U}) {
    stream_framing f;
    const std::string head(f.head(sse_head(), version));
    const std::string a = "retry: 1000\n\n";
    const std::vector<net::const_buffer> body{net::buffer(a)};
    const std::string framed = version == 11 ? "d\r\n" + a + "\r\n" : a;  // 13 bytes
    EXPECT_EQ(bytes_of(f.body(body, false, /*with_head=*/true)), head + framed);
    // What was written counts body bytes only: the head and the size line are framing.
    EXPECT_EQ(f.body_written(head.size()), 0U);
    EXPECT_EQ(f.body_written(head.size() + (version == 11 ? 3 : 0) + 5), 5U);
    EXPECT_EQ(f.body_written(head.size() + framed.size()), a.size());
    // The next write is a body write alone.
    EXPECT_EQ(bytes_of(f.body(body, false)), framed);
  }
}

}  // namespace
}  // namespace sse::http::h1
