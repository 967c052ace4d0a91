#include "redis/cluster/worker_subscribers.hpp"

#include <utility>

#include "redis/cluster/slot.hpp"

namespace sse::redis::cluster {

worker_subscribers::worker_subscribers(const worker_clients& clients, const connection_config& base,
                                       std::chrono::milliseconds map_check_interval,
                                       std::shared_ptr<availability> tracker,
                                       std::size_t first_slot) {
  for (std::size_t i = 0; i < clients.size(); ++i) {
    subscribers_.push_back(std::make_shared<sharded_subscriber>(
        clients.at(i), base, map_check_interval, tracker, first_slot + i));
    if (tracker) {
      // No channel yet: a subscriber has nothing to be down (it reports once a link is in use).
      tracker->report(first_slot + i, true);
    }
  }
}

void worker_subscribers::set_message_handler(message_handler handler) {
  for (auto& s : subscribers_) {
    s->set_message_handler(handler);
  }
}

void worker_subscribers::set_resync_handler(std::function<void()> handler) {
  for (auto& s : subscribers_) {
    s->set_resync_handler(handler);
  }
}

void worker_subscribers::enable_probe(probe_config cfg, const std::string& name) {
  for (std::size_t i = 0; i < subscribers_.size(); ++i) {
    subscribers_[i]->enable_probe(cfg, name + "/" + std::to_string(i));
  }
}

void worker_subscribers::start() {
  for (auto& s : subscribers_) {
    s->start();
  }
}

void worker_subscribers::stop() {
  for (auto& s : subscribers_) {
    s->stop();
  }
}

boost::asio::awaitable<void> worker_subscribers::join() {
  for (auto& s : subscribers_) {
    co_await s->join();
  }
}

sharded_subscriber& worker_subscribers::owner_of(std::string_view channel) const {
  return *subscribers_[key_slot(channel) % subscribers_.size()];
}

boost::asio::awaitable<result<void>> worker_subscribers::subscribe(std::string channel) {
  sharded_subscriber& s = owner_of(channel);
  co_return co_await s.subscribe(std::move(channel));
}

void worker_subscribers::unsubscribe(std::string channel, std::function<bool()> still_wanted) {
  owner_of(channel).unsubscribe(std::move(channel), std::move(still_wanted));
}

bool worker_subscribers::up() const noexcept {
  for (const auto& s : subscribers_) {
    if (!s->up()) {
      return false;
    }
  }
  return true;
}

std::uint64_t worker_subscribers::probe_failures() const noexcept {
  std::uint64_t n = 0;
  for (const auto& s : subscribers_) {
    n += s->probe_failures();
  }
  return n;
}

std::uint64_t worker_subscribers::probes_ok() const noexcept {
  std::uint64_t n = 0;
  for (const auto& s : subscribers_) {
    n += s->probes_ok();
  }
  return n;
}

}  // namespace sse::redis::cluster
