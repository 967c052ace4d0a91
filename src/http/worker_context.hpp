#pragma once
// One worker's view of the HTTP layer (a connection never leaves its worker): its executor, its
// hub, and the sessions it runs, so that shutdown can reach each of them. Touched only on the
// worker's own thread, except where noted.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <list>
#include <memory>
#include <optional>
#include <string>

#include "fanout/hub.hpp"
#include "http/services.hpp"

namespace sse::http {

class shutdown_listener {
 public:
  virtual void notify_shutdown() = 0;

 protected:
  ~shutdown_listener() = default;
};

/// A session's registration with its worker, for shutdown.
struct session_entry {
  enum class phase { reading, busy, streaming };
  phase at = phase::reading;
  boost::asio::ip::tcp::socket* socket = nullptr;
  /// Set while streaming SSE: asked to send its final comment and finish.
  shutdown_listener* sse = nullptr;
};

class worker_context {
 public:
  worker_context(boost::asio::any_io_executor executor, fanout::hub& hub, services& s)
      : executor_(std::move(executor)), hub_(hub), services_(s) {}
  worker_context(const worker_context&) = delete;
  worker_context& operator=(const worker_context&) = delete;

  const boost::asio::any_io_executor& executor() const noexcept { return executor_; }
  fanout::hub& hub() noexcept { return hub_; }
  services& svc() noexcept { return services_; }

  /// The frames every SSE subscription of this worker sends alike, encoded once per worker (on
  /// first use; worker thread) rather than held by each subscription for its whole life.
  struct common_frames {
    std::shared_ptr<const std::string> heartbeat;  ///< `: heartbeat`
    std::shared_ptr<const std::string> shutdown;   ///< `: server shutting down`
    std::shared_ptr<const std::string> retry;      ///< `retry:` with the configured delay
  };
  const common_frames& sse_frames();

  /// RAII registration of a session (worker thread).
  class registration {
   public:
    registration(worker_context& w, boost::asio::ip::tcp::socket& socket);
    ~registration();
    registration(const registration&) = delete;
    registration& operator=(const registration&) = delete;
    session_entry& entry() noexcept { return *it_; }

   private:
    worker_context& w_;
    std::list<session_entry>::iterator it_;
  };

  /// Shutdown, step 1 (worker thread): sessions waiting for a request are closed; SSE sessions
  /// are told to send their final comment and finish; busy ones finish their response and then
  /// close (services::draining).
  void begin_shutdown();
  /// Shutdown, step 2 (worker thread): closes every remaining socket.
  void close_all();

 private:
  boost::asio::any_io_executor executor_;
  fanout::hub& hub_;
  services& services_;
  std::list<session_entry> sessions_;
  std::optional<common_frames> sse_frames_;
};

/// Closes a socket for good, ignoring errors (it may be closed already).
void close_socket(boost::asio::ip::tcp::socket& socket) noexcept;

}  // namespace sse::http
