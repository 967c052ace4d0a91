#include "telemetry/memory_sink.hpp"

#include <utility>

#include "telemetry/format.hpp"

namespace sse::telemetry {

memory_sink::memory_sink(std::size_t max_events, const core::clock* clock)
    : max_events_(max_events), clock_(clock != nullptr ? *clock : own_clock_) {}

void memory_sink::emit(event e) noexcept {
  if (e.ts_ms == 0) {
    e.ts_ms = core::to_unix_ms(clock_.now());
  }
  try {
    std::lock_guard lock(mutex_);
    if (events_.size() >= max_events_) {
      ++dropped_;
      return;
    }
    events_.push_back(std::move(e));
  } catch (...) {
    std::lock_guard lock(mutex_);
    ++dropped_;
    return;
  }
  changed_.notify_all();
}

std::vector<event> memory_sink::snapshot() const {
  std::lock_guard lock(mutex_);
  return events_;
}

bool memory_sink::matches(const event& e, std::string_view name, const predicate& pred) {
  return (name.empty() || e.name == name) && (!pred || pred(e));
}

std::size_t memory_sink::count(std::string_view name, const predicate& pred) const {
  std::lock_guard lock(mutex_);
  std::size_t n = 0;
  for (const auto& e : events_) {
    n += matches(e, name, pred) ? 1 : 0;
  }
  return n;
}

std::optional<event> memory_sink::wait_for(std::string_view name, predicate pred,
                                           std::chrono::milliseconds timeout) const {
  // Real steady time, not an injected clock: a condition variable waits on it, and the events
  // come from other threads, which no manual clock moves.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::unique_lock lock(mutex_);
  // Events are only appended (clear() aside), so each wake-up looks at the new ones only.
  std::size_t scanned = 0;
  for (;;) {
    if (scanned > events_.size()) {
      scanned = 0;  // clear() ran meanwhile
    }
    for (; scanned < events_.size(); ++scanned) {
      if (matches(events_[scanned], name, pred)) {
        return events_[scanned];
      }
    }
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      // One last look: an event may have landed together with the timeout.
      for (; scanned < events_.size(); ++scanned) {
        if (matches(events_[scanned], name, pred)) {
          return events_[scanned];
        }
      }
      return std::nullopt;
    }
  }
}

std::size_t memory_sink::wait_for_count(std::string_view name, std::size_t n,
                                        std::chrono::milliseconds timeout,
                                        const predicate& pred) const {
  const auto deadline = std::chrono::steady_clock::now() + timeout;  // real time, as wait_for
  std::unique_lock lock(mutex_);
  std::size_t seen = 0;
  std::size_t scanned = 0;
  for (;;) {
    if (scanned > events_.size()) {
      scanned = 0;
      seen = 0;
    }
    for (; scanned < events_.size(); ++scanned) {
      seen += matches(events_[scanned], name, pred) ? 1 : 0;
    }
    if (seen >= n) {
      return seen;
    }
    if (changed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      for (; scanned < events_.size(); ++scanned) {
        seen += matches(events_[scanned], name, pred) ? 1 : 0;
      }
      return seen;
    }
  }
}

std::string memory_sink::dump() const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += std::to_string(events_.size()) + " telemetry events";
  if (dropped_ > 0) {
    out += " (" + std::to_string(dropped_) + " dropped)";
  }
  out += ":\n";
  for (const auto& e : events_) {
    out += "  ";
    out += to_json_line(e, {});
  }
  return out;
}

void memory_sink::clear() {
  std::lock_guard lock(mutex_);
  events_.clear();
}

std::uint64_t memory_sink::dropped() const noexcept {
  std::lock_guard lock(mutex_);
  return dropped_;
}

bool field_is(const event& e, std::string_view key, const boost::json::value& value) {
  const auto* v = e.fields.if_contains(key);
  if (v == nullptr) {
    return false;
  }
  if (v->is_number() && value.is_number()) {
    // Compare integers exactly when both are integers; fall back to double otherwise.
    if (!v->is_double() && !value.is_double()) {
      if (v->is_int64() && value.is_int64()) {
        return v->get_int64() == value.get_int64();
      }
      if (v->is_uint64() && value.is_uint64()) {
        return v->get_uint64() == value.get_uint64();
      }
      const auto& signed_v = v->is_int64() ? *v : value;
      const auto& unsigned_v = v->is_int64() ? value : *v;
      return signed_v.get_int64() >= 0 &&
             static_cast<std::uint64_t>(signed_v.get_int64()) == unsigned_v.get_uint64();
    }
    return v->to_number<double>() == value.to_number<double>();
  }
  return *v == value;
}

}  // namespace sse::telemetry
