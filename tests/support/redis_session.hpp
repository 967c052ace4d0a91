#pragma once
// The gateway SSE session's delivery logic, reduced, for the live Redis and cluster scenarios:
// it takes live batches in seq order, drops duplicates, and repairs holes and resyncs by
// re-reading from its last delivered seq. What the scenarios assert with it: every acknowledged
// event delivered exactly once, in order. Needs the conformance suite (tests/store).

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <set>
#include <string>
#include <vector>

#include "store/store.hpp"
#include "store_conformance.hpp"

namespace sse::test {

class redis_session {
 public:
  redis_session(store::store& s, std::string id, boost::asio::io_context& io)
      : s_(s), id_(std::move(id)), io_(io) {}

  /// Takes what arrived since the last call; re-reads after a hole or a resync.
  void pump() {
    const auto batches = listener.batches();
    bool hole = false;
    for (std::size_t b = seen_batches_; b < batches.size(); ++b) {
      for (const auto& e : batches[b]->events) {
        if (e.seq == last_ + 1) {
          delivered.push_back(e.seq);
          last_ = e.seq;
        } else if (e.seq > last_ + 1) {
          hole = true;
        }
      }
    }
    seen_batches_ = batches.size();
    const auto resyncs = listener.resyncs();
    if (hole || resyncs != seen_resyncs_) {
      seen_resyncs_ = resyncs;
      ++rereads;
      auto r =
          store::conformance::run_sync(io_, s_.read_after(id_, last_), std::chrono::seconds(20));
      if (r) {
        for (const auto& e : r->events) {
          if (e.seq == last_ + 1) {
            delivered.push_back(e.seq);
            last_ = e.seq;
          }
        }
      }
    }
  }

  store::conformance::recording_listener listener;
  std::vector<seq_t> delivered;
  int rereads = 0;

 private:
  store::store& s_;
  std::string id_;
  boost::asio::io_context& io_;
  seq_t last_ = 0;
  std::size_t seen_batches_ = 0;
  std::size_t seen_resyncs_ = 0;
};

/// Consecutive seqs (no duplicate, hole or reorder) that include every acknowledged one.
inline void expect_exactly_once_in_order(const std::vector<seq_t>& delivered,
                                         const std::vector<seq_t>& acked) {
  for (std::size_t i = 1; i < delivered.size(); ++i) {
    ASSERT_EQ(delivered[i], delivered[i - 1] + 1) << "duplicate, hole or reorder at " << i;
  }
  const std::set<seq_t> got(delivered.begin(), delivered.end());
  for (const seq_t s : acked) {
    ASSERT_TRUE(got.contains(s)) << "acknowledged seq " << s << " never delivered";
  }
}

/// Records availability transitions (the store's SseStoreUnavailable/SseStoreRecovered) from
/// any thread.
class availability_log {
 public:
  std::function<void(bool)> handler() {
    return [this](bool up) {
      std::lock_guard lock(mu_);
      seen_.push_back(up);
    };
  }
  std::vector<bool> seen() const {
    std::lock_guard lock(mu_);
    return seen_;
  }
  /// An outage (false) followed later by a recovery (true).
  bool saw_down_then_up() const {
    auto s = seen();
    for (std::size_t i = 0; i + 1 < s.size(); ++i) {
      if (!s[i]) {
        for (std::size_t j = i + 1; j < s.size(); ++j) {
          if (s[j]) {
            return true;
          }
        }
      }
    }
    return false;
  }

 private:
  mutable std::mutex mu_;
  std::vector<bool> seen_;
};

}  // namespace sse::test
