#include "fanout/hub.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <vector>

namespace sse::fanout {

namespace net = boost::asio;

/// One store watch for one (worker, stream). The store may call it on any thread; each callback
/// is posted to the worker, where the listener checks that it is still open before delivering
/// (a posted callback can arrive after the last subscriber left: the post's shared_ptr keeps
/// the listener alive until then).
class hub::stream_listener final : public store::live_listener,
                                   public std::enable_shared_from_this<stream_listener> {
 public:
  enum class state { watching, active, closed };

  stream_listener(net::any_io_executor worker, hub* owner, std::string id)
      : worker_(worker), hub_(owner), id_(std::move(id)), ready_(worker) {
    ready_.expires_at(net::steady_timer::time_point::max());
  }

  void on_events(std::shared_ptr<const stream::event_batch> batch) override {
    net::post(worker_, [self = shared_from_this(), b = std::move(batch)]() mutable {
      self->deliver_batch(b);
    });
  }
  void on_stream_gone(const std::string&) override {
    net::post(worker_, [self = shared_from_this()] { self->deliver_gone(); });
  }
  void on_resync(const std::string&) override {
    net::post(worker_, [self = shared_from_this()] { self->deliver_resync(); });
  }

  // Worker only, from here on.

  /// Wakes subscribers waiting for the watch (state changed to active or closed).
  void signal_ready() { ready_.cancel(); }
  net::awaitable<void> wait_ready() {
    // Re-checked in a loop by the caller: a wake-up only means "look again".
    co_await ready_.async_wait(net::as_tuple(net::use_awaitable));
  }

  state st = state::watching;
  boost::system::error_code watch_error;
  std::vector<subscriber*> subs;

 private:
  void deliver_batch(const std::shared_ptr<const stream::event_batch>& b) {
    // Callbacks never (un)subscribe synchronously (subscriber.hpp), so indices stay valid.
    if (st == state::closed) {
      return;
    }
    for (std::size_t i = 0; i < subs.size(); ++i) {
      subs[i]->on_batch(b);
    }
  }
  void deliver_gone() {
    if (st == state::closed) {
      return;
    }
    // This incarnation is over: stop watching now, so that a subscriber of a re-created stream
    // gets a fresh watch instead of this finished one.
    std::vector<subscriber*> gone = std::move(subs);
    subs.clear();
    hub_->close_listener(id_, shared_from_this());
    for (subscriber* s : gone) {
      s->on_gone();
    }
  }
  void deliver_resync() {
    if (st == state::closed) {
      return;
    }
    for (std::size_t i = 0; i < subs.size(); ++i) {
      subs[i]->on_resync();
    }
  }

  net::any_io_executor worker_;
  hub* hub_;
  std::string id_;
  net::steady_timer ready_;
};

hub::hub(net::any_io_executor worker, store::store& store) : worker_(worker), store_(store) {}

hub::~hub() {
  for (auto& [id, l] : streams_) {
    if (l->st != stream_listener::state::closed) {
      store_.unwatch(id, l.get());
      l->st = stream_listener::state::closed;
    }
  }
}

net::awaitable<result<void>> hub::subscribe(const std::string& stream_id, subscriber* s) {
  if (auto it = streams_.find(stream_id); it != streams_.end()) {
    std::shared_ptr<stream_listener> l = it->second;
    l->subs.push_back(s);
    while (l->st == stream_listener::state::watching) {
      co_await l->wait_ready();
    }
    if (l->st == stream_listener::state::closed) {
      // The watch failed (its subscriber list was dropped with it).
      co_return l->watch_error ? l->watch_error : make_error_code(errc::store_unavailable);
    }
    co_return result<void>{};
  }

  auto l = std::make_shared<stream_listener>(worker_, this, stream_id);
  streams_.emplace(stream_id, l);
  l->subs.push_back(s);
  result<void> watched = co_await store_.watch(stream_id, l.get());
  if (l->st == stream_listener::state::closed) {
    // Gone while the watch was in flight: close_listener's unwatch may have run before the
    // store registered the watch, so unwatch again now that it has.
    if (watched) {
      store_.unwatch(stream_id, l.get());
    }
    co_return make_error_code(errc::stream_not_found);
  }
  if (!watched) {
    l->st = stream_listener::state::closed;
    l->watch_error = watched.error();
    l->subs.clear();
    streams_.erase(stream_id);
    l->signal_ready();
    co_return watched.error();
  }
  l->st = stream_listener::state::active;
  l->signal_ready();
  if (l->subs.empty()) {
    // Everyone left while the watch was in flight.
    close_listener(stream_id, l);
  }
  co_return result<void>{};
}

void hub::unsubscribe(const std::string& stream_id, subscriber* s) {
  auto it = streams_.find(stream_id);
  if (it == streams_.end()) {
    return;
  }
  std::shared_ptr<stream_listener> l = it->second;
  auto pos = std::find(l->subs.begin(), l->subs.end(), s);
  if (pos == l->subs.end()) {
    return;
  }
  *pos = l->subs.back();
  l->subs.pop_back();
  // While the watch is in flight, subscribe() finishes the job when it completes.
  if (l->subs.empty() && l->st == stream_listener::state::active) {
    close_listener(stream_id, l);
  }
}

std::size_t hub::subscriber_count(const std::string& stream_id) const noexcept {
  auto it = streams_.find(stream_id);
  return it == streams_.end() ? 0 : it->second->subs.size();
}

void hub::close_listener(const std::string& stream_id, const std::shared_ptr<stream_listener>& l) {
  if (l->st == stream_listener::state::closed) {
    return;
  }
  const bool was_watching = l->st == stream_listener::state::watching;
  l->st = stream_listener::state::closed;
  store_.unwatch(stream_id, l.get());
  if (auto it = streams_.find(stream_id); it != streams_.end() && it->second == l) {
    streams_.erase(it);
  }
  if (was_watching) {
    l->watch_error = make_error_code(errc::stream_not_found);
    l->signal_ready();
  }
}

}  // namespace sse::fanout
