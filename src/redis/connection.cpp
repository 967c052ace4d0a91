#include "redis/connection.hpp"

#include <algorithm>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <memory>
#include <string>

#include "redis/link_report.hpp"

namespace sse::redis {

namespace net = boost::asio;
using namespace net::experimental::awaitable_operators;
using tcp = net::ip::tcp;
constexpr auto use_tuple = net::as_tuple(net::use_awaitable);

namespace {

// Set when the enclosing parallel group (or the caller) asked this coroutine to stop.
net::awaitable<bool> cancelled() {
  auto cs = co_await net::this_coro::cancellation_state;
  co_return cs.cancelled() != net::cancellation_type::none;
}

}  // namespace

connection::connection(executor_type ex, connection_config cfg, bool subscriber_mode)
    : ex_(ex),
      cfg_(std::move(cfg)),
      clock_(cfg_.clock != nullptr ? *cfg_.clock : own_clock_),
      resolver_(ex),
      socket_(ex),
      write_signal_(ex),
      backoff_timer_(ex),
      stall_timer_(ex),
      mux_(subscriber_mode),
      read_buffer_(64 * 1024),
      rng_(std::random_device{}()),
      tasks_(ex) {}

void connection::start() {
  tasks_.spawn(run());
}

net::awaitable<void> connection::run() {
  // The frame owns a reference: the connection outlives its owner's stop() until this returns.
  const auto self = shared_from_this();
  while (!stop_requested_.load()) {
    auto ec = co_await connect_socket();
    if (ec && !stop_requested_.load() && ec != errc::store_unavailable) {
      // (store_unavailable: the address provider failed and said why itself.)
      report_failure("cannot connect: " + ec.message());
    }
    if (!ec && !stop_requested_.load()) {
      // The loops share the socket; when one ends (EOF, error, failed health check, stop())
      // the group cancels the others.
      co_await (reader() || writer() || session() || stall_watch());
    }
    set_up(false);
    close_socket();
    mux_.fail_all(errc::store_unavailable);
    if (stop_requested_.load()) {
      break;
    }
    backoff_timer_.expires_after(next_backoff());
    co_await backoff_timer_.async_wait(use_tuple);
  }
  set_up(false);
}

void connection::stop() {
  stop_requested_.store(true);
  // run() may finish (and release the last reference) before this handler runs.
  net::post(ex_, [self = shared_from_this()] {
    self->resolver_.cancel();
    self->backoff_timer_.cancel();
    self->close_socket();
  });
}

void connection::report_failure(const std::string& reason) {
  if (cfg_.report && !stop_requested_.load()) {
    cfg_.report->failed(cfg_.host + ":" + std::to_string(cfg_.port), reason);
  }
}

void connection::close_socket() {
  boost::system::error_code ignored;
  socket_.shutdown(tcp::socket::shutdown_both, ignored);
  socket_.close(ignored);
}

std::chrono::milliseconds connection::next_backoff() {
  // Capped exponential backoff with jitter in [d/2, d]: nodes that lost Redis together do not
  // reconnect in lockstep.
  auto base = cfg_.backoff_min.count();
  auto cap = std::max(cfg_.backoff_max.count(), base);
  long long d = base;
  for (int i = 0; i < failures_ && d < cap; ++i) {
    d *= 2;
  }
  d = std::min<long long>(d, cap);
  ++failures_;
  std::uniform_int_distribution<long long> jitter(d / 2, d);
  return std::chrono::milliseconds(jitter(rng_));
}

net::awaitable<boost::system::error_code> connection::connect_socket() {
  close_socket();
  if (provider_) {
    auto where = co_await provider_();
    if (!where) {
      if (cfg_.report) {
        cfg_.report->failed(
            "sentinels", "no sentinel answered with a primary (" + where.error().message() + ")");
      }
      co_return errc::store_unavailable;
    }
    cfg_.host = std::move(where->first);
    cfg_.port = where->second;
  }
  net::steady_timer deadline(ex_);
  deadline.expires_after(cfg_.connect_timeout);

  auto resolved =
      co_await (resolver_.async_resolve(cfg_.host, std::to_string(cfg_.port), use_tuple) ||
                deadline.async_wait(use_tuple));
  if (resolved.index() != 0) {
    co_return net::error::timed_out;
  }
  auto [rec, endpoints] = std::get<0>(std::move(resolved));
  if (rec) {
    co_return rec;
  }
  auto connected = co_await (net::async_connect(socket_, endpoints, use_tuple) ||
                             deadline.async_wait(use_tuple));
  if (connected.index() != 0) {
    close_socket();
    co_return net::error::timed_out;
  }
  auto [cec, ep] = std::get<0>(connected);
  if (cec) {
    co_return cec;
  }
  boost::system::error_code ignored;
  socket_.set_option(tcp::no_delay(true), ignored);  // replies are small and latency matters
  co_return boost::system::error_code{};
}

net::awaitable<boost::system::error_code> connection::handshake() {
  request r;
  if (!cfg_.password.empty()) {
    if (cfg_.username.empty()) {
      r.push("AUTH", cfg_.password);
    } else {
      r.push("AUTH", cfg_.username, cfg_.password);
    }
  }
  if (cfg_.db != 0) {
    r.push("SELECT", cfg_.db);
  }
  if (!cfg_.client_name.empty()) {
    r.push("CLIENT", "SETNAME", cfg_.client_name);
  }
  r.push("PING");
  if (cfg_.require_master) {
    r.push("ROLE");
  }
  auto replies = co_await exec_unchecked(std::move(r), cfg_.connect_timeout);
  if (!replies) {
    report_failure("no answer to the handshake (AUTH/PING) within " +
                   std::to_string(cfg_.connect_timeout.count()) + "ms");
    co_return replies.error();
  }
  for (const auto& rep : *replies) {
    if (rep.is_error()) {
      // Wrong password or db: keep retrying with backoff. Redis's error text names no secret.
      const bool auth = rep.str.starts_with("WRONGPASS") || rep.str.starts_with("NOAUTH") ||
                        rep.str.find("AUTH") != std::string::npos;
      report_failure((auth ? "authentication failed: " : "refused the handshake: ") + rep.str);
      co_return errc::store_unavailable;
    }
  }
  if (cfg_.require_master) {
    // ROLE answers ["master", offset, replicas] on a primary (a subscriber-mode connection is
    // not subscribed yet here, so the reply is the plain one).
    const reply& role = replies->back();
    if (!role.is_array() || role.elements.empty() || role.elements[0].str != "master") {
      report_failure("is not a primary (ROLE " +
                     (role.elements.empty() ? std::string("?") : role.elements[0].str) + ")");
      co_return errc::store_unavailable;  // a replica (demoted, or not promoted yet): ask again
    }
  }
  if (connect_hook_) {
    if (auto ec = co_await connect_hook_(*this)) {
      co_return ec;
    }
  }
  co_return boost::system::error_code{};
}

net::awaitable<void> connection::reader() {
  for (;;) {
    auto [ec, n] = co_await socket_.async_read_some(net::buffer(read_buffer_), use_tuple);
    if (ec) {
      co_return;
    }
    const std::size_t outstanding = mux_.size();
    if (mux_.on_read(std::string_view(read_buffer_.data(), n))) {
      co_return;  // protocol error: the byte stream cannot be trusted any more
    }
    if (mux_.size() < outstanding) {
      last_reply_ = clock_.now();
      if (stalled_.load()) {
        set_stalled(false);     // a reply came: the server answers again
        stall_timer_.cancel();  // watch what is still outstanding
      }
    }
  }
}

net::awaitable<void> connection::writer() {
  for (;;) {
    if (mux_.has_unwritten()) {
      // Everything queued since the last write goes out in one write: one syscall and one round
      // trip for a whole burst of commands.
      std::string bytes = mux_.take_write();
      auto [ec, n] = co_await net::async_write(socket_, net::buffer(bytes), use_tuple);
      if (ec) {
        co_return;
      }
      continue;
    }
    write_signal_.expires_at(net::steady_timer::time_point::max());
    co_await write_signal_.async_wait(use_tuple);
    if (co_await cancelled()) {
      co_return;
    }
  }
}

net::awaitable<void> connection::session() {
  if (co_await handshake()) {
    co_return;
  }
  if (cfg_.report) {
    cfg_.report->connected(cfg_.host + ":" + std::to_string(cfg_.port));
  }
  failures_ = 0;
  set_up(true);
  net::steady_timer tick(ex_);
  for (;;) {
    tick.expires_after(cfg_.health_interval);
    co_await tick.async_wait(use_tuple);
    if (co_await cancelled()) {
      co_return;
    }
    request ping;
    ping.push("PING");
    auto p = std::make_shared<pending>(std::move(ping));
    // Anything but PONG answers another command: a reply was lost while the link stayed open (a
    // proxy that swapped its server side), and every later command would get the one before it.
    // The multiplexer refuses it and the link drops (what was sent fails as outcome_unknown).
    p->expect = [subscribed = mux_.subscriber_mode()](const reply& r) {
      return is_ping_answer(r, subscribed);
    };
    auto replies = co_await exec_pending(std::move(p), cfg_.health_timeout);
    if (!replies) {
      co_return;  // a paused, wedged or out-of-step server: drop the link and reconnect
    }
  }
}

net::awaitable<void> connection::stall_watch() {
  // Stalled: something has been outstanding for ready_timeout and no reply came meanwhile. One
  // deadline: the later of the oldest request's queue time and the last reply, + ready_timeout
  // (the last reply counts, so a backlog that Redis works through after a pause is progress,
  // not a new stall). Replies need not wake this: the timer fires, finds the deadline moved
  // and re-arms. Woken early only when the queue turns non-empty (enqueue) or a stall ends.
  const auto limit = cfg_.ready_timeout;
  last_reply_ = clock_.now();
  for (;;) {
    const pending* oldest = mux_.oldest();
    if (stalled_.load() || oldest == nullptr || limit.count() <= 0) {
      stall_timer_.expires_at(net::steady_timer::time_point::max());
    } else if (const auto deadline = std::max(oldest->since, last_reply_) + limit;
               deadline <= clock_.now()) {
      set_stalled(true);
      continue;
    } else {
      // Relative to clock_: the timer itself runs on real steady time.
      stall_timer_.expires_after(deadline - clock_.now());
    }
    co_await stall_timer_.async_wait(use_tuple);
    if (co_await cancelled()) {
      co_return;
    }
  }
}

void connection::enqueue(pending_ptr p) {
  p->since = clock_.now();
  mux_.add(std::move(p));
  write_signal_.cancel();
  if (mux_.size() == 1) {
    stall_timer_.cancel();  // the watcher slept with nothing outstanding: arm it for this one
  }
}

net::awaitable<result<std::vector<reply>>> connection::exec(request req,
                                                            std::chrono::milliseconds timeout) {
  if (!up()) {
    co_return errc::store_unavailable;
  }
  co_return co_await exec_unchecked(std::move(req), timeout);
}

net::awaitable<result<std::vector<reply>>> connection::exec_unchecked(
    request req, std::chrono::milliseconds timeout) {
  co_return co_await exec_pending(std::make_shared<pending>(std::move(req)), timeout);
}

net::awaitable<result<std::vector<reply>>> connection::exec_pending(
    pending_ptr p, std::chrono::milliseconds timeout) {
  net::steady_timer wake(ex_);
  wake.expires_after(timeout);
  // The timer is both the deadline and the wake-up: completion cancels it. Everything runs on
  // this executor, so the completion cannot slip in before the wait starts.
  p->on_done = [&wake] { wake.cancel(); };
  enqueue(p);
  if (!p->done) {
    co_await wake.async_wait(use_tuple);
  }
  // Once written, the server may have run the commands although no answer came: say so, so
  // that a write is never reported as "nothing happened" when it may have happened.
  if (!p->done) {
    const bool sent = p->written;
    mux_.abandon(p);  // timed out or cancelled by the caller
    co_return sent ? errc::outcome_unknown : errc::store_unavailable;
  }
  if (p->ec) {
    co_return p->written ? errc::outcome_unknown : errc::store_unavailable;
  }
  co_return std::move(p->replies);
}

bool connection::send_detached(request req) {
  if (!up()) {
    return false;
  }
  auto p = std::make_shared<pending>(std::move(req));
  p->abandoned = true;
  enqueue(std::move(p));
  return true;
}

bool connection::send_answered_by_push(request req) {
  if (!up()) {
    return false;
  }
  auto p = std::make_shared<pending>(std::move(req));
  p->answered_by_push = true;
  enqueue(std::move(p));
  return true;
}

void connection::drop() {
  // Closing the socket ends the reader, so the session group ends and run() reconnects.
  net::post(ex_, [self = shared_from_this()] { self->close_socket(); });
}

void connection::set_up(bool up) {
  const bool was_ready = ready();
  stalled_.store(false, std::memory_order_release);  // a new or lost link owes no replies
  if (up_.exchange(up, std::memory_order_acq_rel) != up && state_handler_) {
    state_handler_(up);
  }
  notify_ready(was_ready);
}

void connection::set_stalled(bool stalled) {
  const bool was_ready = ready();
  stalled_.store(stalled, std::memory_order_release);
  notify_ready(was_ready);
}

void connection::notify_ready(bool was_ready) {
  const bool now = ready();
  if (now != was_ready && ready_handler_) {
    ready_handler_(now);
  }
}

}  // namespace sse::redis
