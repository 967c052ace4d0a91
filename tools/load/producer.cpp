// worker::run_producer: one producer connection appending to its slots' streams at its share
// of the total rate, ending each stream after --stream-length events and replacing it.

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/json.hpp>
#include <cmath>

#include "common/http_client.hpp"
#include "load/source_addresses.hpp"
#include "load/traffic_mix.hpp"
#include "load/worker.hpp"

namespace sse::load {

namespace net = boost::asio;

namespace {

constexpr auto request_timeout = std::chrono::seconds(5);
// One request never carries more than this many events, however far behind the producer is.
constexpr std::uint64_t max_batch = 500;

struct slot_state {
  std::size_t slot = 0;
  std::uint64_t gen = 0;
  std::uint64_t remaining = 0;  ///< events still to append before the end
  double credit = 0;            ///< events due but not sent yet
};

/// `trimmed` and the appended count from an append answer; false when it is not one.
bool read_append_answer(const std::string& body, std::uint64_t& appended, std::uint64_t& trimmed) {
  boost::system::error_code ec;
  const auto v = boost::json::parse(body, ec);
  if (ec || !v.is_object()) {
    return false;
  }
  const auto& o = v.as_object();
  const auto* first = o.if_contains("first_seq");
  const auto* last = o.if_contains("last_seq");
  const auto* trim = o.if_contains("trimmed");
  if (first == nullptr || last == nullptr || trim == nullptr || !first->is_int64() ||
      !last->is_int64() || !trim->is_int64()) {
    return false;
  }
  appended = static_cast<std::uint64_t>(last->get_int64() - first->get_int64() + 1);
  trimmed = static_cast<std::uint64_t>(trim->get_int64());
  return true;
}

}  // namespace

net::awaitable<void> worker::run_producer(producer_spec p) {
  const load_options& o = *run_.options;
  tools::http_client client(ctx_.get_executor(), run_.publish_server);
  client.set_source(source_address(o.subscribers + p.id, o.source_addresses));
  traffic_source traffic(o.mix, o.seed * 7919 + p.id);
  std::mt19937_64 rng(o.seed * 104729 + p.id);
  const double per_slot_rate = o.rate / static_cast<double>(run_.slots->size());

  auto create = [&](std::size_t slot, std::uint64_t gen) -> net::awaitable<void> {
    auto r = co_await client.request("PUT", "/v1/streams/" + run_.slots->stream_id(slot, gen), {},
                                     {}, request_timeout);
    count_connect(r ? boost::system::error_code{} : r.error());
    std::lock_guard lock(shard_.mutex);
    ++shard_.window.append_requests;
    if (r && (r->status == 200 || r->status == 201)) {
      ++shard_.counters.streams_created;
    } else {
      ++shard_.window.append_errors;
    }
  };

  std::vector<slot_state> slots;
  for (std::size_t slot : p.slots) {
    co_await create(slot, 0);
    // Stagger the first generation so that streams do not all end at once.
    std::uniform_int_distribution<std::uint64_t> first_length(1, o.stream_length);
    slots.push_back({slot, 0, first_length(rng), 0});
  }

  net::steady_timer timer(ctx_);
  auto last_tick = steady::now();
  auto next_tick = last_tick + first_tick_phase(o.batch_interval, rng);
  std::string body;
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
      next_tick = now + o.batch_interval;  // fell behind: do not burst to catch up ticks
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
      body.clear();
      const std::uint64_t publish_ns = to_ns(steady::now());
      for (std::uint64_t i = 0; i < n; ++i) {
        const int priority = traffic.next_priority();
        append_event_line(body, priority, publish_ns, traffic.next_size(priority));
      }
      const std::string id = run_.slots->stream_id(st.slot, st.gen);
      auto r = co_await client.request("POST", "/v1/streams/" + id + "/events", body,
                                       "application/x-ndjson", request_timeout);
      count_connect(r ? boost::system::error_code{} : r.error());
      std::uint64_t appended = 0;
      std::uint64_t trimmed = 0;
      const bool ok = r && r->status == 200 && read_append_answer(r->body, appended, trimmed);
      {
        std::lock_guard lock(shard_.mutex);
        ++shard_.window.append_requests;
        if (ok) {
          shard_.window.events_appended += appended;
          shard_.window.events_trimmed += trimmed;
        } else {
          ++shard_.window.append_errors;
        }
      }
      st.remaining -= n;
      if (st.remaining == 0) {
        // Create the next stream before ending this one, so that a subscriber that sees the
        // end event finds its successor.
        co_await create(st.slot, st.gen + 1);
        auto e = co_await client.request("POST", "/v1/streams/" + id + "/end",
                                         R"({"status":"completed"})", "application/json",
                                         request_timeout);
        {
          std::lock_guard lock(shard_.mutex);
          ++shard_.window.append_requests;
          if (e && e->status == 200) {
            ++shard_.counters.streams_ended;
          } else {
            ++shard_.window.append_errors;
          }
        }
        ++st.gen;
        run_.slots->advance(st.slot, st.gen);
        st.remaining = o.stream_length;
      }
    }
  }
}

}  // namespace sse::load
