// libFuzzer: bytes a client sends on an HTTP/2 connection, fed into the gateway's sans-io server
// session (src/http/h2/session, the real nghttp2) in chunks, with each request's fields gathered
// by the real request_builder, as h2/connection.cpp does, but without sockets. The handler
// answers as the connection would: complete answers, bodies that come later (deferred, then
// resumed), resets, answers before the request ended (the 408 path), shutdown by GOAWAY.
//
// Input: one control byte, then the client's bytes. Control bits: 0 leaves the client connection
// preface out (the fuzzer then writes its own, or a broken one), 1-3 the receive chunk size,
// 4 streams answers in deferred pieces, 5 resets every third stream, 6 answers requests still
// open after each chunk (as --request-timeout does), 7 ends with a graceful GOAWAY.
//
// nghttp2 is the system library, not instrumented: the output frames are walked and switched on
// below so that the fuzzer is told which frames and error codes its input drew from it.

#include <nghttp2/nghttp2.h>

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>

#include "http/h2/preface.hpp"
#include "http/h2/request_builder.hpp"
#include "http/h2/session.hpp"

namespace {

using namespace sse::http;

constexpr std::size_t max_header_bytes = 8 * 1024;
constexpr std::size_t max_header_count = 64;
constexpr std::size_t max_body_bytes = 16 * 1024;

struct fuzz_stream {
  h2::request_builder builder{max_header_bytes, max_header_count};
  bool request_done = false;
  bool answered = false;
  std::string body;       // the answer's body, handed to nghttp2 as it asks
  std::size_t at = 0;     // bytes of `body` taken
  std::size_t ready = 0;  // bytes of `body` that may be taken (deferred answers grow it)
};

class handler final : public h2::session_handler {
 public:
  explicit handler(std::uint8_t control) : control_(control) {}
  h2::session* session = nullptr;
  std::uint64_t connection_errors = 0;

  void on_stream_begin(std::int32_t id) override { streams_[id]; }
  bool on_header(std::int32_t id, std::string_view name, std::string_view value) override {
    auto it = streams_.find(id);
    if (it == streams_.end() || it->second.request_done) {
      return true;
    }
    it->second.builder.add_header(name, value);
    // Refusing a field resets that stream alone: exercise it for one in a few streams.
    return !(it->second.builder.headers_too_large() && id % 3 == 0);
  }
  void on_body(std::int32_t id, std::string_view bytes) override {
    auto it = streams_.find(id);
    if (it != streams_.end() && !it->second.request_done) {
      it->second.builder.add_body(bytes, max_body_bytes);
    }
  }
  void on_request_end(std::int32_t id) override {
    auto it = streams_.find(id);
    if (it == streams_.end() || it->second.request_done) {
      return;
    }
    it->second.request_done = true;
    answer(id, it->second, 200);
  }
  void on_stream_close(std::int32_t id, std::uint32_t) override { streams_.erase(id); }
  std::size_t read_body(std::int32_t id, std::span<std::uint8_t> out, bool& eof,
                        bool& deferred) override {
    auto it = streams_.find(id);
    if (it == streams_.end()) {
      eof = true;
      return 0;
    }
    fuzz_stream& st = it->second;
    const std::size_t n = std::min(out.size(), st.ready - st.at);
    std::copy_n(st.body.data() + st.at, n, out.data());
    st.at += n;
    eof = st.at == st.body.size();
    deferred = !eof && st.at == st.ready;
    return n;
  }
  void on_connection_error(std::uint32_t) override { ++connection_errors; }

  /// Between two chunks: deferred answers get their next piece; with bit 6, requests still open
  /// are answered (408) before their end, which the session follows with RST_STREAM(NO_ERROR).
  void between_chunks() {
    for (auto& [id, st] : streams_) {
      if ((control_ & 0x40) != 0 && !st.request_done) {
        st.request_done = true;
        answer(id, st, 408);
      } else if (st.answered && st.ready < st.body.size()) {
        st.ready = std::min(st.body.size(), st.ready + 512);
        session->resume_body(id);
      }
    }
  }

 private:
  void answer(std::int32_t id, fuzz_stream& st, unsigned status) {
    request req = st.builder.take();
    if ((control_ & 0x20) != 0 && id % 3 == 1) {
      session->reset_stream(id, NGHTTP2_CANCEL);
      return;
    }
    // The body depends on the request, so that different requests draw different answers.
    st.body = "method=" + req.method_name + " target=" + req.target +
              " body=" + std::to_string(req.body.size()) + "\n";
    st.body.append(req.body.size() % 4096, 'x');
    const bool deferred = (control_ & 0x10) != 0 && status == 200;
    st.ready = deferred ? 0 : st.body.size();
    st.answered = true;
    const header_list headers{{"Content-Type", "text/plain"},
                              {"Connection", "close"},  // dropped: HTTP/2 forbids it
                              {"Cache-Control", "no-store"}};
    session->submit_response(id, status, headers, req.verb != method::head);
  }

  std::uint8_t control_;
  std::map<std::int32_t, fuzz_stream> streams_;
};

/// Walks the server's frames; the switch gives the (uninstrumented) nghttp2's behaviour a
/// coverage signal: which frame types, flags and error codes came out.
struct frame_walker {
  std::string partial;
  unsigned seen = 0;

  void feed(std::span<const std::uint8_t> bytes) {
    partial.append(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    std::size_t at = 0;
    while (partial.size() - at >= 9) {
      const auto* p = reinterpret_cast<const std::uint8_t*>(partial.data() + at);
      const std::size_t length = (std::size_t{p[0]} << 16) | (std::size_t{p[1]} << 8) | p[2];
      if (partial.size() - at < 9 + length) {
        break;
      }
      note(p[3], p[4], p + 9, length);
      at += 9 + length;
    }
    partial.erase(0, at);
  }

  void note(std::uint8_t type, std::uint8_t flags, const std::uint8_t* payload, std::size_t len) {
    auto code_at = [&](std::size_t offset) -> std::uint32_t {
      if (len < offset + 4) {
        return 0xffffffff;
      }
      const std::uint8_t* c = payload + offset;
      return (std::uint32_t{c[0]} << 24) | (std::uint32_t{c[1]} << 16) |
             (std::uint32_t{c[2]} << 8) | c[3];
    };
    switch (type) {
      case NGHTTP2_DATA:
        seen |= (flags & NGHTTP2_FLAG_END_STREAM) != 0 ? 1u : 2u;
        break;
      case NGHTTP2_HEADERS:
        seen |= (flags & NGHTTP2_FLAG_END_STREAM) != 0 ? 4u : 8u;
        break;
      case NGHTTP2_RST_STREAM:
        seen |= error_bit(code_at(0)) << 4;
        break;
      case NGHTTP2_SETTINGS:
        seen |= (flags & NGHTTP2_FLAG_ACK) != 0 ? 1u << 20 : 1u << 21;
        break;
      case NGHTTP2_PING:
        seen |= 1u << 22;
        break;
      case NGHTTP2_GOAWAY:
        seen |= error_bit(code_at(4)) << 23;
        break;
      case NGHTTP2_WINDOW_UPDATE:
        seen |= 1u << 30;
        break;
      default:
        seen |= 1u << 31;
        break;
    }
  }

  static unsigned error_bit(std::uint32_t code) {
    switch (code) {
      case NGHTTP2_NO_ERROR:
        return 1;
      case NGHTTP2_PROTOCOL_ERROR:
        return 2;
      case NGHTTP2_FLOW_CONTROL_ERROR:
        return 4;
      case NGHTTP2_STREAM_CLOSED:
        return 8;
      case NGHTTP2_FRAME_SIZE_ERROR:
        return 16;
      case NGHTTP2_REFUSED_STREAM:
        return 32;
      case NGHTTP2_CANCEL:
        return 64;
      case NGHTTP2_COMPRESSION_ERROR:
      case NGHTTP2_ENHANCE_YOUR_CALM:
        return 128;
      default:
        return 0;
    }
  }
};

/// Written after each input, so that the frame walk is not optimised away.
volatile unsigned frames_seen = 0;

/// Sends what the session has, as the connection's writer does; bounded, so that a session that
/// never stops producing shows up as a crash rather than a hang.
void drain(h2::session& s, frame_walker& walker) {
  for (int i = 0; i < 10000; ++i) {
    const auto bytes = s.pending_output();
    if (bytes.empty()) {
      return;
    }
    walker.feed(bytes);
  }
  __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const std::uint8_t control = data[0];
  std::string input;
  if ((control & 0x01) == 0) {
    input.assign(h2::client_preface);
  }
  input.append(reinterpret_cast<const char*>(data + 1), size - 1);
  const std::size_t chunk = std::size_t{1} << (((control >> 1) & 0x07) * 2);  // 1 B to 16 KiB

  handler h(control);
  h2::session s(h, h2::session_limits{8, max_header_bytes});
  h.session = &s;
  frame_walker walker;
  drain(s, walker);  // the server's SETTINGS
  for (std::size_t at = 0; at < input.size(); at += chunk) {
    const bool ok = s.receive(std::string_view(input).substr(at, chunk));
    drain(s, walker);
    if (!ok) {
      break;  // a connection error: GOAWAY went out, the rest is dropped as the connection does
    }
    h.between_chunks();
    drain(s, walker);
  }
  if ((control & 0x80) != 0) {
    s.goaway();
    drain(s, walker);
  }
  // Whatever was deferred comes out in full now (the subscription's last write).
  for (int i = 0; i < 64 && s.alive(); ++i) {
    h.between_chunks();
    drain(s, walker);
  }
  s.terminate(NGHTTP2_NO_ERROR);
  drain(s, walker);
  frames_seen = walker.seen;
  return 0;
}
