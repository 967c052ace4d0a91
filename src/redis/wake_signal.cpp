#include "redis/wake_signal.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

namespace sse::redis {

namespace net = boost::asio;

namespace {

// Unlists a waiter's timer however its wait ends, also when its frame is destroyed while
// suspended (an io_context torn down): notify() never touches a timer that is gone.
struct listed {
  std::list<net::steady_timer*>& list;
  std::list<net::steady_timer*>::iterator at;
  ~listed() { list.erase(at); }
};

}  // namespace

net::awaitable<bool> wake_signal::wait(time_point deadline, std::function<bool()> done) {
  net::steady_timer timer(ex_);
  while (!done() && clock_.now() < deadline) {
    // Relative to the injected clock: the timer itself always runs on real steady time.
    timer.expires_after(deadline - clock_.now());
    const listed me{waiters_, waiters_.insert(waiters_.end(), &timer)};
    co_await timer.async_wait(net::as_tuple(net::use_awaitable));
  }
  co_return done();
}

void wake_signal::notify() {
  for (net::steady_timer* t : waiters_) {
    t->cancel();
  }
}

}  // namespace sse::redis
