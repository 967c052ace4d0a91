#include "redis/multiplexer.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace sse::redis {

void multiplexer::add(pending_ptr p) {
  if (p->req.empty()) {
    complete(p);
    return;
  }
  p->replies.reserve(p->req.commands());
  queue_.push_back(std::move(p));
}

std::string multiplexer::take_write() {
  std::string out;
  std::vector<pending_ptr> finished;
  for (std::size_t i = written_; i < queue_.size();) {
    out += queue_[i]->req.payload();
    queue_[i]->written = true;
    if (queue_[i]->answered_by_push) {
      // No reply will be matched to it: leave the reply order to the others.
      finished.push_back(queue_[i]);
      queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(i));
      continue;
    }
    ++i;
  }
  written_ = queue_.size();
  for (const auto& p : finished) {
    complete(p);
  }
  return out;
}

bool multiplexer::is_push(const reply& r) const noexcept {
  if (!subscriber_mode_ || !r.is_array() || r.elements.size() < 3) {
    return false;
  }
  const reply& kind = r.elements[0];
  // Sharded pub/sub (redis/cluster): `smessage`, and `sunsubscribe`, which the server pushes
  // unasked when the channel's slot moves. The answer to our own SUNSUBSCRIBE has the same
  // shape, so it is a push too: such a request is sent answered_by_push (nothing is matched to
  // it) and pubsub_state counts what it sent to tell the two apart.
  return kind.is_string() && (kind.str == "message" || kind.str == "pmessage" ||
                              kind.str == "smessage" || kind.str == "sunsubscribe");
}

boost::system::error_code multiplexer::on_read(std::string_view bytes) {
  reader_.feed(bytes);
  for (;;) {
    auto next = reader_.next();
    if (!next) {
      return next.error();
    }
    if (!next->has_value()) {
      return {};
    }
    reply r = std::move(**next);
    if (is_push(r)) {
      if (push_handler_) {
        push_handler_(std::move(r));
      }
      continue;
    }
    if (written_ == 0) {
      return errc::internal;  // a reply to nothing we sent: the stream is out of step
    }
    const pending_ptr& front = queue_.front();
    if (front->expect && !front->expect(r)) {
      return errc::internal;  // the answer to another command: the stream is out of step
    }
    front->replies.push_back(std::move(r));
    if (front->replies.size() == front->req.commands()) {
      pending_ptr p = front;
      queue_.pop_front();
      --written_;
      complete(p);
    }
  }
}

void multiplexer::abandon(const pending_ptr& p) {
  p->abandoned = true;
  p->on_done = nullptr;
  if (p->written || p->done) {
    return;
  }
  auto it = std::find(queue_.begin() + static_cast<std::ptrdiff_t>(written_), queue_.end(), p);
  if (it != queue_.end()) {
    queue_.erase(it);
  }
}

void multiplexer::fail_all(boost::system::error_code ec) {
  std::deque<pending_ptr> failed;
  failed.swap(queue_);
  written_ = 0;
  reader_.reset();
  for (auto& p : failed) {
    p->ec = ec;
    complete(p);
  }
}

void multiplexer::complete(const pending_ptr& p) {
  p->done = true;
  if (p->on_done) {
    auto fn = std::move(p->on_done);
    p->on_done = nullptr;
    fn();
  }
}

}  // namespace sse::redis
