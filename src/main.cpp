// sse-gateway: parse the config, run the gateway until SIGTERM/SIGINT, exit 0.
// Exit codes: 0 clean shutdown (or --help/--version), 2 bad configuration, 1 startup error.

#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <cstdio>
#include <exception>
#include <thread>

#include "app/gateway.hpp"
#include "app/service_notify.hpp"
#include "app/store_factory.hpp"
#include "auth/authenticator.hpp"
#include "config/parse.hpp"
#include "store/redis/migrate_command.hpp"
#include "telemetry/logging.hpp"

namespace {

/// Raises the soft RLIMIT_NOFILE to the hard limit: every connection costs a descriptor, and the
/// usual soft default (1024) would cap the gateway far below what it can serve.
void raise_open_files_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) != 0) {
    spdlog::warn("cannot read the open files limit");
    return;
  }
  if (lim.rlim_cur < lim.rlim_max) {
    rlimit raised = lim;
    raised.rlim_cur = lim.rlim_max;
    if (::setrlimit(RLIMIT_NOFILE, &raised) == 0) {
      lim = raised;
    }
  }
  spdlog::info("open files limit {} (hard {})", lim.rlim_cur, lim.rlim_max);
}

}  // namespace

int main(int argc, char** argv) {
  sse::config::parse_outcome parsed = sse::config::parse_config(argc, argv);
  if (parsed.exit_now) {
    std::fputs(parsed.message.c_str(), parsed.exit_code == 0 ? stdout : stderr);
    return parsed.exit_code;
  }
  if (parsed.subcommand == "migrate") {
    sse::store::migrate_command_options m;
    m.url = parsed.cfg.store;
    m.prefix = parsed.cfg.redis_prefix;
    m.limits = sse::app::limits_from(parsed.cfg);
    m.compress_min_bytes = parsed.cfg.compress_min_bytes;
    return sse::store::run_migrate_command(m, stdout, stderr);
  }
  if (auto refusal = sse::auth::explicit_auth_error(parsed.cfg)) {
    std::fprintf(stderr, "sse-gateway: %s\n", refusal->c_str());
    return 2;
  }
  sse::telemetry::init_logging(parsed.cfg.log_level);
  raise_open_files_limit();

  try {
    // Signals are caught from the start, on their own small context, and only ask the gateway
    // to stop: the shutdown itself runs on this thread in wait().
    boost::asio::io_context signal_ctx(1);
    boost::asio::signal_set signals(signal_ctx, SIGINT, SIGTERM);
    sse::app::gateway gateway(std::move(parsed.cfg));
    signals.async_wait([&gateway](const boost::system::error_code& ec, int) {
      if (!ec) {
        sse::app::notify_stopping();
        gateway.request_stop();
      }
    });
    std::thread signal_thread([&signal_ctx] { signal_ctx.run(); });
    try {
      gateway.start();
    } catch (...) {
      signal_ctx.stop();
      signal_thread.join();
      throw;
    }
    // Under systemd (Type=notify): READY=1 once /readyz would answer 200, which with a network
    // store may be after start() returns (it waits only 3 s for the store).
    sse::app::notify_ready_when(gateway);
    gateway.wait();
    signal_ctx.stop();
    signal_thread.join();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "sse-gateway: %s\n", e.what());
    return 1;
  }
  return 0;
}
