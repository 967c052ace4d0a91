#include "store_conformance.hpp"

#include <atomic>
#include <ostream>

#include "core/epoch.hpp"

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(store_conformance);

namespace sse::store::conformance {

std::string conformance_test_name(const ::testing::TestParamInfo<store_factory>& info) {
  return info.param.name;
}

void PrintTo(const store_factory& f, std::ostream* os) {
  *os << f.name;
}

// ---- recording_listener ----

void recording_listener::on_events(std::shared_ptr<const stream::event_batch> batch) {
  std::lock_guard lock(mu_);
  batches_.push_back(std::move(batch));
}

void recording_listener::on_stream_gone(const std::string& stream_id) {
  std::lock_guard lock(mu_);
  gone_.push_back(stream_id);
}

void recording_listener::on_resync(const std::string&) {
  std::lock_guard lock(mu_);
  ++resyncs_;
}

std::vector<std::shared_ptr<const stream::event_batch>> recording_listener::batches() const {
  std::lock_guard lock(mu_);
  return batches_;
}

std::vector<seq_t> recording_listener::seqs() const {
  std::lock_guard lock(mu_);
  std::vector<seq_t> out;
  for (const auto& b : batches_) {
    for (const auto& e : b->events) {
      out.push_back(e.seq);
    }
  }
  return out;
}

std::size_t recording_listener::event_count() const {
  std::lock_guard lock(mu_);
  std::size_t n = 0;
  for (const auto& b : batches_) {
    n += b->events.size();
  }
  return n;
}

std::vector<std::string> recording_listener::gone() const {
  std::lock_guard lock(mu_);
  return gone_;
}

std::size_t recording_listener::resyncs() const {
  std::lock_guard lock(mu_);
  return resyncs_;
}

// ---- fixture ----

void store_conformance::SetUp() {
  const auto& f = GetParam();
  ASSERT_TRUE(static_cast<bool>(f.make) != static_cast<bool>(f.make_on))
      << "store_factory needs exactly one of make / make_on";
  if (f.reset) {
    f.reset();
  }
  make_store(store_limits{});
}

void store_conformance::TearDown() {
  store_.reset();
  io_.restart();
  io_.poll();
}

store& store_conformance::make_store(const store_limits& limits) {
  store_.reset();
  const auto& f = GetParam();
  store_ = f.make_on ? f.make_on(limits, io_) : f.make(limits);
  return *store_;
}

std::string store_conformance::fresh_id(const std::string& tag) {
  static std::atomic<int> counter{0};
  std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
  for (auto& c : name) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) {
      c = '.';
    }
  }
  return name + ":" + tag + "-" + std::to_string(counter.fetch_add(1)) + "-" + core::make_epoch();
}

result<create_result> store_conformance::create(const std::string& id, stream_options o) {
  return run_sync(io_, store_->create(id, o));
}

result<append_result> store_conformance::append(const std::string& id,
                                                std::vector<stream::new_event> events,
                                                std::optional<seq_t> producer_seq,
                                                stream_options create_options) {
  append_request r;
  r.stream_id = id;
  r.events = std::move(events);
  r.producer_seq = producer_seq;
  r.create_options = create_options;
  return run_sync(io_, store_->append(std::move(r)));
}

result<end_result> store_conformance::end(const std::string& id, stream_status s) {
  return run_sync(io_, store_->end(id, s));
}

result<stream_info> store_conformance::info(const std::string& id) {
  return run_sync(io_, store_->info(id));
}

result<void> store_conformance::remove(const std::string& id) {
  return run_sync(io_, store_->remove(id));
}

result<void> store_conformance::renew(const std::string& id) {
  return run_sync(io_, store_->renew(id));
}

result<read_result> store_conformance::read_after(const std::string& id, seq_t after) {
  return run_sync(io_, store_->read_after(id, after));
}

result<std::optional<std::string>> store_conformance::expired_epoch(const std::string& id) {
  return run_sync(io_, store_->expired_epoch(id));
}

result<void> store_conformance::watch(const std::string& id, live_listener* l) {
  return run_sync(io_, store_->watch(id, l));
}

bool store_conformance::wait_events(const recording_listener& l, std::size_t n,
                                    std::chrono::milliseconds t) {
  return run_until(
      io_, [&] { return l.event_count() >= n; }, t);
}

stream::new_event sized_event(int priority, std::size_t size, std::string type) {
  return stream::new_event{std::move(type), std::string(size, 'x'), priority};
}

std::vector<seq_t> seqs(const std::vector<stream::trimmed_event>& v) {
  std::vector<seq_t> out;
  for (const auto& t : v) {
    out.push_back(t.seq);
  }
  return out;
}

std::vector<seq_t> seqs(const read_result& r) {
  std::vector<seq_t> out;
  for (const auto& e : r.events) {
    out.push_back(e.seq);
  }
  return out;
}

store_limits limits_of(std::size_t events, std::size_t bytes) {
  store_limits l;
  l.buffer_limit = events;
  l.buffer_max_bytes = bytes;
  return l;
}

}  // namespace sse::store::conformance
