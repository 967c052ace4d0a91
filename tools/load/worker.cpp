#include "load/worker.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "load/source_addresses.hpp"
#include "load/worker_subscriber.hpp"

namespace sse::load {

namespace net = boost::asio;

void run_counters::merge(const run_counters& o) noexcept {
  subscriptions += o.subscriptions;
  subscribe_errors += o.subscribe_errors;
  streams_created += o.streams_created;
  streams_ended += o.streams_ended;
  cuts += o.cuts;
  gateway_closes += o.gateway_closes;
  resets += o.resets;
}

slot_table::slot_table(std::size_t slots, std::string prefix)
    : prefix_(std::move(prefix)), gens_storage_(new std::atomic<std::uint64_t>[slots]) {
  for (std::size_t i = 0; i < slots; ++i) {
    gens_storage_[i].store(0);
    gens_.push_back(&gens_storage_[i]);
  }
}

std::string slot_table::stream_id(std::size_t slot, std::uint64_t gen) const {
  return prefix_ + "-" + std::to_string(slot) + "-" + std::to_string(gen);
}

std::uint64_t slot_table::generation(std::size_t slot) const noexcept {
  return gens_[slot]->load(std::memory_order_acquire);
}

void slot_table::advance(std::size_t slot, std::uint64_t gen) noexcept {
  gens_[slot]->store(gen, std::memory_order_release);
}

worker::worker(shared_run& run, std::size_t index) : run_(run), index_(index) {}

worker::~worker() = default;

void worker::add_subscriber(std::size_t id, std::size_t slot, std::chrono::milliseconds delay) {
  subscribers_.push_back(std::make_unique<subscriber>(ctx_.get_executor(), id, slot, delay,
                                                      run_.options->seed * 1'000'003 + id));
  subscribers_.back()->conn.set_source(source_address(id, run_.options->source_addresses));
}

void worker::count_connect(const boost::system::error_code& ec) noexcept {
  if (!ec) {
    shard_.connects_accepted.fetch_add(1, std::memory_order_relaxed);
  } else if (ec == net::error::connection_refused) {
    shard_.connects_refused.fetch_add(1, std::memory_order_relaxed);
  }
}

void worker::add_producer(std::size_t id, std::vector<std::size_t> slots) {
  producers_.push_back({id, std::move(slots)});
}

void worker::start() {
  const bool nchan = run_.options->target_kind == "nchan";
  for (auto& p : producers_) {
    net::co_spawn(ctx_, nchan ? run_nchan_producer(p) : run_producer(p), net::detached);
  }
  for (auto& s : subscribers_) {
    net::co_spawn(ctx_, run_subscriber(*s), net::detached);
  }
  net::co_spawn(ctx_, scan(), net::detached);
}

void worker::run() {
  ctx_.run();
}

void worker::stop(std::chrono::milliseconds grace) {
  net::post(ctx_, [this, grace] {
    for (auto& s : subscribers_) {
      s->reason = subscriber::close_reason::stop;
      s->conn.abort();
      s->timer.cancel();
    }
    auto t = std::make_shared<net::steady_timer>(ctx_, grace);
    t->async_wait([this, t](boost::system::error_code) { ctx_.stop(); });
  });
}

std::chrono::milliseconds worker::next_cut_interval(subscriber& s) {
  const auto& o = *run_.options;
  std::uniform_int_distribution<long long> d(o.cut_mean.count() - o.cut_spread.count(),
                                             o.cut_mean.count() + o.cut_spread.count());
  return std::chrono::milliseconds(std::max<long long>(50, d(s.rng)));
}

net::awaitable<bool> worker::pause(subscriber& s, std::chrono::milliseconds d) {
  if (run_.stopping.load()) {
    co_return false;
  }
  s.timer.expires_after(d);
  auto [ec] = co_await s.timer.async_wait(net::as_tuple(net::use_awaitable));
  co_return !ec && !run_.stopping.load();
}

void worker::begin_resume(subscriber& s, steady::time_point t) {
  std::lock_guard lock(shard_.mutex);
  s.resume_started = t;
  s.pending_entry = shard_.pending_resumes.insert(to_ns(t));
}

void worker::finish_resume_locked(subscriber& s, resume_outcome o, steady::time_point now) {
  if (s.resume_started == steady::time_point{}) {
    return;
  }
  shard_.window.record_resume(
      o, std::chrono::duration_cast<std::chrono::microseconds>(now - s.resume_started));
  shard_.pending_resumes.erase(s.pending_entry);
  s.resume_started = {};
}

void worker::finish_resume(subscriber& s, resume_outcome o) {
  std::lock_guard lock(shard_.mutex);
  finish_resume_locked(s, o, steady::now());
}

net::awaitable<void> worker::scan() {
  const auto& o = *run_.options;
  net::steady_timer timer(ctx_);
  while (!run_.stopping.load()) {
    timer.expires_after(std::chrono::milliseconds(100));
    auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    if (ec || run_.stopping.load()) {
      break;
    }
    const auto now = steady::now();
    std::uint64_t cuts = 0;
    for (auto& p : subscribers_) {
      subscriber& s = *p;
      const bool pending = s.resume_started != steady::time_point{};
      if (pending) {
        if (now - s.resume_started > o.resume_timeout) {
          s.reason = subscriber::close_reason::timeout;
          s.conn.abort();
          continue;
        }
      }
      if (s.open_started != steady::time_point{} && now - s.open_started > o.resume_timeout) {
        // A fresh subscription whose answer never comes: the same bound as a resume.
        s.reason = subscriber::close_reason::timeout;
        s.conn.abort();
        continue;
      }
      if (!s.connected) {
        continue;
      }
      if (!pending && now >= s.cut_at) {
        s.reason = subscriber::close_reason::cut;
        s.conn.abort();
        ++cuts;
      } else if (now - s.last_activity > o.idle_timeout) {
        s.reason = subscriber::close_reason::idle;
        s.conn.abort();
      }
    }
    if (cuts > 0) {
      std::lock_guard lock(shard_.mutex);
      shard_.counters.cuts += cuts;
    }
  }
  for (auto& s : subscribers_) {
    s->reason = subscriber::close_reason::stop;
    s->conn.abort();
    s->timer.cancel();
  }
}

}  // namespace sse::load
