#include "app/service_notify.hpp"

#include <spdlog/spdlog.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <cstdlib>
#include <string>

#ifdef SSE_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace sse::app {

namespace net = boost::asio;

namespace {

void send(const std::string& state) {
#ifdef SSE_HAVE_SYSTEMD
  // 0: keep NOTIFY_SOCKET in the environment (the watch and the signal handler send later).
  // A failed send changes nothing for the gateway itself; systemd then times the start out.
  (void)::sd_notify(0, state.c_str());
#else
  (void)state;
#endif
}

net::awaitable<void> watch(std::function<bool()> ready) {
  net::steady_timer timer(co_await net::this_coro::executor);
  bool said_waiting = false;
  while (!ready()) {
    if (!said_waiting) {
      send("STATUS=waiting for the store");
      said_waiting = true;
    }
    timer.expires_after(std::chrono::milliseconds(50));
    auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    if (ec) {
      co_return;
    }
  }
  send("READY=1\nSTATUS=serving");
}

}  // namespace

void notify_stopping() {
  send("STOPPING=1\nSTATUS=shutting down");
}

void notify_ready_when(net::any_io_executor ex, std::function<bool()> ready) {
#ifndef SSE_HAVE_SYSTEMD
  if (std::getenv("NOTIFY_SOCKET") != nullptr) {
    spdlog::warn("NOTIFY_SOCKET is set but this build has no libsystemd: READY=1 is never sent");
  }
#endif
  net::co_spawn(std::move(ex), watch(std::move(ready)), net::detached);
}

}  // namespace sse::app
