#include "fake_upstream.hpp"

#include <thread>

namespace sse::relay::test {

using sse::test::loopback_server;

fake_upstream::fake_upstream(upstream_script script)
    : script_(std::move(script)),
      server_([this](int fd, const std::string&) { return serve(fd); }) {}

bool fake_upstream::serve(int fd) {
  const auto& s = script_;
  switch (s.what) {
    case upstream_script::mode::status:
    case upstream_script::mode::not_sse: {
      const std::string head = "HTTP/1.1 " + std::to_string(s.status) +
                               " X\r\nContent-Type: application/json\r\nContent-Length: " +
                               std::to_string(s.body.size()) +
                               (s.keep_alive ? "\r\n\r\n" : "\r\nConnection: close\r\n\r\n");
      return loopback_server::write_all(fd, head + s.body) && s.keep_alive;
    }
    case upstream_script::mode::silent_after_head:
      loopback_server::write_all(
          fd, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nConnection: close\r\n\r\n");
      std::this_thread::sleep_for(s.silence);
      return false;
    case upstream_script::mode::close_without_answer:
      return false;
    case upstream_script::mode::tokens:
    case upstream_script::mode::cut_after:
      break;
  }
  // Chunked SSE, one chunk per token, with a comment and a dropped `ping` in between.
  if (!loopback_server::write_all(fd,
                                  "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream; "
                                  "charset=utf-8\r\nTransfer-Encoding: chunked\r\n\r\n")) {
    return false;
  }
  auto chunk = [fd](const std::string& bytes) {
    char size[32];
    std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
    return loopback_server::write_all(fd, std::string(size) + bytes + "\r\n");
  };
  if (!chunk(": hello\n\nevent: ping\ndata: {}\n\n")) {
    return false;
  }
  for (int i = 0; i < s.tokens; ++i) {
    std::this_thread::sleep_for(s.gap);
    // Split an event across two chunks now and then: the parser must join them.
    const std::string ev = s.openai ? R"(data: {"choices":[{"delta":{"content":"t)" +
                                          std::to_string(i) + R"( "}}]})" + std::string("\n\n")
                                    : "event: delta\ndata: t" + std::to_string(i) + "\n\n";
    const bool ok = i % 3 == 1 ? chunk(ev.substr(0, 7)) && chunk(ev.substr(7)) : chunk(ev);
    if (!ok) {
      reader_left_ = true;
      return false;
    }
    written_.fetch_add(1);
  }
  if (s.what == upstream_script::mode::cut_after) {
    return false;  // no final chunk: the body is cut
  }
  chunk(s.openai ? std::string("data: [DONE]\n\n")
                 : "event: usage\ndata: {\"tokens\":" + std::to_string(s.tokens) + "}\n\n");
  return loopback_server::write_all(fd, "0\r\n\r\n") && s.keep_alive;
}

}  // namespace sse::relay::test
