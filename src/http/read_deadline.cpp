#include "http/read_deadline.hpp"

namespace sse::http {

read_deadline::read_deadline(boost::asio::ip::tcp::socket& socket,
                             std::chrono::steady_clock::duration d)
    : state_(std::make_shared<state>(socket.get_executor())) {
  state_->timer.expires_after(d);
  state_->timer.async_wait([st = state_, &socket](const boost::system::error_code& ec) {
    if (!ec && !st->done) {
      st->fired = true;
      boost::system::error_code ignored;
      socket.cancel(ignored);
    }
  });
}

read_deadline::~read_deadline() {
  state_->done = true;  // a completion already queued must not touch the socket
  state_->timer.cancel();
}

}  // namespace sse::http
