#include "chaos_subscriber.hpp"

#include <algorithm>
#include <charconv>

#include "bounded_wait.hpp"
#include "telemetry/names.hpp"

namespace sse::test {

using namespace std::chrono_literals;

std::string_view to_string(cut_kind k) noexcept {
  return k == cut_kind::reset ? "reset" : "half_open";
}

std::string_view to_string(reconnect_cause c) noexcept {
  switch (c) {
    case reconnect_cause::reset:
      return "reset";
    case reconnect_cause::slow_drop:
      return "slow_drop";
    case reconnect_cause::server_closed:
      return "server_closed";
    case reconnect_cause::connect_failed:
      return "connect_failed";
    case reconnect_cause::stalled_read:
      return "stalled_read";
  }
  return "?";
}

std::optional<std::pair<std::string, seq_t>> split_event_id(const std::string& id) {
  const auto colon = id.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == id.size()) {
    return std::nullopt;
  }
  seq_t seq = 0;
  const char* first = id.data() + colon + 1;
  const char* last = id.data() + id.size();
  auto [p, ec] = std::from_chars(first, last, seq);
  if (ec != std::errc() || p != last) {
    return std::nullopt;
  }
  return std::make_pair(id.substr(0, colon), seq);
}

void stream_board::add(const chaos_subscriber* s) {
  std::lock_guard lock(mu_);
  subs_.push_back(s);
}

std::optional<seq_t> stream_board::slowest_reader() const {
  std::lock_guard lock(mu_);
  std::optional<seq_t> slowest;
  for (const auto* s : subs_) {
    if (s->paced()) {
      const seq_t r = s->received_seq();
      slowest = slowest ? std::min(*slowest, r) : r;
    }
  }
  return slowest;
}

bool stream_board::cuts_pending() const {
  std::lock_guard lock(mu_);
  return std::any_of(subs_.begin(), subs_.end(),
                     [](const chaos_subscriber* s) { return s->cuts_left() > 0; });
}

bool stream_board::wait_for_readers(seq_t seq, seq_t window,
                                    std::chrono::milliseconds timeout) const {
  return bounded_wait(
      [&] {
        const auto slowest = slowest_reader();
        return !slowest || *slowest + window >= seq;
      },
      timeout, 1ms);
}

chaos_subscriber::chaos_subscriber(subscriber_options o) : o_(std::move(o)) {
  cuts_left_ = o_.cuts.size();
  o_.board->add(this);
}

chaos_subscriber::~chaos_subscriber() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

void chaos_subscriber::start() {
  paced_ = true;  // counts from now: the producer waits for its first connection's replay
  thread_ = std::thread([this] {
    try {
      run();
    } catch (const std::exception& e) {
      problem(std::string("exception: ") + e.what());
    }
    paced_ = false;
    cuts_left_ = 0;
  });
}

void chaos_subscriber::join() {
  if (thread_.joinable()) {
    thread_.join();
  }
}

std::vector<std::string> chaos_subscriber::problems() const {
  std::lock_guard lock(mu_);
  return problems_;
}

void chaos_subscriber::problem(std::string what) {
  std::lock_guard lock(mu_);
  problems_.push_back(o_.name + ": " + std::move(what));
}

void chaos_subscriber::record(const parsed_event& e, const std::string& node) {
  received_.push_back(e);
  received_from_.push_back(node);
  if (!e.id.empty()) {
    last_id_ = e.id;
    if (auto parsed = split_event_id(e.id)) {
      received_seq_.store(parsed->second);
    }
  }
}

std::string chaos_subscriber::outcome_name(outcome o) {
  switch (o) {
    case outcome::end:
      return "end";
    case outcome::cut_reset:
      return "reset";
    case outcome::cut_dropped:
      return "dropped";
    case outcome::closed:
      return "closed";
    case outcome::stalled:
      return "stalled";
  }
  return "?";
}

void chaos_subscriber::run() {
  std::size_t next_cut = 0;
  bool first = true;
  reconnect_cause cause = reconnect_cause::reset;
  bool via_query = false;
  for (int connection = 0; connection < o_.max_connections; ++connection) {
    if (std::chrono::steady_clock::now() >= o_.deadline) {
      problem("deadline passed after " + std::to_string(received_.size()) + " events");
      return;
    }
    const endpoint at = o_.pick();
    sse_request req;
    req.target = "/v1/streams/" + stream() + "/events";
    if (!first) {
      if (via_query) {
        req.target += "?last_event_id=" + last_id_;
      } else {
        req.last_event_id = last_id_;
      }
    }
    if (next_cut < o_.cuts.size() && o_.cuts[next_cut].kind == cut_kind::half_open) {
      req.receive_buffer_bytes = o_.stall_receive_buffer;
    }
    std::unique_ptr<sse_client> c;
    try {
      c = std::make_unique<sse_client>("127.0.0.1", at.port, req);
    } catch (const std::exception& e) {
      // Refused (a killed node) or no answer in time (an outage): try again, maybe elsewhere.
      // Whether the request reached a node is unknown, so it is not a recorded reconnect.
      std::this_thread::sleep_for(o_.connect_retry);
      continue;
    }
    if (!first) {
      reconnects_.push_back({last_id_, at.node, cause, via_query, c->status(), 0, {}});
    }
    if (c->status() != 200) {
      problem("connection " + std::to_string(connection) + " to " + at.node + " answered " +
              std::to_string(c->status()) + " " + c->body_text(2s));
      if (c->status() == 204 || c->status() == 404) {
        return;  // the stream is over or gone for this client: nothing more will come
      }
      std::this_thread::sleep_for(o_.connect_retry);
      cause = reconnect_cause::server_closed;
      via_query = false;
      continue;
    }
    const bool is_reconnect = !first;
    first = false;
    const std::size_t cut_before = next_cut;
    const std::size_t read_before = received_.size();
    const outcome how = read_connection(*c, at, next_cut);
    if (is_reconnect) {
      reconnects_.back().events = received_.size() - read_before;
      reconnects_.back().ended = outcome_name(how);
    }
    switch (how) {
      case outcome::end:
        finished_ = true;
        final_node_ = at.node;
        return;
      case outcome::cut_reset:
        cause = reconnect_cause::reset;
        break;
      case outcome::cut_dropped:
        cause = reconnect_cause::slow_drop;
        break;
      case outcome::closed:
        cause = reconnect_cause::server_closed;
        break;
      case outcome::stalled:
        cause = reconnect_cause::stalled_read;
        break;
    }
    c.reset();
    via_query = false;
    if (next_cut != cut_before) {
      const cut_plan& done = o_.cuts[next_cut - 1];
      via_query = done.via_query;
      std::this_thread::sleep_for(done.pause);
    }
  }
  problem("gave up after " + std::to_string(o_.max_connections) + " connections");
}

chaos_subscriber::outcome chaos_subscriber::read_connection(sse_client& c, const endpoint& at,
                                                            std::size_t& next_cut) {
  // A cut comes after at least one event of this connection: the gateway has then written to
  // it, so the cut is a disconnect in the middle of a stream (and its resume succeeded).
  std::size_t read_here = 0;
  for (;;) {
    if (read_here > 0 && next_cut < o_.cuts.size() &&
        received_.size() >= o_.cuts[next_cut].after_events) {
      const cut_plan& cut = o_.cuts[next_cut];
      ++next_cut;
      // Counted down once the cut is complete (below), so the producer keeps going meanwhile.
      struct count_down {
        std::atomic<std::size_t>& n;
        ~count_down() { n.fetch_sub(1); }
      } done{cuts_left_};
      if (cut.kind == cut_kind::half_open && o_.tc != nullptr && o_.board->try_take_stall()) {
        // Stop reading until this node drops us for the full queue.
        paced_ = false;
        const event_match drop{.name = std::string(telemetry::names::slow_client_dropped),
                               .stream = stream(),
                               .node = at.node};
        const std::size_t before = o_.tc->count(drop);
        const bool dropped =
            bounded_wait([&] { return o_.tc->count(drop) > before; }, o_.drop_timeout, 20ms);
        if (!dropped) {
          problem("stopped reading after event " + last_id_ + " on " + at.node +
                  " but no SseSlowClientDropped within " + std::to_string(o_.drop_timeout.count()) +
                  " ms");
        }
        // What the kernel still holds was sent before the drop: it counts as delivered.
        while (auto e = c.next_event(5s)) {
          record(*e, at.node);
          if (e->event == "end") {
            problem("the end event arrived while stalled (the producer should hold it)");
            o_.board->release_stall();
            paced_ = true;
            return outcome::end;
          }
        }
        if (!c.connection_closed()) {
          problem("connection still open after its drop (on " + at.node + ")");
          c.close_abruptly();
        }
        o_.board->release_stall();
        paced_ = true;
        if (dropped) {
          ++drops_;
        }
        return outcome::cut_dropped;
      }
      if (cut.kind == cut_kind::half_open) {
        ++converted_;  // another client of this stream is stalled: cut hard instead
      }
      c.close_abruptly();
      ++resets_;
      return outcome::cut_reset;
    }
    auto e = c.next_event(o_.event_timeout);
    if (!e) {
      if (c.connection_closed() || c.response_done()) {
        return outcome::closed;
      }
      problem("no event for " + std::to_string(o_.event_timeout.count()) + " ms on " + at.node +
              " after " + (last_id_.empty() ? std::string("the start") : last_id_));
      c.close_abruptly();
      return outcome::stalled;
    }
    record(*e, at.node);
    ++read_here;
    if (e->event == "end") {
      return outcome::end;
    }
  }
}

}  // namespace sse::test
