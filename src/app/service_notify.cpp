#include "app/service_notify.hpp"

#include <spdlog/spdlog.h>

#include <cstdlib>
#include <string>

#include "app/gateway.hpp"

#ifdef SSE_HAVE_SYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace sse::app {

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

}  // namespace

void notify_stopping() {
  send("STOPPING=1\nSTATUS=shutting down");
}

void notify_ready_when(gateway& g) {
#ifndef SSE_HAVE_SYSTEMD
  if (std::getenv("NOTIFY_SOCKET") != nullptr) {
    spdlog::warn("NOTIFY_SOCKET is set but this build has no libsystemd: READY=1 is never sent");
  }
#endif
  g.when_ready([] { send("STATUS=waiting for the store"); },
               [] { send("READY=1\nSTATUS=serving"); });
}

}  // namespace sse::app
