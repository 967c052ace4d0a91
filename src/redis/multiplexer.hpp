#pragma once
// Sans-io pipeline multiplexer (bytes in, bytes out, so it is tested without a socket): requests
// queue up, everything not yet written goes out in one write, and replies are matched to requests
// strictly in order. No sockets and no timers here: the connection shell moves the bytes and the
// tests feed literal RESP.

#include <boost/system/error_code.hpp>
#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "redis/reply.hpp"
#include "redis/reply_reader.hpp"
#include "redis/request.hpp"

namespace sse::redis {

/// One request travelling through the multiplexer, with its outcome.
struct pending {
  explicit pending(request r) : req(std::move(r)) {}

  request req;
  std::vector<reply> replies;    ///< one per command, filled in order
  boost::system::error_code ec;  ///< set when the request failed as a whole (connection lost)
  bool written = false;
  bool done = false;
  bool abandoned = false;  ///< its waiter gave up; replies still arrive and are dropped
  /// The server answers it with pushes (SUNSUBSCRIBE on a sharded link: its reply looks like
  /// the unasked push): done once written, nothing is matched to it.
  bool answered_by_push = false;
  /// Set for a command whose answer is known (the health PING): every reply matched to this
  /// request must pass it. One that does not answers some other command, so one reply was lost
  /// on the way and every later one would go to the wrong request: on_read fails (drop the link).
  std::function<bool(const reply&)> expect;
  /// Called once when done (replies complete or ec set), from inside on_read/fail_all.
  std::function<void()> on_done;
  /// When the shell queued it (the multiplexer reads no clock): the age of the oldest request
  /// still outstanding tells a server that stopped answering (connection_config::ready_timeout).
  std::chrono::steady_clock::time_point since{};
};

using pending_ptr = std::shared_ptr<pending>;

class multiplexer {
 public:
  /// subscriber_mode: the connection is in RESP2 pub/sub mode, where `message`/`pmessage`
  /// arrays are pushes from the server, not replies to a request.
  explicit multiplexer(bool subscriber_mode = false) : subscriber_mode_(subscriber_mode) {}

  /// Queues a request. A request without commands completes at once.
  void add(pending_ptr p);

  /// True when some queued request was not written yet.
  bool has_unwritten() const noexcept { return written_ < queue_.size(); }

  /// The RESP bytes of every request not written yet, concatenated; marks them written (and
  /// completes those answered by pushes).
  std::string take_write();

  /// Consumes bytes read from the socket and completes the requests they answer. Returns
  /// errc::internal on a protocol error, a reply nobody asked for or one its request's `expect`
  /// refuses (the replies are out of step with the commands): drop the connection. Nothing
  /// after the refused reply is matched.
  boost::system::error_code on_read(std::string_view bytes);

  /// The waiter of p gave up (timeout, cancellation). Unwritten: removed. Written: its replies
  /// will still come and are dropped, keeping the order of everything after it.
  void abandon(const pending_ptr& p);

  /// Completes every queued request with ec and forgets partial input (connection lost).
  void fail_all(boost::system::error_code ec);

  /// Receives server pushes (subscriber mode): the whole `message` array.
  void set_push_handler(std::function<void(reply&&)> handler) {
    push_handler_ = std::move(handler);
  }

  bool subscriber_mode() const noexcept { return subscriber_mode_; }

  /// Requests queued or awaiting replies.
  std::size_t size() const noexcept { return queue_.size(); }

  /// The request waiting longest (queued or awaiting replies, abandoned ones included: their
  /// replies are still owed), or nullptr when nothing is outstanding.
  const pending* oldest() const noexcept { return queue_.empty() ? nullptr : queue_.front().get(); }

 private:
  bool is_push(const reply& r) const noexcept;
  static void complete(const pending_ptr& p);

  bool subscriber_mode_;
  std::deque<pending_ptr> queue_;  ///< [0, written_) written, in reply order; the rest unwritten
  std::size_t written_ = 0;
  reply_reader reader_;
  std::function<void(reply&&)> push_handler_;
};

}  // namespace sse::redis
