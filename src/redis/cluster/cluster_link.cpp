// cluster_client as a command_link (command_link.hpp): started in the background, addressed by
// key, a script on its first key's slot (with the NOSCRIPT reload), and one key per master for
// commands that address a node (SCAN).
#include <chrono>
#include <string>

#include "redis/cluster/cluster_client.hpp"
#include "redis/cluster/slot.hpp"
#include "redis/noscript_reload.hpp"

namespace sse::redis::cluster {

namespace net = boost::asio;

void cluster_client::start() {
  // Learning the map needs a round trip: done in the background like a single node's connect,
  // and owned the same way (tasks_, join() after stop()). The pause between attempts ends at
  // stop(), which notifies wake_, instead of sleeping its 500 ms out.
  tasks_.spawn([](std::shared_ptr<cluster_client> c) -> net::awaitable<void> {
    const auto stopped = [&c] { return c->stopped_.load(); };
    for (int attempt = 0; attempt < 1000 && !stopped() && !(co_await c->connect()); ++attempt) {
      if (co_await c->wake_.wait(c->wake_.now() + std::chrono::milliseconds(500), stopped)) {
        break;
      }
    }
  }(shared_from_this()));
}

net::awaitable<result<std::vector<reply>>> cluster_client::exec_on_key(
    std::string_view key, std::vector<command> commands) {
  co_return co_await exec(key_slot(key), std::move(commands));
}

net::awaitable<result<std::vector<std::string>>> cluster_client::node_keys() {
  const slot_map map = co_await current_map();
  std::vector<std::string> keys;
  for (const auto& master : map.masters()) {
    // A hash tag whose slot this master serves; 16384 slots are all hit long before the bound.
    for (int n = 0; n < 1'000'000; ++n) {
      std::string key = "{" + std::to_string(n) + "}";
      const node_address* owner = map.master_of(key_slot(key));
      if (owner != nullptr && *owner == master) {
        keys.push_back(std::move(key));
        break;
      }
    }
  }
  if (keys.empty()) {
    co_return errc::store_unavailable;
  }
  co_return keys;
}

net::awaitable<result<reply>> cluster_client::eval(const script& s,
                                                   std::span<const std::string_view> keys,
                                                   std::span<const std::string_view> args) {
  if (keys.empty()) {
    co_return errc::invalid_argument;  // a keyless script has no slot to run on
  }
  const std::uint16_t slot = key_slot(keys.front());
  command call{"EVALSHA", s.sha(), std::to_string(keys.size())};
  call.insert(call.end(), keys.begin(), keys.end());
  call.insert(call.end(), args.begin(), args.end());
  script_sender send = [this, &s, &call, slot](bool load_first) {
    std::vector<command> cmds;
    if (load_first) {
      cmds.push_back(command{"SCRIPT", "LOAD", s.source()});
    }
    cmds.push_back(call);
    return exec(slot, std::move(cmds));
  };
  // Two reloads: the load is keyless, so it goes where the map points; a redirect of the call
  // may land on yet another node (a master promoted since we connected) that lacks the script.
  co_return co_await call_with_noscript_reload(std::move(send), 2);
}

}  // namespace sse::redis::cluster
