#include "http/worker_context.hpp"

#include "http/sse_util.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::http {

worker_context::registration::registration(worker_context& w, boost::asio::ip::tcp::socket& socket)
    : w_(w), it_(w.sessions_.insert(w.sessions_.end(), session_entry{})) {
  it_->socket = &socket;
}

worker_context::registration::~registration() {
  w_.sessions_.erase(it_);
}

const worker_context::common_frames& worker_context::sse_frames() {
  if (!sse_frames_) {
    sse_frames_.emplace(common_frames{shared_frame(stream::encode_comment("heartbeat")),
                                      shared_frame(stream::encode_comment("server shutting down")),
                                      shared_frame(stream::encode_retry(services_.cfg.retry))});
  }
  return *sse_frames_;
}

void worker_context::begin_shutdown() {
  for (session_entry& e : sessions_) {
    if (e.sse != nullptr) {
      e.sse->notify_shutdown();
    } else if (e.at == session_entry::phase::reading) {
      close_socket(*e.socket);
    }
  }
}

void worker_context::close_all() {
  for (session_entry& e : sessions_) {
    close_socket(*e.socket);
  }
}

void close_socket(boost::asio::ip::tcp::socket& socket) noexcept {
  boost::system::error_code ec;
  socket.shutdown(boost::asio::ip::tcp::socket::shutdown_both, ec);
  socket.close(ec);
}

}  // namespace sse::http
