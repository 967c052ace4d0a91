#include "http/server.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <exception>

#include "auth/limits.hpp"
#include "http/h1/connection.hpp"
#include "http/tls_context.hpp"

namespace sse::http {

namespace net = boost::asio;
using net::ip::tcp;

server::server(services& s, const std::vector<worker_binding>& workers) : s_(s) {
  acceptor_.emplace(workers.at(0).executor);
  for (const auto& w : workers) {
    workers_.push_back(std::make_unique<worker_context>(w.executor, *w.hub, s));
  }
}

server::~server() = default;

boost::system::error_code server::listen(const std::string& host, std::uint16_t port) {
  boost::system::error_code ec;
  tcp::endpoint endpoint;
  auto address = net::ip::make_address(host, ec);
  if (!ec) {
    endpoint = tcp::endpoint(address, port);
  } else {
    // A name ("localhost"): resolve it once, at startup.
    tcp::resolver resolver(acceptor_->get_executor());
    auto results = resolver.resolve(host, std::to_string(port), ec);
    if (ec) {
      return ec;
    }
    if (results.empty()) {
      return net::error::host_not_found;
    }
    endpoint = results.begin()->endpoint();
  }
  acceptor_->open(endpoint.protocol(), ec);
  if (!ec) {
    acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
  }
  if (!ec) {
    acceptor_->bind(endpoint, ec);
  }
  if (!ec) {
    acceptor_->listen(net::socket_base::max_listen_connections, ec);
  }
  if (ec) {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
    return ec;
  }
  port_ = acceptor_->local_endpoint(ec).port();
  return ec;
}

std::string server::enable_tls(const std::string& cert_file, const std::string& key_file) {
  auto built = make_server_tls_context(cert_file, key_file, s_.cfg.http2);
  tls_ = std::move(built.context);
  return built.error;
}

void server::start() {
  net::co_spawn(acceptor_->get_executor(), accept_loop(), [](std::exception_ptr e) {
    if (e) {
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& ex) {
        spdlog::error("accept loop failed: {}", ex.what());
      }
    }
  });
}

net::awaitable<void> server::accept_loop() {
  for (;;) {
    worker_context& w = *workers_[next_worker_];
    auto [ec, socket] =
        co_await acceptor_->async_accept(w.executor(), net::as_tuple(net::use_awaitable));
    if (ec) {
      if (ec == net::error::operation_aborted || !acceptor_->is_open()) {
        co_return;
      }
      // Out of descriptors or a connection reset before accept: pause briefly, go on.
      spdlog::warn("accept failed: {}", ec.message());
      net::steady_timer pause(acceptor_->get_executor(), std::chrono::milliseconds(50));
      co_await pause.async_wait(net::as_tuple(net::use_awaitable));
      continue;
    }
    // Round-robin: SSE connections are long-lived, so each worker gets its share of them.
    next_worker_ = (next_worker_ + 1) % workers_.size();
    if (open_.load(std::memory_order_relaxed) >= s_.cfg.max_connections) {
      refuse(w, std::move(socket), refusal::connection_limit);
      continue;
    }
    // Per client IP: one address cannot take the whole connection budget.
    auth::counted_hold ip_place;
    if (s_.limits != nullptr && s_.cfg.max_connections_per_ip > 0) {
      boost::system::error_code ep_ec;
      const auto ep = socket.remote_endpoint(ep_ec);
      const std::string ip = ep_ec ? std::string() : ep.address().to_string();
      if (!s_.limits->connections_per_ip.try_acquire(ip)) {
        s_.metrics.count_limit(telemetry::limit_connections_per_ip);
        refuse(w, std::move(socket), refusal::address_limit);
        continue;
      }
      ip_place = auth::counted_hold(&s_.limits->connections_per_ip, ip);
    }
    open_.fetch_add(1, std::memory_order_acq_rel);
    auto session = tls_ ? h1::run_tls_session(w, std::move(socket), *tls_)
                        : h1::run_session(w, std::move(socket));
    // The address's place moves into the handler (no shared copy: one allocation less for
    // every connection) and is given back when the session ends.
    net::co_spawn(w.executor(), std::move(session),
                  [this, place = std::move(ip_place)](std::exception_ptr e) mutable {
                    place.reset();
                    count_out(open_, e, "session");
                  });
  }
}

void server::refuse(worker_context& w, tcp::socket socket, refusal why) {
  refusing_.fetch_add(1, std::memory_order_acq_rel);
  auto answer = tls_ ? h1::reject_tls_session(w, std::move(socket), *tls_, why)
                     : h1::reject_session(w, std::move(socket), why);
  net::co_spawn(w.executor(), std::move(answer),
                [this](std::exception_ptr e) { count_out(refusing_, e, "refusal"); });
}

void server::count_out(std::atomic<std::size_t>& counter, std::exception_ptr failed,
                       std::string_view what) {
  {
    std::lock_guard lock(closed_mu_);
    counter.fetch_sub(1, std::memory_order_acq_rel);
  }
  closed_.notify_all();
  if (failed) {
    try {
      std::rethrow_exception(failed);
    } catch (const std::exception& ex) {
      spdlog::error("{} failed: {}", what, ex.what());
    }
  }
}

void server::begin_shutdown() {
  s_.draining.store(true, std::memory_order_relaxed);
  net::post(acceptor_->get_executor(), [this] {
    boost::system::error_code ignored;
    acceptor_->close(ignored);
  });
  for (auto& w : workers_) {
    net::post(w->executor(), [wc = w.get()] { wc->begin_shutdown(); });
  }
}

bool server::wait_closed(std::chrono::milliseconds limit) {
  std::unique_lock lock(closed_mu_);
  return closed_.wait_for(lock, limit,
                          [this] { return open_sessions() == 0 && refusals_in_flight() == 0; });
}

void server::close_all() {
  for (auto& w : workers_) {
    net::post(w->executor(), [wc = w.get()] { wc->close_all(); });
  }
}

}  // namespace sse::http
