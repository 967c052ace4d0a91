#include "telemetry/jsonl_sink.hpp"

#include <cerrno>
#include <stdexcept>
#include <system_error>
#include <utility>

#include "telemetry/format.hpp"

namespace sse::telemetry {

jsonl_sink::jsonl_sink(std::FILE* out, std::string node_id, metrics* m, std::size_t max_queue,
                       const core::clock* clock)
    : out_(out),
      node_id_(std::move(node_id)),
      metrics_(m),
      max_queue_(max_queue),
      clock_(clock != nullptr ? *clock : own_clock_) {
  if (out_ == nullptr) {
    throw std::invalid_argument("jsonl_sink: null FILE*");
  }
  start();
}

jsonl_sink::jsonl_sink(const std::filesystem::path& path, std::string node_id, metrics* m,
                       std::size_t max_queue, const core::clock* clock)
    : out_(std::fopen(path.c_str(), "a")),
      owns_out_(true),
      node_id_(std::move(node_id)),
      metrics_(m),
      max_queue_(max_queue),
      clock_(clock != nullptr ? *clock : own_clock_) {
  if (out_ == nullptr) {
    throw std::system_error(errno, std::generic_category(),
                            "cannot open telemetry file " + path.string());
  }
  try {
    start();
  } catch (...) {
    std::fclose(out_);
    throw;
  }
}

void jsonl_sink::start() {
  if (max_queue_ == 0) {
    max_queue_ = 1;
  }
  writer_ = std::thread([this] { run(); });
}

jsonl_sink::~jsonl_sink() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_writer_.notify_one();
  writer_.join();
  if (owns_out_) {
    std::fclose(out_);
  }
}

void jsonl_sink::emit(event e) noexcept {
  if (e.ts_ms == 0) {
    e.ts_ms = core::to_unix_ms(clock_.now());
  }
  bool queued = false;
  try {
    std::lock_guard lock(mutex_);
    if (!stop_ && queue_.size() < max_queue_) {
      queue_.push_back(std::move(e));
      ++accepted_;
      queued = true;
    }
  } catch (...) {
    // bad_alloc while growing the queue: the event is dropped like any other overflow.
  }
  if (!queued) {
    count_drops(1);
    return;
  }
  wake_writer_.notify_one();
}

void jsonl_sink::flush() noexcept {
  flush_for(default_flush_timeout);
}

bool jsonl_sink::flush_for(std::chrono::milliseconds timeout) noexcept {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = accepted_;
  return written_cv_.wait_for(lock, timeout, [&] { return processed_ >= target; });
}

std::uint64_t jsonl_sink::dropped() const noexcept {
  return dropped_.load(std::memory_order_relaxed);
}

std::uint64_t jsonl_sink::written() const noexcept {
  return written_.load(std::memory_order_relaxed);
}

void jsonl_sink::count_drops(std::uint64_t n) noexcept {
  dropped_.fetch_add(n, std::memory_order_relaxed);
  if (metrics_ != nullptr) {
    metrics_->telemetry_dropped_total.fetch_add(n, std::memory_order_relaxed);
  }
}

void jsonl_sink::run() noexcept {
  std::vector<event> batch;
  std::string text;
  std::unique_lock lock(mutex_);
  for (;;) {
    wake_writer_.wait(lock, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) {
      break;  // stop_ and nothing left: the destructor's drain is complete
    }
    // Swap, so emit() keeps a warm vector and the lock is held only for the swap.
    batch.swap(queue_);
    lock.unlock();

    const std::uint64_t n = batch.size();
    bool ok = true;
    try {
      text.clear();
      for (const event& e : batch) {
        text += to_json_line(e, node_id_);
      }
    } catch (...) {
      ok = false;
    }
    batch.clear();
    if (ok) {
      ok = std::fwrite(text.data(), 1, text.size(), out_) == text.size();
      ok = std::fflush(out_) == 0 && ok;
    }
    if (ok) {
      written_.fetch_add(n, std::memory_order_relaxed);
    } else {
      count_drops(n);
    }
    // Do not let one huge burst pin memory for the life of the process.
    if (text.capacity() > (std::size_t{1} << 22)) {
      std::string().swap(text);
    }

    lock.lock();
    processed_ += n;
    written_cv_.notify_all();
  }
}

std::unique_ptr<sink> make_sink(std::string_view spec, std::string node_id, metrics* m,
                                const core::clock* clock) {
  if (spec == "none") {
    return std::make_unique<null_sink>();
  }
  if (spec == "stdout") {
    return std::make_unique<jsonl_sink>(stdout, std::move(node_id), m,
                                        jsonl_sink::default_max_queue, clock);
  }
  constexpr std::string_view file_prefix = "file:";
  if (spec.size() > file_prefix.size() && spec.substr(0, file_prefix.size()) == file_prefix) {
    return std::make_unique<jsonl_sink>(std::filesystem::path(spec.substr(file_prefix.size())),
                                        std::move(node_id), m, jsonl_sink::default_max_queue,
                                        clock);
  }
  throw std::invalid_argument("unknown telemetry sink \"" + std::string(spec) +
                              "\": expected stdout, file:PATH or none");
}

}  // namespace sse::telemetry
