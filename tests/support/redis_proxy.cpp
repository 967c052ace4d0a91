#include "redis_proxy.hpp"

#include <algorithm>
#include <array>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <cctype>
#include <charconv>
#include <future>
#include <list>
#include <optional>
#include <string_view>

namespace sse::test {

namespace net = boost::asio;
using tcp = net::ip::tcp;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

namespace {

struct session {
  explicit session(net::io_context& io) : client(io) {}
  tcp::socket client;
  std::shared_ptr<tcp::socket> upstream;
  bool closed = false;
  std::string partial;  ///< client bytes of a command not complete yet
  bool raw = false;     ///< the client sent something other than RESP arrays: no framing
};

constexpr std::size_t not_resp = std::string::npos;

struct framed {
  std::size_t length = 0;  ///< 0: incomplete; not_resp: not a RESP array of bulk strings
  std::string name;
};

// Reads "<digits>\r\n" at pos (just after a type byte) and moves pos past it; nullopt while
// the line is incomplete or when it holds no number.
std::optional<long long> read_number_line(std::string_view buf, std::size_t& pos) {
  const auto end = buf.find("\r\n", pos);
  if (end == std::string_view::npos) {
    return std::nullopt;
  }
  long long v = -1;
  std::from_chars(buf.data() + pos, buf.data() + end, v);
  pos = end + 2;
  return v;
}

// The first whole command at the start of buf: a RESP array of bulk strings (what client
// libraries send), its length in bytes and its name.
framed frame_command(std::string_view buf) {
  if (buf.empty()) {
    return {};
  }
  if (buf[0] != '*') {
    return {not_resp, {}};
  }
  std::size_t pos = 1;
  const auto count = read_number_line(buf, pos);
  if (!count) {
    return {};
  }
  std::string name;
  for (long long i = 0; i < *count; ++i) {
    if (pos >= buf.size()) {
      return {};
    }
    if (buf[pos] != '$') {
      return {not_resp, {}};
    }
    ++pos;
    const auto len = read_number_line(buf, pos);
    if (!len) {
      return {};
    }
    if (*len < 0) {
      return {not_resp, {}};
    }
    const auto n = static_cast<std::size_t>(*len);
    if (buf.size() < pos + n + 2) {
      return {};
    }
    if (i == 0) {
      name.assign(buf.substr(pos, n));
    }
    pos += n + 2;
  }
  return {pos, std::move(name)};
}

bool same_name(std::string_view a, std::string_view b) {
  return std::ranges::equal(a, b, [](char x, char y) {
    return std::tolower(static_cast<unsigned char>(x)) ==
           std::tolower(static_cast<unsigned char>(y));
  });
}

}  // namespace

// Everything below runs on the proxy's one thread: no locks but the session count's.
struct redis_proxy::impl {
  impl(std::uint16_t target, const std::atomic<bool>& hole)
      : acceptor(io, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0)),
        target_port(target),
        black_hole(hole) {}

  net::io_context io;
  tcp::acceptor acceptor;
  std::uint16_t target_port;
  const std::atomic<bool>& black_hole;
  std::list<std::shared_ptr<session>> sessions;
  std::atomic<std::size_t> count{0};
  std::string drop_name;  ///< drop_next_command(): empty when not armed
  std::atomic<std::size_t> dropped{0};

  // What of bytes (read from s's client) goes to the server: whole commands, except the one
  // drop_next_command() asked for.
  std::string forwardable(session& s, std::string_view bytes) {
    if (s.raw) {
      return std::string(bytes);
    }
    s.partial.append(bytes);
    std::string out;
    std::size_t at = 0;
    for (;;) {
      const framed f = frame_command(std::string_view(s.partial).substr(at));
      if (f.length == not_resp) {
        s.raw = true;
        out.append(s.partial, at);
        at = s.partial.size();
        break;
      }
      if (f.length == 0) {
        break;
      }
      if (!drop_name.empty() && same_name(f.name, drop_name)) {
        drop_name.clear();
        dropped.fetch_add(1);
      } else {
        out.append(s.partial, at, f.length);
      }
      at += f.length;
    }
    s.partial.erase(0, at);
    return out;
  }

  std::shared_ptr<tcp::socket> connect_upstream() {
    auto s = std::make_shared<tcp::socket>(io);
    boost::system::error_code ec;
    s->connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), target_port), ec);
    return s;
  }

  void close(const std::shared_ptr<session>& s) {
    if (s->closed) {
      return;
    }
    s->closed = true;
    boost::system::error_code ignored;
    s->client.close(ignored);
    s->upstream->close(ignored);
    sessions.remove(s);
    count.store(sessions.size());
  }

  net::awaitable<void> accept_loop() {
    for (;;) {
      auto s = std::make_shared<session>(io);
      auto [ec] = co_await acceptor.async_accept(s->client, use_tuple);
      if (ec) {
        co_return;
      }
      s->upstream = connect_upstream();
      sessions.push_back(s);
      count.store(sessions.size());
      net::co_spawn(io, client_to_upstream(s), net::detached);
      net::co_spawn(io, upstream_to_client(s, s->upstream), net::detached);
    }
  }

  net::awaitable<void> client_to_upstream(std::shared_ptr<session> s) {
    std::array<char, 16384> buf{};
    for (;;) {
      auto [ec, n] = co_await s->client.async_read_some(net::buffer(buf), use_tuple);
      if (ec) {
        close(s);
        co_return;
      }
      if (black_hole.load()) {
        continue;
      }
      const std::string out = forwardable(*s, std::string_view(buf.data(), n));
      if (out.empty()) {
        continue;
      }
      // Written to whichever upstream is current; a swapped-out one's failure is not the end.
      auto up = s->upstream;
      auto [wec, w] = co_await net::async_write(*up, net::buffer(out), use_tuple);
      if (wec && up == s->upstream) {
        close(s);
        co_return;
      }
    }
  }

  net::awaitable<void> upstream_to_client(std::shared_ptr<session> s,
                                          std::shared_ptr<tcp::socket> up) {
    std::array<char, 16384> buf{};
    for (;;) {
      auto [ec, n] = co_await up->async_read_some(net::buffer(buf), use_tuple);
      if (ec) {
        if (up == s->upstream) {
          close(s);  // the server closed it: so does the client's side
        }
        co_return;
      }
      if (black_hole.load()) {
        continue;
      }
      auto [wec, w] = co_await net::async_write(s->client, net::buffer(buf.data(), n), use_tuple);
      if (wec) {
        close(s);
        co_return;
      }
    }
  }

  void swap() {
    for (const auto& s : sessions) {
      auto old = s->upstream;
      s->upstream = connect_upstream();
      boost::system::error_code ignored;
      old->close(ignored);
      net::co_spawn(io, upstream_to_client(s, s->upstream), net::detached);
    }
  }
};

redis_proxy::redis_proxy(std::uint16_t target_port)
    : impl_(std::make_unique<impl>(target_port, black_hole_)) {
  port_ = impl_->acceptor.local_endpoint().port();
  net::co_spawn(impl_->io, impl_->accept_loop(), net::detached);
  thread_ = std::thread([this] { impl_->io.run(); });
}

redis_proxy::~redis_proxy() {
  net::post(impl_->io, [this] {
    boost::system::error_code ignored;
    impl_->acceptor.close(ignored);
    auto all = impl_->sessions;
    for (const auto& s : all) {
      impl_->close(s);
    }
    impl_->io.stop();
  });
  thread_.join();
}

std::string redis_proxy::url() const {
  return "redis://127.0.0.1:" + std::to_string(port_);
}

void redis_proxy::swap_upstreams() {
  std::promise<void> done;
  net::post(impl_->io, [this, &done] {
    impl_->swap();
    done.set_value();
  });
  done.get_future().wait();
}

void redis_proxy::drop_next_command(const std::string& name) {
  std::promise<void> done;
  net::post(impl_->io, [this, &name, &done] {
    impl_->drop_name = name;
    done.set_value();
  });
  done.get_future().wait();
}

std::size_t redis_proxy::dropped_commands() const {
  return impl_->dropped.load();
}

std::size_t redis_proxy::sessions() const {
  return impl_->count.load();
}

}  // namespace sse::test
