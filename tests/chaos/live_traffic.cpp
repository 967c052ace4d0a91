#include "live_traffic.hpp"

#include "bounded_wait.hpp"
#include "http_client.hpp"

namespace sse::test {

using namespace std::chrono_literals;

live_traffic::live_traffic(traffic_options o, const chaos_seed& seed)
    : o_(std::move(o)), seed_(seed) {
  for (std::size_t s = 0; s < o_.streams; ++s) {
    const std::string id = o_.prefix + "-" + std::to_string(s);
    boards_.push_back(std::make_unique<stream_board>(id));
    producers_.push_back(
        std::make_unique<chaos_producer>(id, o_.producer_pick(100 + s), o_.request_timeout));
    for (std::size_t j = 0; j < o_.subscribers_per_stream; ++j) {
      subscriber_options so;
      so.name = id + "/sub" + std::to_string(j);
      so.board = boards_.back().get();
      so.pick = o_.subscriber_pick(1000 + s * 100 + j);
      so.deadline = o_.deadline;
      subs_.push_back(std::make_unique<chaos_subscriber>(std::move(so)));
    }
  }
}

live_traffic::~live_traffic() {
  stop_ = true;
  for (auto& t : threads_) {
    if (t.joinable()) {
      t.join();
    }
  }
}

void live_traffic::start() {
  for (std::size_t s = 0; s < o_.streams; ++s) {
    // Created before anyone subscribes (a subscribe to an unknown stream is a 404).
    const auto id = producers_[s]->stream();
    auto pick = o_.producer_pick(900 + s);
    const bool created = bounded_wait(
        [&] {
          try {
            http_client http("127.0.0.1", pick().port, 5s);
            const int st = http.put("/v1/streams/" + id).status;
            return st == 200 || st == 201;
          } catch (const std::exception&) {
            return false;
          }
        },
        20s, 100ms);
    if (!created) {
      std::lock_guard lock(mu_);
      problems_.push_back(id + ": could not be created");
    }
  }
  for (auto& sub : subs_) {
    sub->start();
  }
  for (std::size_t s = 0; s < o_.streams; ++s) {
    threads_.emplace_back([this, s] { produce(s); });
  }
}

void live_traffic::produce(std::size_t s) {
  auto rng = seed_.engine(500 + s);
  auto& p = *producers_[s];
  auto& board = *boards_[s];
  while (!stop_ && std::chrono::steady_clock::now() < o_.deadline) {
    const auto n = static_cast<seq_t>(uniform(rng, 1, static_cast<std::int64_t>(o_.max_batch)));
    std::vector<produced_event> batch;
    for (seq_t i = 1; i <= n; ++i) {
      batch.push_back(
          {chaos_data(p.stream(), p.acked() + i,
                      static_cast<std::size_t>(uniform(rng, static_cast<std::int64_t>(o_.min_pad),
                                                       static_cast<std::int64_t>(o_.max_pad)))),
           chance(rng, 0.2) ? "token" : "", static_cast<int>(uniform(rng, 0, 3))});
    }
    if (!board.wait_for_readers(p.acked() + n, o_.window, 30s)) {
      std::lock_guard lock(mu_);
      problems_.push_back(p.stream() + ": subscribers more than " + std::to_string(o_.window) +
                          " events behind for 30 s");
    }
    if (!p.append(batch, o_.deadline)) {
      break;
    }
    std::this_thread::sleep_for(o_.append_pause);
  }
  p.end(o_.deadline);
}

void live_traffic::finish() {
  stop_ = true;
  for (auto& t : threads_) {
    t.join();
  }
  threads_.clear();
  for (auto& sub : subs_) {
    sub->join();
  }
}

seq_t live_traffic::acknowledged() const {
  seq_t n = 0;
  for (const auto& p : producers_) {
    n += p->acked();
  }
  return n;
}

bool live_traffic::wait_for_progress(seq_t n, std::chrono::milliseconds timeout) const {
  const seq_t target = acknowledged() + n;
  return bounded_wait([&] { return acknowledged() >= target; }, timeout, 10ms);
}

std::vector<const chaos_subscriber*> live_traffic::subscribers() const {
  std::vector<const chaos_subscriber*> out;
  for (const auto& s : subs_) {
    out.push_back(s.get());
  }
  return out;
}

const chaos_producer& live_traffic::producer_of(const chaos_subscriber& s) const {
  for (const auto& p : producers_) {
    if (p->stream() == s.stream()) {
      return *p;
    }
  }
  throw std::logic_error("no producer for " + s.stream());
}

std::map<std::string, seq_t> live_traffic::end_seqs() const {
  std::map<std::string, seq_t> out;
  for (const auto& p : producers_) {
    out[p->stream()] = p->end_seq();
  }
  return out;
}

std::vector<std::string> live_traffic::problems() const {
  std::vector<std::string> out;
  {
    std::lock_guard lock(mu_);
    out = problems_;
  }
  for (const auto& p : producers_) {
    const auto pp = p->problems();
    out.insert(out.end(), pp.begin(), pp.end());
  }
  for (const auto& s : subs_) {
    const auto sp = s->problems();
    out.insert(out.end(), sp.begin(), sp.end());
  }
  return out;
}

std::uint64_t live_traffic::retries() const {
  std::uint64_t n = 0;
  for (const auto& p : producers_) {
    n += p->retries();
  }
  return n;
}

std::uint64_t live_traffic::unavailable_answers() const {
  std::uint64_t n = 0;
  for (const auto& p : producers_) {
    n += p->unavailable_answers();
  }
  return n;
}

std::uint64_t live_traffic::acked_after_retry() const {
  std::uint64_t n = 0;
  for (const auto& p : producers_) {
    n += p->acked_after_retry();
  }
  return n;
}

std::size_t live_traffic::reconnects() const {
  std::size_t n = 0;
  for (const auto& s : subs_) {
    n += s->reconnects().size();
  }
  return n;
}

std::string live_traffic::summary() const {
  std::string out = std::to_string(o_.streams) + " streams, " + std::to_string(acknowledged()) +
                    " events acknowledged, " + std::to_string(retries()) + " producer retries (" +
                    std::to_string(unavailable_answers()) + " answered 503, " +
                    std::to_string(acked_after_retry()) + " appends acknowledged after a retry), " +
                    std::to_string(subs_.size()) + " subscribers, " + std::to_string(reconnects()) +
                    " reconnects";
  return out;
}

}  // namespace sse::test
