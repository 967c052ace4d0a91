#include "redis_cluster.hpp"

#include <sstream>
#include <stdexcept>
#include <thread>

#include "bounded_wait.hpp"
#include "common/child_process.hpp"
#include "free_port.hpp"

namespace sse::test {

namespace {

bool on_path(const std::string& program) {
  const char* path = std::getenv("PATH");
  if (path == nullptr) {
    return false;
  }
  std::stringstream dirs(path);
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    if (!dir.empty() && std::filesystem::exists(std::filesystem::path(dir) / program)) {
      return true;
    }
  }
  return false;
}

std::string field(const std::string& info, const std::string& name) {
  const auto at = info.find(name + ":");
  if (at == std::string::npos) {
    return {};
  }
  const auto start = at + name.size() + 1;
  const auto end = info.find_first_of("\r\n", start);
  return info.substr(start, end - start);
}

}  // namespace

bool redis_cluster::available() {
  return redis_server::available() && on_path("redis-cli");
}

redis_cluster::redis_cluster(redis_cluster_options options) : options_(options) {
  const int total = options_.masters * (1 + options_.replicas_per_master);
  for (int i = 0; i < total; ++i) {
    redis_options o;
    o.name = "cluster-node-" + std::to_string(i);
    o.args = {"--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf",
              "--cluster-node-timeout", std::to_string(options_.node_timeout.count()),
              // A replica with stale data may still take over in a test: availability first.
              "--cluster-replica-validity-factor", "0",
              // An explicit bus port: the default (port + 10000) is refused above 55535 and may
              // be taken; a restart of this node reuses it through nodes.conf.
              "--cluster-port", std::to_string(free_port())};
    nodes_.push_back(std::make_unique<redis_server>(o));
  }
  tools::child_options co;
  co.program = "redis-cli";
  co.name = "cluster-create";
  co.args = {"--cluster", "create"};
  for (const auto& n : nodes_) {
    co.args.push_back("127.0.0.1:" + std::to_string(n->port()));
  }
  co.args.insert(co.args.end(), {"--cluster-replicas", std::to_string(options_.replicas_per_master),
                                 "--cluster-yes"});
  tools::child_process create(co);
  const auto status = create.wait_exit(std::chrono::seconds(30));
  if (!status || *status != 0) {
    throw std::runtime_error("redis-cli --cluster create failed; see " +
                             create.stdout_path().string());
  }
  if (!wait_ok(options_.ready_timeout)) {
    throw std::runtime_error("cluster did not reach cluster_state:ok in time");
  }
  if (!wait_replicas_online(options_.ready_timeout)) {
    throw std::runtime_error("cluster replicas did not come online in time");
  }
}

bool redis_cluster::wait_replicas_online(std::chrono::milliseconds timeout) {
  const std::string wanted = std::to_string(options_.replicas_per_master);
  return bounded_wait(
      [&] {
        for (auto& n : nodes_) {
          if (!n->running()) {
            continue;
          }
          try {
            const auto info = n->command("INFO", "replication");
            if (field(info.str, "role") == "master" &&
                (field(info.str, "connected_slaves") != wanted ||
                 (options_.replicas_per_master > 0 &&
                  field(info.str, "slave0").find("state=online") == std::string::npos))) {
              return false;
            }
          } catch (const std::exception&) {
            return false;
          }
        }
        return true;
      },
      timeout, std::chrono::milliseconds(100));
}

redis_cluster::~redis_cluster() = default;

std::string redis_cluster::seeds() const {
  std::string out;
  for (const auto& n : nodes_) {
    if (!out.empty()) {
      out += ",";
    }
    out += "127.0.0.1:" + std::to_string(n->port());
  }
  return out;
}

std::vector<std::uint16_t> redis_cluster::ports() const {
  std::vector<std::uint16_t> out;
  for (const auto& n : nodes_) {
    out.push_back(n->port());
  }
  return out;
}

bool redis_cluster::wait_ok(std::chrono::milliseconds timeout) {
  return bounded_wait(
      [&] {
        for (auto& n : nodes_) {
          if (!n->running()) {
            continue;
          }
          try {
            const auto info = n->command("CLUSTER", "INFO");
            if (field(info.str, "cluster_state") != "ok" ||
                field(info.str, "cluster_slots_assigned") != "16384") {
              return false;
            }
          } catch (const std::exception&) {
            return false;
          }
        }
        return true;
      },
      timeout, std::chrono::milliseconds(100));
}

std::string redis_cluster::node_id(std::size_t i) {
  return node(i).command("CLUSTER", "MYID").str;
}

int redis_cluster::master_of_slot(std::uint16_t slot) {
  for (auto& n : nodes_) {
    if (!n->running()) {
      continue;
    }
    const auto slots = n->command("CLUSTER", "SLOTS");
    for (const auto& range : slots.elements) {
      if (range.elements.size() < 3 || slot < range.elements[0].integer ||
          slot > range.elements[1].integer) {
        continue;
      }
      const long long port = range.elements[2].elements.at(1).integer;
      for (std::size_t i = 0; i < nodes_.size(); ++i) {
        if (nodes_[i]->port() == port) {
          return static_cast<int>(i);
        }
      }
    }
    return -1;
  }
  return -1;
}

void redis_cluster::migrate_slot(std::uint16_t slot, std::size_t from, std::size_t to,
                                 std::size_t keys_per_batch,
                                 std::chrono::milliseconds pause_between_batches) {
  const std::string s = std::to_string(slot);
  const std::string from_id = node_id(from);
  const std::string to_id = node_id(to);
  auto check = [](const redis_reply& r, const char* what) {
    if (r.is_error()) {
      throw std::runtime_error(std::string(what) + ": " + r.str);
    }
  };
  check(node(to).command("CLUSTER", "SETSLOT", s, "IMPORTING", from_id), "IMPORTING");
  check(node(from).command("CLUSTER", "SETSLOT", s, "MIGRATING", to_id), "MIGRATING");
  for (int round = 0; round < 100000; ++round) {
    const auto keys =
        node(from).command("CLUSTER", "GETKEYSINSLOT", s, std::to_string(keys_per_batch));
    if (keys.elements.empty()) {
      break;
    }
    std::vector<std::string> argv = {
        "MIGRATE", "127.0.0.1", std::to_string(node(to).port()), "", "0", "5000", "KEYS"};
    for (const auto& k : keys.elements) {
      argv.push_back(k.str);
    }
    check(node(from).command_argv(argv), "MIGRATE");
    if (pause_between_batches.count() > 0) {
      std::this_thread::sleep_for(pause_between_batches);
    }
  }
  // The target first, so that it owns the slot before the source starts answering MOVED.
  check(node(to).command("CLUSTER", "SETSLOT", s, "NODE", to_id), "SETSLOT NODE (to)");
  check(node(from).command("CLUSTER", "SETSLOT", s, "NODE", to_id), "SETSLOT NODE (from)");
  for (std::size_t i = 0; i < nodes_.size(); ++i) {
    if (i == from || i == to || !nodes_[i]->running()) {
      continue;
    }
    const auto role = nodes_[i]->command("ROLE");
    if (!role.elements.empty() && role.elements[0].str == "master") {
      (void)nodes_[i]->command("CLUSTER", "SETSLOT", s, "NODE", to_id);
    }
  }
}

}  // namespace sse::test
