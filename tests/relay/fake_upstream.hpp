#pragma once
// A fake upstream for the relay tests: a real HTTP server on 127.0.0.1 (tests/support's
// loopback_server) that answers each request with a scripted behaviour: SSE tokens written
// slowly, an error status, a non-SSE body, silence, or a cut in the middle.

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "loopback_server.hpp"

namespace sse::relay::test {

struct upstream_script {
  /// close_without_answer: reads the request, then closes the connection without a byte.
  enum class mode { tokens, status, not_sse, silent_after_head, cut_after, close_without_answer };
  mode what = mode::tokens;
  int tokens = 5;                           ///< SSE `delta` events, data "t<i>"
  std::chrono::milliseconds gap{20};        ///< between tokens
  unsigned status = 200;                    ///< mode::status
  std::string body;                         ///< mode::status / not_sse
  std::chrono::milliseconds silence{1500};  ///< mode::silent_after_head
  /// tokens / status: keep the connection for the next request (else it is closed after the
  /// answer, although the tokens answer does not say `Connection: close`, like a server whose
  /// idle timeout has just passed).
  bool keep_alive = false;
  /// tokens: OpenAI-style chunks instead: no event type, data
  /// {"choices":[{"delta":{"content":"t<i> "}}]}, and a closing `data: [DONE]`.
  bool openai = false;
};

class fake_upstream {
 public:
  explicit fake_upstream(upstream_script script);
  std::uint16_t port() const noexcept { return server_.port(); }
  /// Complete requests received (head and body).
  std::vector<std::string> requests() const { return server_.requests(); }
  /// Tokens written before the client went away or the script ended.
  int tokens_written() const noexcept { return written_.load(); }
  /// TCP connections accepted so far.
  int connections() const noexcept { return server_.connections_accepted(); }
  /// The connection ended early because the reader left.
  bool reader_left() const noexcept { return reader_left_.load(); }

 private:
  bool serve(int fd);

  upstream_script script_;
  std::atomic<int> written_{0};
  std::atomic<bool> reader_left_{false};
  sse::test::loopback_server server_;
};

}  // namespace sse::relay::test
