// Heap allocations per delivered event (the aim: none on the steady path, so memory traffic does
// not grow with subscribers times events).
//
// The gateway runs in this process (app::gateway, memory store, one worker, no telemetry) on
// 127.0.0.1; N SSE subscribers and one keep-alive producer are plain blocking sockets on the
// benchmark's thread, which allocate nothing. Each iteration appends one event and waits until
// every subscriber has read it. operator new is replaced below to count every allocation in the
// process (all threads). allocs_per_iteration = (allocations of one append) + N × (allocations
// per delivery): run at two N and take the slope, as BENCHMARKS.md does.
//
// Compressed SSE: the second argument picks the subscribers' Accept-Encoding (0 none,
// 1 gzip, 2 zstd). Compressed subscribers ask with HTTP/1.0 (no chunk framing between them and
// the compressed bytes) and decode with zlib / zstd, which allocate with malloc, not operator
// new: so do the gateway's codecs, whose state is created once per connection (the count here is
// of the gateway's own allocations per delivery).

#include <arpa/inet.h>
#include <benchmark/benchmark.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <array>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/gateway.hpp"
#include "config/config.hpp"

namespace {

std::atomic<std::uint64_t> allocations{0};

}  // namespace

// Counting pass-through to malloc: every operator new of the process, whatever thread.
void* operator new(std::size_t n) {
  allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(n == 0 ? 1 : n)) {
    return p;
  }
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) {
  return operator new(n);
}
void operator delete(void* p) noexcept {
  std::free(p);
}
void operator delete[](void* p) noexcept {
  std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
  std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
  std::free(p);
}

namespace {

int connect_to(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    throw std::runtime_error("connect to the gateway failed");
  }
  const int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{5, 0};  // a read that hangs fails the benchmark instead of hanging it
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

void send_all(int fd, const char* p, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) {
      throw std::runtime_error("send failed");
    }
    p += w;
    n -= static_cast<std::size_t>(w);
  }
}

/// Reads until `marker` has been seen `count` more times on fd (it never straddles a read: it is
/// one byte).
void read_markers(int fd, char marker, int count) {
  std::array<char, 4096> buf;
  while (count > 0) {
    const ssize_t r = ::recv(fd, buf.data(), buf.size(), 0);
    if (r <= 0) {
      throw std::runtime_error("a subscriber's read failed or timed out");
    }
    for (ssize_t i = 0; i < r; ++i) {
      count -= buf[static_cast<std::size_t>(i)] == marker ? 1 : 0;
    }
  }
}

/// A subscriber that reads a compressed body: counts markers in what it decodes.
struct decoding_reader {
  int coding = 0;  // 1 gzip, 2 zstd
  z_stream z{};
  ZSTD_DStream* zs = nullptr;

  explicit decoding_reader(int c) : coding(c) {
    if (coding == 1) {
      inflateInit2(&z, 15 + 16);
    } else {
      zs = ZSTD_createDStream();
    }
  }
  ~decoding_reader() {
    if (coding == 1) {
      inflateEnd(&z);
    } else {
      ZSTD_freeDStream(zs);
    }
  }
  decoding_reader(const decoding_reader&) = delete;
  decoding_reader& operator=(const decoding_reader&) = delete;

  /// Decodes `in`; returns how many `marker` bytes came out.
  int decode(const char* in, std::size_t n, char marker) {
    std::array<char, 16384> out;
    int found = 0;
    auto count = [&](std::size_t produced) {
      for (std::size_t i = 0; i < produced; ++i) {
        found += out[i] == marker ? 1 : 0;
      }
    };
    if (coding == 1) {
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in));
      z.avail_in = static_cast<uInt>(n);
      do {
        z.next_out = reinterpret_cast<Bytef*>(out.data());
        z.avail_out = out.size();
        const int rc = inflate(&z, Z_SYNC_FLUSH);
        count(out.size() - z.avail_out);
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
          break;
        }
      } while (z.avail_in > 0 || z.avail_out == 0);
    } else {
      ZSTD_inBuffer input{in, n, 0};
      for (;;) {
        ZSTD_outBuffer output{out.data(), out.size(), 0};
        const std::size_t rc = ZSTD_decompressStream(zs, &output, &input);
        count(output.pos);
        if (ZSTD_isError(rc) || (input.pos == input.size && output.pos < output.size)) {
          break;
        }
      }
    }
    return found;
  }
};

/// Reads from fd until `count` markers were decoded. The first read also holds the response
/// header: it is skipped before decoding.
void read_compressed_markers(int fd, decoding_reader& r, bool& header_done, char marker,
                             int count) {
  std::array<char, 4096> buf;
  while (count > 0) {
    const ssize_t n = ::recv(fd, buf.data(), buf.size(), 0);
    if (n <= 0) {
      throw std::runtime_error("a compressed subscriber's read failed or timed out");
    }
    std::size_t at = 0;
    if (!header_done) {
      const std::string_view text(buf.data(), static_cast<std::size_t>(n));
      const auto end = text.find("\r\n\r\n");
      if (end == std::string_view::npos) {
        throw std::runtime_error("the response header did not come in one read");
      }
      if (text.find("Content-Encoding") == std::string_view::npos) {
        throw std::runtime_error("the gateway did not compress");
      }
      header_done = true;
      at = end + 4;
    }
    count -= r.decode(buf.data() + at, static_cast<std::size_t>(n) - at, marker);
  }
}

struct fixture {
  std::unique_ptr<sse::app::gateway> gw;
  int producer = -1;
  std::vector<int> subscribers;
  int coding = 0;
  std::vector<std::unique_ptr<decoding_reader>> readers;
  std::vector<bool> header_done;
  std::array<char, 512> append_request{};
  std::size_t append_size = 0;

  explicit fixture(int n, int coding_ = 0) : coding(coding_) {
    sse::config::config cfg;
    cfg.listen_host = "127.0.0.1";
    cfg.listen_port = 0;
    cfg.threads = 1;
    cfg.telemetry = "none";
    cfg.auth = "none";
    cfg.log_level = "warn";
    cfg.heartbeat = std::chrono::seconds(60);
    cfg.sse_compression = {"gzip", "zstd"};
    gw = std::make_unique<sse::app::gateway>(cfg);
    gw->start();
    producer = connect_to(gw->port());
    // A 200-byte event whose data ends in the one `Z` of its frame; the answer ends in `}`.
    const std::string body = "{\"data\":\"" + std::string(199, 'x') + "Z\"}";
    append_size = static_cast<std::size_t>(std::snprintf(
        append_request.data(), append_request.size(),
        "POST /v1/streams/bench/events HTTP/1.1\r\nHost: b\r\nContent-Type: application/json\r\n"
        "Content-Length: %zu\r\n\r\n%s",
        body.size(), body.c_str()));
    append();  // creates the stream
    for (int i = 0; i < n; ++i) {
      const int fd = connect_to(gw->port());
      subscribers.push_back(fd);
      if (coding == 0) {
        static constexpr char get[] = "GET /v1/streams/bench/events HTTP/1.1\r\nHost: b\r\n\r\n";
        send_all(fd, get, sizeof get - 1);
        read_markers(fd, 'Z', 1);  // the replay of the first event
        continue;
      }
      const std::string get = std::string("GET /v1/streams/bench/events HTTP/1.0\r\nHost: b\r\n") +
                              "Accept-Encoding: " + (coding == 1 ? "gzip" : "zstd") + "\r\n\r\n";
      send_all(fd, get.data(), get.size());
      readers.push_back(std::make_unique<decoding_reader>(coding));
      header_done.push_back(false);
      bool done = false;
      read_compressed_markers(fd, *readers.back(), done, 'Z', 1);
      header_done.back() = done;
    }
  }

  ~fixture() {
    for (int fd : subscribers) {
      ::close(fd);
    }
    ::close(producer);
    gw->stop();
  }

  void append() {
    send_all(producer, append_request.data(), append_size);
    read_markers(producer, '}', 1);
  }

  /// One event appended and read by every subscriber.
  void round() {
    append();
    for (std::size_t i = 0; i < subscribers.size(); ++i) {
      if (coding == 0) {
        read_markers(subscribers[i], 'Z', 1);
      } else {
        bool done = header_done[i];
        read_compressed_markers(subscribers[i], *readers[i], done, 'Z', 1);
      }
    }
  }
};

void BM_AllocationsPerDeliveredEvent(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  const int coding = static_cast<int>(state.range(1));
  fixture f(n, coding);
  for (int i = 0; i < 200; ++i) {
    f.round();  // warm up: vectors, buffers and pools reach their steady sizes
  }
  const std::uint64_t before = allocations.load();
  std::int64_t rounds = 0;
  for (auto _ : state) {
    f.round();
    ++rounds;
  }
  const double per_round =
      static_cast<double>(allocations.load() - before) / static_cast<double>(rounds);
  state.counters["allocs_per_append"] = per_round;
  state.counters["allocs_per_append_per_subscriber"] = per_round / n;
  state.counters["subscribers"] = n;
  state.SetLabel(coding == 0 ? "uncompressed" : coding == 1 ? "gzip" : "zstd");
}
BENCHMARK(BM_AllocationsPerDeliveredEvent)
    ->ArgsProduct({{1, 32}, {0, 1, 2}})
    ->Iterations(3000)
    ->UseRealTime();

}  // namespace
