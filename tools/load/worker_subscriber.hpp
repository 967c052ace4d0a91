#pragma once
// worker::subscriber, shared by worker.cpp (scanner) and subscriber.cpp (its coroutine).
// Private to the worker.

#include <boost/asio/steady_timer.hpp>
#include <random>

#include "load/worker.hpp"

namespace sse::load {

/// One subscriber: its connection, its checker and the deadlines the scanner enforces.
struct worker::subscriber {
  subscriber(boost::asio::any_io_executor ex, std::size_t id_, std::size_t slot_,
             std::chrono::milliseconds delay, std::uint64_t seed)
      : id(id_), slot(slot_), start_delay(delay), conn(ex), timer(ex), rng(seed) {}

  enum class close_reason { none, cut, timeout, idle, stop };

  std::size_t id;
  std::size_t slot;
  std::chrono::milliseconds start_delay;
  std::uint64_t gen = 0;
  std::string nchan_id;  ///< --target-kind nchan: nchan's id of the last event, to resume with
  tools::sse_connection conn;
  sequence_checker checker;
  boost::asio::steady_timer timer;
  std::mt19937_64 rng;
  // Deadlines, read and written on this worker's thread only.
  steady::time_point cut_at = steady::time_point::max();
  steady::time_point resume_started{};                   ///< pending resume when not epoch
  std::multiset<std::uint64_t>::iterator pending_entry;  ///< in shard::pending_resumes
  steady::time_point last_activity{};
  steady::time_point open_started{};  ///< an open() in progress when not epoch
  bool connected = false;
  close_reason reason = close_reason::none;
};

}  // namespace sse::load
