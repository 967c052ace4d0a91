#include "redis_sentinel.hpp"

#include <sstream>
#include <stdexcept>
#include <thread>

namespace sse::test {

namespace {

// A field of SENTINEL MASTER's flat [name, value, ...] reply.
std::string field(const redis_reply& r, const std::string& name) {
  for (std::size_t i = 0; i + 1 < r.elements.size(); i += 2) {
    if (r.elements[i].str == name) {
      return r.elements[i + 1].str;
    }
  }
  return {};
}

}  // namespace

bool redis_sentinel_setup::available() {
  return redis_server::available();
}

redis_sentinel_setup::redis_sentinel_setup(redis_sentinel_options options)
    : options_(std::move(options)) {
  redis_options primary;
  primary.name = "sentinel-primary";
  data_.push_back(std::make_unique<redis_server>(primary));
  const std::string primary_port = std::to_string(data_[0]->port());
  redis_options replica;
  replica.name = "sentinel-replica";
  replica.args = {"--replicaof", "127.0.0.1", primary_port};
  data_.push_back(std::make_unique<redis_server>(replica));
  const std::string& m = options_.master_name;
  std::ostringstream conf;
  conf << "sentinel monitor " << m << " 127.0.0.1 " << primary_port << " " << options_.quorum
       << "\n"
       << "sentinel down-after-milliseconds " << m << " " << options_.down_after.count() << "\n"
       << "sentinel failover-timeout " << m << " " << options_.failover_timeout.count() << "\n"
       << "sentinel parallel-syncs " << m << " 1\n";
  for (int i = 0; i < options_.sentinels; ++i) {
    redis_options s;
    s.name = "sentinel-" + std::to_string(i);
    s.config_text = conf.str();
    s.mode_args = {"--sentinel"};
    sentinels_.push_back(std::make_unique<redis_server>(s));
  }
  const auto deadline = std::chrono::steady_clock::now() + options_.ready_timeout;
  while (!ready()) {
    if (std::chrono::steady_clock::now() > deadline) {
      std::string logs;
      for (const auto& s : sentinels_) {
        logs += s->log_text().substr(0, 3000) + "\n---\n";
      }
      throw std::runtime_error("sentinel set-up not ready:\n" + logs);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

redis_sentinel_setup::~redis_sentinel_setup() = default;

bool redis_sentinel_setup::ready() {
  // The replica in sync, and every sentinel seeing it and the other sentinels.
  if (!wait_replicas_online(data_[0]->port(), 1, std::chrono::milliseconds(0))) {
    return false;
  }
  for (const auto& s : sentinels_) {
    const auto r = s->command("SENTINEL", "MASTER", options_.master_name);
    if (r.is_error() || field(r, "num-slaves") != "1" ||
        field(r, "num-other-sentinels") != std::to_string(options_.sentinels - 1)) {
      return false;
    }
  }
  return true;
}

std::string redis_sentinel_setup::sentinel_list() const {
  std::string out;
  for (const auto& s : sentinels_) {
    out += (out.empty() ? "" : ",") + std::string("127.0.0.1:") + std::to_string(s->port());
  }
  return out;
}

std::string redis_sentinel_setup::url() const {
  return "redis-sentinel://" + sentinel_list() + "/" + options_.master_name;
}

std::uint16_t redis_sentinel_setup::primary_port() {
  for (const auto& s : sentinels_) {
    if (!s->running()) {
      continue;
    }
    const auto r = s->command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", options_.master_name);
    if (r.elements.size() == 2) {
      return static_cast<std::uint16_t>(std::stoi(r.elements[1].str));
    }
  }
  return 0;
}

bool redis_sentinel_setup::wait_primary(std::uint16_t port, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    bool all = true;
    for (const auto& s : sentinels_) {
      if (!s->running()) {
        continue;
      }
      const auto r = s->command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", options_.master_name);
      all = all && r.elements.size() == 2 && r.elements[1].str == std::to_string(port);
    }
    if (all) {
      return true;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

bool redis_sentinel_setup::wait_replicas_online(std::uint16_t primary_port, int replicas,
                                                std::chrono::milliseconds timeout) {
  redis_server* primary = nullptr;
  for (auto& d : data_) {
    if (d->port() == primary_port) {
      primary = d.get();
    }
  }
  if (primary == nullptr) {
    return false;
  }
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto info = primary->command("INFO", "replication").str;
    int online = 0;
    for (std::size_t at = info.find("state=online"); at != std::string::npos;
         at = info.find("state=online", at + 1)) {
      ++online;
    }
    if (info.find("role:master") != std::string::npos && online >= replicas) {
      return true;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string redis_sentinel_setup::sentinel_events(const std::string& word) const {
  std::string out;
  for (std::size_t i = 0; i < sentinels_.size(); ++i) {
    std::istringstream log(sentinels_[i]->log_text());
    for (std::string line; std::getline(log, line);) {
      if (line.find(word) != std::string::npos) {
        out += "sentinel " + std::to_string(i) + ": " + line + "\n";
      }
    }
  }
  return out;
}

}  // namespace sse::test
