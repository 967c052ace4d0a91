#include "sse_client.hpp"

#include <gtest/gtest.h>

#include <thread>

#include "loopback_server.hpp"

namespace sse::test {
namespace {

std::string chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
  return std::string(size) + std::string(data) + "\r\n";
}

constexpr std::string_view sse_head =
    "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
    "Transfer-Encoding: chunked\r\n\r\n";

TEST(sse_client, decodes_chunks_split_anywhere_and_parses_events_and_comments) {
  loopback_server server([](int fd, const std::string& req) {
    std::string lei = "none";
    if (const auto p = req.find("Last-Event-ID: "); p != std::string::npos) {
      lei = req.substr(p + 15, req.find("\r\n", p) - p - 15);
    }
    // The SSE text is cut at awkward places: inside a field, between CR and LF.
    const std::string text =
        "retry: 1000\n\nid: e:1\nevent: t\ndata: a\r\ndata: b\r\r: ping\r\n"
        "id: e:2\ndata: " +
        lei + "\n\n";
    loopback_server::write_all(fd, sse_head);
    for (std::size_t i = 0; i < text.size(); i += 7) {
      loopback_server::write_all(fd, chunk(text.substr(i, 7)));
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    loopback_server::write_all(fd, "0\r\n\r\n");
    return false;
  });
  sse_client c("127.0.0.1", server.port(), "/v1/streams/s/events", "e:0");
  EXPECT_EQ(c.status(), 200);
  EXPECT_EQ(c.header("content-type"), "text/event-stream");
  const auto first = c.next_event(std::chrono::seconds(5));
  ASSERT_TRUE(first);
  EXPECT_EQ(first->id, "e:1");
  EXPECT_EQ(first->event, "t");
  EXPECT_EQ(first->data, "a\nb");
  const auto second = c.next_event(std::chrono::seconds(5));
  ASSERT_TRUE(second);
  EXPECT_EQ(second->id, "e:2");
  EXPECT_EQ(second->event, "");
  EXPECT_EQ(second->data, "e:0");  // the Last-Event-ID header reached the server
  EXPECT_TRUE(c.wait_closed(std::chrono::seconds(5)));
  EXPECT_TRUE(c.response_done());
  EXPECT_EQ(c.comments_seen(), 1u);
  EXPECT_EQ(c.comments().at(0), " ping");
  EXPECT_EQ(c.raw_body().rfind("retry: 1000\n\n", 0), 0u);
  EXPECT_FALSE(c.next_event(std::chrono::milliseconds(50)));
  const auto req = server.requests().at(0);
  EXPECT_NE(req.find("Accept: text/event-stream\r\n"), std::string::npos) << req;
}

TEST(sse_client, a_close_in_the_middle_of_the_response_is_not_a_finished_response) {
  loopback_server server([](int fd, const std::string&) {
    loopback_server::write_all(fd, std::string(sse_head) + chunk("data: x\n\n"));
    return false;  // closed without the final chunk
  });
  sse_client c("127.0.0.1", server.port(), "/e");
  ASSERT_TRUE(c.next_event(std::chrono::seconds(5)));
  EXPECT_FALSE(c.wait_closed(std::chrono::seconds(5)));
  EXPECT_TRUE(c.connection_closed());
  EXPECT_FALSE(c.response_done());
  EXPECT_FALSE(c.last_error().empty());
}

TEST(sse_client, no_event_within_the_timeout_returns_nullopt_and_keeps_the_connection) {
  loopback_server server([](int fd, const std::string&) {
    loopback_server::write_all(fd, std::string(sse_head) + chunk(": hb\n"));
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    loopback_server::write_all(fd, chunk("data: late\n\n") + "0\r\n\r\n");
    return false;
  });
  sse_client c("127.0.0.1", server.port(), "/e");
  EXPECT_TRUE(c.wait_comments(1, std::chrono::seconds(5)));
  EXPECT_FALSE(c.next_event(std::chrono::milliseconds(50)));
  EXPECT_FALSE(c.connection_closed());
  const auto late = c.next_event(std::chrono::seconds(5));
  ASSERT_TRUE(late);
  EXPECT_EQ(late->data, "late");
}

TEST(sse_client, non_sse_answers_expose_status_and_body) {
  loopback_server server([](int fd, const std::string& req) {
    if (req.find("/gone") != std::string::npos) {
      loopback_server::write_all(fd, "HTTP/1.1 204 No Content\r\n\r\n");
    } else {
      loopback_server::write_all(fd,
                                 "HTTP/1.1 404 Not Found\r\nContent-Length: 24\r\n\r\n"
                                 "{\"error\":\"stream_not_f\"}");
    }
    return false;
  });
  sse_client gone("127.0.0.1", server.port(), "/gone");
  EXPECT_EQ(gone.status(), 204);
  EXPECT_TRUE(gone.response_done());
  EXPECT_TRUE(gone.wait_closed(std::chrono::seconds(5)));
  sse_client missing("127.0.0.1", server.port(), "/missing");
  EXPECT_EQ(missing.status(), 404);
  EXPECT_EQ(missing.body_text(), "{\"error\":\"stream_not_f\"}");
}

TEST(sse_client, collect_until_and_collect_stop_where_asked) {
  loopback_server server([](int fd, const std::string&) {
    std::string body;
    for (int i = 1; i <= 5; ++i) {
      body += "id: " + std::to_string(i) + "\ndata: d" + std::to_string(i) + "\n\n";
    }
    loopback_server::write_all(fd, std::string(sse_head) + chunk(body) + "0\r\n\r\n");
    return false;
  });
  sse_client c("127.0.0.1", server.port(), "/e");
  const auto upto3 =
      c.collect_until([](const parsed_event& e) { return e.id == "3"; }, std::chrono::seconds(5));
  ASSERT_EQ(upto3.size(), 3u);
  EXPECT_EQ(upto3.back().data, "d3");
  const auto rest = c.collect(10, std::chrono::seconds(5));
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest.back().id, "5");
}

TEST(sse_client, a_small_receive_buffer_is_applied_and_abrupt_close_resets) {
  loopback_server server([](int fd, const std::string&) {
    loopback_server::write_all(fd, std::string(sse_head) + chunk("data: x\n\n"));
    // Keep writing until the client's reset makes the send fail (bounded).
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (std::chrono::steady_clock::now() < deadline &&
           loopback_server::write_all(fd, chunk(": keep\n"))) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return false;
  });
  sse_request req;
  req.target = "/e";
  req.receive_buffer_bytes = 4096;
  sse_client c("127.0.0.1", server.port(), std::move(req));
  ASSERT_TRUE(c.next_event(std::chrono::seconds(5)));
  c.close_abruptly();
  EXPECT_TRUE(c.connection_closed());
}

}  // namespace
}  // namespace sse::test
