#pragma once
// The HTTP side of the gateway: the listener that hands each connection to the next worker,
// and the workers' session registries, for shutdown. app::gateway owns it.

#include <atomic>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fanout/hub.hpp"
#include "http/refusal.hpp"
#include "http/services.hpp"
#include "http/worker_context.hpp"

namespace boost::asio::ssl {
class context;
}

namespace sse::http {

struct worker_binding {
  boost::asio::any_io_executor executor;  ///< a single-threaded io_context's executor
  fanout::hub* hub = nullptr;             ///< the hub of that worker
};

class server {
 public:
  /// workers: at least one. The acceptor runs on the first worker.
  server(services& s, const std::vector<worker_binding>& workers);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  /// Binds and listens on host:port (port 0: a free port). Startup only, before the workers
  /// run. Returns the error of resolve/bind/listen (e.g. address in use).
  boost::system::error_code listen(const std::string& host, std::uint16_t port);
  /// The bound port, once listen() succeeded.
  std::uint16_t port() const noexcept { return port_; }

  /// Serves HTTPS instead of HTTP: loads the PEM certificate chain and key (see
  /// make_server_tls_context in http/tls_context.hpp). Startup only, before start(). Returns "" on
  /// success, else a one-line error naming the file and the reason.
  std::string enable_tls(const std::string& cert_file, const std::string& key_file);
  bool tls_enabled() const noexcept { return tls_ != nullptr; }

  /// Starts accepting (the loop runs on the first worker).
  void start();

  /// Any thread. Shutdown step 1: stop accepting, /readyz → 503, SSE clients get their final
  /// comment, idle keep-alive connections close, busy ones close after their response.
  void begin_shutdown();
  /// Any thread. Shutdown step 2 (after the grace period): close every remaining connection.
  void close_all();

  /// Connections whose session has not finished yet. Any thread.
  std::size_t open_sessions() const noexcept { return open_.load(std::memory_order_acquire); }
  /// Connections refused (past --max-connections or --max-connections-per-ip) whose answer is
  /// still being written, or whose TLS handshake is still under way. Any thread.
  std::size_t refusals_in_flight() const noexcept {
    return refusing_.load(std::memory_order_acquire);
  }
  /// Blocks (never on a worker: the sessions finish there) until no session is open and no
  /// refusal is in flight, or `limit` has passed; answers whether none is. Woken by each as it
  /// finishes, not by polling.
  bool wait_closed(std::chrono::milliseconds limit);

 private:
  boost::asio::awaitable<void> accept_loop();
  /// Answers a refused connection on worker w, counted in refusing_ until it is done, so that
  /// shutdown waits for it (and cuts it with the sessions after the grace) like any session.
  void refuse(worker_context& w, boost::asio::ip::tcp::socket socket, refusal why);
  /// Counts one session or refusal out under closed_mu_, wakes wait_closed(), and logs how it
  /// failed if it threw (`what`: "session" or "refusal").
  void count_out(std::atomic<std::size_t>& counter, std::exception_ptr failed,
                 std::string_view what);

  services& s_;
  std::vector<std::unique_ptr<worker_context>> workers_;
  std::optional<boost::asio::ip::tcp::acceptor> acceptor_;
  std::shared_ptr<boost::asio::ssl::context> tls_;  // null: plain HTTP
  std::uint16_t port_ = 0;
  std::atomic<std::size_t> open_{0};
  std::atomic<std::size_t> refusing_{0};
  // A session's (or refusal's) end decrements open_ (refusing_) under closed_mu_ and notifies, so
  // wait_closed() cannot miss the last one between its check and its wait.
  std::mutex closed_mu_;
  std::condition_variable closed_;
  std::size_t next_worker_ = 0;  // accept loop only
};

}  // namespace sse::http
