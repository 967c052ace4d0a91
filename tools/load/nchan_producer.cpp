// worker::run_nchan_producer: the producer of --target-kind nchan. The same schedule as
// run_producer (per-slot credit at the same rate, streams of --stream-length events replaced
// when they end, the same priority and size draws) but in nchan's publish API: one message per
// POST to the publisher location, the seq in the payload (nchan_target.hpp), and the stream's
// end as a last `!end` message. nchan creates a channel on its first publish and reports no
// trims, so streams_created counts the channels we start and events_trimmed stays 0.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <cmath>

#include "common/http_client.hpp"
#include "load/nchan_target.hpp"
#include "load/source_addresses.hpp"
#include "load/traffic_mix.hpp"
#include "load/worker.hpp"

namespace sse::load {

namespace net = boost::asio;

namespace {

constexpr auto request_timeout = std::chrono::seconds(5);
// As in run_producer: however far behind, one tick sends at most this many per slot.
constexpr std::uint64_t max_batch = 500;

struct slot_state {
  std::size_t slot = 0;
  std::uint64_t gen = 0;
  std::uint64_t next_seq = 1;
  std::uint64_t remaining = 0;
  double credit = 0;
};

bool accepted(unsigned status) noexcept {
  // 201: the publish created the channel; 202: queued; 200 is not sent by nchan but harmless.
  return status == 200 || status == 201 || status == 202;
}

}  // namespace

net::awaitable<void> worker::run_nchan_producer(producer_spec p) {
  const load_options& o = *run_.options;
  tools::http_client client(ctx_.get_executor(), run_.publish_server);
  client.set_source(source_address(o.subscribers + p.id, o.source_addresses));
  traffic_source traffic(o.mix, o.seed * 7919 + p.id);
  std::mt19937_64 rng(o.seed * 104729 + p.id);
  const double per_slot_rate = o.rate / static_cast<double>(run_.slots->size());

  auto publish = [&](const std::string& channel, std::string body) -> net::awaitable<bool> {
    auto r = co_await client.request("POST", o.publish.expand(channel), std::move(body),
                                     "text/plain", request_timeout);
    count_connect(r ? boost::system::error_code{} : r.error());
    co_return r&& accepted(r->status);
  };

  std::vector<slot_state> slots;
  {
    std::uniform_int_distribution<std::uint64_t> first_length(1, o.stream_length);
    std::lock_guard lock(shard_.mutex);
    for (std::size_t slot : p.slots) {
      // Staggered first generations, as in run_producer.
      slots.push_back({slot, 0, 1, first_length(rng), 0});
      ++shard_.counters.streams_created;
    }
  }

  net::steady_timer timer(ctx_);
  auto last_tick = steady::now();
  auto next_tick = last_tick + first_tick_phase(o.batch_interval, rng);
  while (!run_.stopping.load()) {
    timer.expires_at(next_tick);
    auto [ec] = co_await timer.async_wait(net::as_tuple(net::use_awaitable));
    if (ec || run_.stopping.load()) {
      break;
    }
    const auto now = steady::now();
    const double dt = std::chrono::duration<double>(now - last_tick).count();
    last_tick = now;
    next_tick += o.batch_interval;
    if (next_tick < now) {
      next_tick = now + o.batch_interval;
    }
    for (slot_state& st : slots) {
      if (run_.stopping.load()) {
        break;
      }
      st.credit += per_slot_rate * dt;
      const auto due = static_cast<std::uint64_t>(std::floor(st.credit));
      const std::uint64_t n = std::min({due, st.remaining, max_batch});
      if (n == 0) {
        continue;
      }
      st.credit -= static_cast<double>(n);
      const std::string channel = run_.slots->stream_id(st.slot, st.gen);
      std::uint64_t appended = 0;
      std::uint64_t errors = 0;
      for (std::uint64_t i = 0; i < n && !run_.stopping.load(); ++i) {
        const int priority = traffic.next_priority();
        const std::uint32_t size = traffic.next_size(priority);
        // Each message's own publish time: they go out one request after another.
        const bool ok = co_await publish(
            channel, nchan_message(st.next_seq, to_ns(steady::now()), size, false));
        // A failed publish may still have reached nchan (timeout): the seq moves on either
        // way, and a message really lost shows as a loss at the subscribers.
        ++st.next_seq;
        ++(ok ? appended : errors);
      }
      {
        std::lock_guard lock(shard_.mutex);
        shard_.window.events_appended += appended;
        shard_.window.append_errors += errors;
        shard_.window.append_requests += appended + errors;
      }
      st.remaining -= std::min(st.remaining, n);
      if (st.remaining == 0) {
        const bool ok =
            co_await publish(channel, nchan_message(st.next_seq, to_ns(steady::now()), 0, true));
        {
          std::lock_guard lock(shard_.mutex);
          ++(ok ? shard_.counters.streams_ended : shard_.window.append_errors);
          ++shard_.window.append_requests;
          ++shard_.counters.streams_created;
        }
        ++st.gen;
        run_.slots->advance(st.slot, st.gen);
        st.next_seq = 1;
        st.remaining = o.stream_length;
      }
    }
  }
}

}  // namespace sse::load
