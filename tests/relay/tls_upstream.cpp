#include "tls_upstream.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>

namespace sse::relay::test {

namespace net = boost::asio;
namespace ssl = net::ssl;
using tcp = net::ip::tcp;

namespace {

std::string read_text(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

bool sh(const std::string& cmd, const std::filesystem::path& log) {
  return std::system((cmd + " >>" + log.string() + " 2>&1").c_str()) == 0;
}

}  // namespace

test_pki make_test_pki(const std::filesystem::path& dir, const std::string& san) {
  test_pki p;
  p.dir = dir;
  const auto log = dir / "openssl.log";
  const std::string d = dir.string();
  {
    std::ofstream ext(dir / "ext.cnf");
    ext << "subjectAltName=" << san << "\nbasicConstraints=CA:FALSE\n";
  }
  p.ok =
      sh("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 "
         "-subj /CN=sse-relay-test-ca -keyout " +
             d + "/ca.key -out " + d + "/ca.pem",
         log) &&
      sh("openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=upstream "
         "-keyout " +
             d + "/server.key -out " + d + "/server.csr",
         log) &&
      sh("openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
             "/ca.key -CAcreateserial -days 2 -extfile " + d + "/ext.cnf -out " + d + "/server.pem",
         log);
  p.ca_pem = read_text(dir / "ca.pem");
  p.server_cert = dir / "server.pem";
  p.server_key = dir / "server.key";
  return p;
}

struct tls_upstream::impl {
  net::io_context ioc;
  ssl::context ctx{ssl::context::tls_server};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  mutable std::mutex mutex;
  std::string last_request;
  int tokens = 0;
};

namespace {

struct serve_context {
  ssl::context& ctx;
  std::atomic<int>& handshakes;
  std::atomic<int>& served;
  std::mutex& mutex;
  std::string& last;
  int tokens;
  bool keep_alive;
};

std::size_t content_length(std::string_view head) {
  for (std::string_view name : {"Content-Length: ", "content-length: "}) {
    if (auto at = head.find(name); at != std::string_view::npos) {
      return std::strtoul(std::string(head.substr(at + name.size(), 20)).c_str(), nullptr, 10);
    }
  }
  return 0;
}

net::awaitable<void> serve(tcp::socket socket, serve_context c) {
  constexpr auto tuple = net::as_tuple(net::use_awaitable);
  ssl::stream<tcp::socket> s(std::move(socket), c.ctx);
  auto [hec] = co_await s.async_handshake(ssl::stream_base::server, tuple);
  if (hec) {
    co_return;
  }
  c.handshakes.fetch_add(1);
  net::streambuf buf;
  net::steady_timer t(s.get_executor());
  for (int request = 0; request < 100; ++request) {
    auto [rec, n] = co_await net::async_read_until(s, buf, "\r\n\r\n", tuple);
    if (rec) {
      co_return;
    }
    const std::string head(net::buffers_begin(buf.data()), net::buffers_begin(buf.data()) + n);
    buf.consume(n);
    {
      std::lock_guard lock(c.mutex);
      c.last = head;
    }
    // The request body, so that the next request starts where it should.
    const std::size_t body = content_length(head);
    if (buf.size() < body) {
      auto [bec, bn] =
          co_await net::async_read(s, buf, net::transfer_exactly(body - buf.size()), tuple);
      if (bec) {
        co_return;
      }
    }
    buf.consume(body);
    auto frame = [&](const std::string& bytes) {
      if (!c.keep_alive) {
        return bytes;
      }
      char size[32];
      std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
      return std::string(size) + bytes + "\r\n";
    };
    std::string out = c.keep_alive ? "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                     "Transfer-Encoding: chunked\r\n\r\n"
                                   : "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n"
                                     "Connection: close\r\n\r\n";
    co_await net::async_write(s, net::buffer(out), tuple);
    for (int i = 0; i < c.tokens; ++i) {
      t.expires_after(std::chrono::milliseconds(10));
      co_await t.async_wait(tuple);
      const std::string ev = frame("event: delta\ndata: s" + std::to_string(i) + "\n\n");
      auto [wec, wn] = co_await net::async_write(s, net::buffer(ev), tuple);
      if (wec) {
        co_return;
      }
    }
    if (!c.keep_alive) {
      c.served.fetch_add(1);
      break;
    }
    auto [fec, fn] = co_await net::async_write(s, net::buffer(std::string("0\r\n\r\n")), tuple);
    c.served.fetch_add(1);
    if (fec) {
      co_return;
    }
  }
  co_await s.async_shutdown(tuple);
}

net::awaitable<void> accept_loop(tcp::acceptor& acceptor, serve_context c) {
  for (;;) {
    auto [ec, socket] = co_await acceptor.async_accept(net::as_tuple(net::use_awaitable));
    if (ec) {
      co_return;
    }
    net::co_spawn(acceptor.get_executor(), serve(std::move(socket), c), net::detached);
  }
}

}  // namespace

tls_upstream::tls_upstream(const test_pki& pki, int tokens, bool keep_alive)
    : impl_(std::make_unique<impl>()) {
  impl_->tokens = tokens;
  impl_->ctx.use_certificate_chain_file(pki.server_cert.string());
  impl_->ctx.use_private_key_file(pki.server_key.string(), ssl::context::pem);
  tcp::endpoint ep(net::ip::make_address("127.0.0.1"), 0);
  impl_->acceptor.open(ep.protocol());
  impl_->acceptor.bind(ep);
  impl_->acceptor.listen();
  port_ = impl_->acceptor.local_endpoint().port();
  net::co_spawn(
      impl_->ioc,
      accept_loop(impl_->acceptor, serve_context{impl_->ctx, handshakes_, served_, impl_->mutex,
                                                 impl_->last_request, tokens, keep_alive}),
      net::detached);
  impl_->thread = std::thread([this] { impl_->ioc.run(); });
}

tls_upstream::~tls_upstream() {
  impl_->ioc.stop();
  impl_->thread.join();
}

std::string tls_upstream::last_request() const {
  std::lock_guard lock(impl_->mutex);
  return impl_->last_request;
}

}  // namespace sse::relay::test
