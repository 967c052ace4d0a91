#pragma once
// A deadline on the reads of a connection (the request's header block and body, the TLS
// handshake) that cancels the pending read instead of closing the socket (a Beast tcp_stream
// timeout closes it), so that a client too slow to send its request still gets its 408.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <memory>

namespace sse::http {

class read_deadline {
 public:
  read_deadline(boost::asio::ip::tcp::socket& socket, std::chrono::steady_clock::duration d);
  ~read_deadline();
  read_deadline(const read_deadline&) = delete;
  read_deadline& operator=(const read_deadline&) = delete;
  /// True once the deadline passed (and the socket's pending operations were cancelled).
  bool fired() const noexcept { return state_->fired; }

 private:
  struct state {
    explicit state(const boost::asio::any_io_executor& ex) : timer(ex) {}
    boost::asio::steady_timer timer;
    bool done = false;
    bool fired = false;
  };
  std::shared_ptr<state> state_;
};

}  // namespace sse::http
