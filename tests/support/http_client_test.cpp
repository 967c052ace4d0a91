#include "http_client.hpp"

#include <gtest/gtest.h>

#include <future>
#include <thread>

#include "loopback_server.hpp"

namespace sse::test {
namespace {

std::string answer(int status, std::string_view reason, std::string_view body,
                   std::string_view extra_headers = "") {
  return "HTTP/1.1 " + std::to_string(status) + " " + std::string(reason) +
         "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         std::string(extra_headers) + "\r\n" + std::string(body);
}

TEST(http_client, get_reads_status_headers_case_insensitively_and_body) {
  loopback_server server([](int fd, const std::string&) {
    return loopback_server::write_all(
        fd, answer(200, "OK", R"({"a":1,"b":"x"})",
                   "content-type: application/json\r\nX-Accel-Buffering: no\r\n"));
  });
  http_client client("127.0.0.1", server.port());
  const auto res = client.get("/path?q=1");
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(res.header("Content-Type"), "application/json");
  EXPECT_EQ(res.header("x-accel-buffering"), "no");
  EXPECT_FALSE(res.has_header("Missing"));
  EXPECT_EQ(res.json_object().at("b").as_string(), "x");
  ASSERT_EQ(server.requests().size(), 1u);
  EXPECT_EQ(server.requests()[0].rfind("GET /path?q=1 HTTP/1.1\r\n", 0), 0u);
}

TEST(http_client, post_sends_body_content_type_and_extra_headers) {
  loopback_server server([](int fd, const std::string& req) {
    const auto body = req.substr(req.find("\r\n\r\n") + 4);
    return loopback_server::write_all(fd, answer(201, "Created", body));
  });
  http_client client("127.0.0.1", server.port());
  const auto res = client.post("/v1/x", "a\nb\n", "application/x-ndjson", {{"Producer-Seq", "7"}});
  EXPECT_EQ(res.status, 201);
  EXPECT_EQ(res.body, "a\nb\n");
  const auto req = server.requests().at(0);
  EXPECT_NE(req.find("Content-Type: application/x-ndjson\r\n"), std::string::npos) << req;
  EXPECT_NE(req.find("Producer-Seq: 7\r\n"), std::string::npos) << req;
  EXPECT_NE(req.find("Content-Length: 4\r\n"), std::string::npos) << req;
  EXPECT_THROW(res.json(), std::runtime_error);
}

TEST(http_client, reuses_the_connection_and_retries_once_when_the_server_closed_it) {
  int served = 0;
  loopback_server server([&](int fd, const std::string&) {
    ++served;
    loopback_server::write_all(fd, answer(200, "OK", std::to_string(served)));
    return served % 2 == 1;  // keep the 1st connection for a 2nd request, then close it
  });
  http_client client("127.0.0.1", server.port());
  EXPECT_EQ(client.get("/1").body, "1");
  EXPECT_EQ(client.get("/2").body, "2");  // same connection, which the server then closes
  EXPECT_EQ(client.get("/3").body, "3");  // fresh connection after the failed reuse
  EXPECT_EQ(server.connections_accepted(), 2);
}

TEST(http_client, connection_close_answer_closes_the_socket) {
  loopback_server server([](int fd, const std::string&) {
    loopback_server::write_all(fd, answer(404, "Not Found", "{}", "Connection: close\r\n"));
    return false;
  });
  http_client client("127.0.0.1", server.port());
  EXPECT_EQ(client.get("/a").status, 404);
  EXPECT_EQ(client.get("/b").status, 404);
  EXPECT_EQ(server.connections_accepted(), 2);
}

TEST(http_client, a_server_that_never_answers_times_out) {
  // The server holds the request until the test ends (20 s at most), far beyond the client's
  // 300 ms: a client that times out returns well before that on any machine load, one that
  // waits for the server does not. (A 1.5 s hold checked against 1 s left 700 ms of margin.)
  std::promise<void> release;
  std::shared_future<void> released = release.get_future().share();
  loopback_server server([released](int, const std::string&) {
    released.wait_for(std::chrono::seconds(20));
    return false;
  });
  http_client client("127.0.0.1", server.port(), std::chrono::milliseconds(300));
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(client.get("/slow"), std::runtime_error);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_GE(took, std::chrono::milliseconds(300)) << "gave up before its timeout";
  EXPECT_LT(took, std::chrono::seconds(10)) << "waited for the server instead of timing out";
  release.set_value();
}

TEST(http_client, connect_refused_throws) {
  std::uint16_t port = 0;
  {
    loopback_server server([](int, const std::string&) { return false; });
    port = server.port();
  }
  http_client client("127.0.0.1", port, std::chrono::milliseconds(500));
  EXPECT_THROW(client.get("/"), std::runtime_error);
}

TEST(http_client, raw_exchange_returns_what_the_server_sent_until_close) {
  loopback_server server([](int fd, const std::string&) {
    loopback_server::write_all(fd, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
    return false;
  });
  http_client client("127.0.0.1", server.port());
  const auto out = client.raw_exchange("BROKEN / HTTP/1.1\r\n\r\n", std::chrono::seconds(2));
  EXPECT_EQ(out, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n");
}

TEST(http_client, raw_connection_sees_the_server_close_an_incomplete_request) {
  loopback_server server([](int, const std::string&) { return false; },
                         std::chrono::milliseconds(200));
  http_client client("127.0.0.1", server.port());
  auto conn = client.raw_connect();
  ASSERT_TRUE(conn.send("GET /half"));
  EXPECT_TRUE(conn.wait_closed(std::chrono::seconds(3)));
  EXPECT_TRUE(conn.closed_by_peer());
  EXPECT_EQ(conn.received(), "");
}

TEST(http_client, raw_connection_receive_until_returns_at_the_marker) {
  loopback_server server([](int fd, const std::string&) {
    loopback_server::write_all(fd, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    return true;  // keep the connection open
  });
  http_client client("127.0.0.1", server.port());
  auto conn = client.raw_connect();
  ASSERT_TRUE(conn.send("GET / HTTP/1.1\r\n\r\n"));
  const auto start = std::chrono::steady_clock::now();
  const auto got = conn.receive_until("ok", std::chrono::seconds(5));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(4));
  EXPECT_EQ(got, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  EXPECT_FALSE(conn.closed_by_peer());
}

TEST(http_client, raw_connection_stays_open_while_the_server_waits) {
  loopback_server server([](int, const std::string&) { return false; }, std::chrono::seconds(5));
  http_client client("127.0.0.1", server.port());
  auto conn = client.raw_connect();
  EXPECT_FALSE(conn.wait_closed(std::chrono::milliseconds(100)));
  EXPECT_TRUE(conn.is_open());
  conn.close_abruptly();
  EXPECT_FALSE(conn.is_open());
}

}  // namespace
}  // namespace sse::test
