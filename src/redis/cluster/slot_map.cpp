#include "redis/cluster/slot_map.hpp"

#include <algorithm>
#include <charconv>
#include <set>

#include "redis/cluster/slot.hpp"

namespace sse::redis::cluster {

namespace {

std::optional<node_address> node_from_reply(const reply& r, const node_address& queried) {
  // [host, port, id, (metadata...)]: only host and port matter for routing.
  if (!r.is_array() || r.elements.size() < 2 || !r.elements[0].is_string()) {
    return std::nullopt;
  }
  const auto port = r.elements[1].to_int();
  if (!port || *port <= 0 || *port > 65535) {
    return std::nullopt;
  }
  node_address a{r.elements[0].str, static_cast<std::uint16_t>(*port)};
  if (a.host.empty() || a.host == "?") {
    a.host = queried.host;
  }
  return a;
}

}  // namespace

std::string node_address::to_string() const {
  return host + ":" + std::to_string(port);
}

std::optional<node_address> parse_node_address(std::string_view text) {
  const auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || colon + 1 == text.size()) {
    return std::nullopt;
  }
  // A cluster bus port may follow as "host:port@bus" in CLUSTER NODES; never in MOVED/ASK.
  std::string_view port_text = text.substr(colon + 1);
  if (const auto at = port_text.find('@'); at != std::string_view::npos) {
    port_text = port_text.substr(0, at);
  }
  unsigned port = 0;
  auto [ptr, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc{} || ptr != port_text.data() + port_text.size() || port == 0 ||
      port > 65535) {
    return std::nullopt;
  }
  return node_address{std::string(text.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

result<slot_map> slot_map::from_cluster_slots(const reply& r, const node_address& queried) {
  if (!r.is_array()) {
    return errc::internal;
  }
  slot_map map;
  for (const auto& entry : r.elements) {
    if (!entry.is_array() || entry.elements.size() < 3) {
      return errc::internal;
    }
    const auto first = entry.elements[0].to_int();
    const auto last = entry.elements[1].to_int();
    if (!first || !last || *first < 0 || *last < *first || *last >= slot_count) {
      return errc::internal;
    }
    auto master = node_from_reply(entry.elements[2], queried);
    if (!master) {
      return errc::internal;
    }
    slot_range range{static_cast<std::uint16_t>(*first),
                     static_cast<std::uint16_t>(*last),
                     std::move(*master),
                     {}};
    for (std::size_t i = 3; i < entry.elements.size(); ++i) {
      if (auto replica = node_from_reply(entry.elements[i], queried)) {
        range.replicas.push_back(std::move(*replica));
      }
    }
    map.ranges_.push_back(std::move(range));
  }
  std::sort(map.ranges_.begin(), map.ranges_.end(),
            [](const slot_range& a, const slot_range& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < map.ranges_.size(); ++i) {
    if (map.ranges_[i].first <= map.ranges_[i - 1].last) {
      return errc::internal;
    }
  }
  return map;
}

const node_address* slot_map::master_of(std::uint16_t slot) const noexcept {
  // The last range starting at or before slot, if it reaches slot.
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), slot,
                             [](std::uint16_t s, const slot_range& r) { return s < r.first; });
  if (it == ranges_.begin()) {
    return nullptr;
  }
  --it;
  return slot <= it->last ? &it->master : nullptr;
}

void slot_map::move_slot(std::uint16_t slot, const node_address& master) {
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), slot,
                             [](std::uint16_t s, const slot_range& r) { return s < r.first; });
  if (it != ranges_.begin() && slot <= std::prev(it)->last) {
    --it;
    // Split [first, last] into [first, slot-1], [slot], [slot+1, last].
    slot_range before = *it;
    slot_range after = *it;
    it = ranges_.erase(it);
    if (after.last > slot) {
      after.first = static_cast<std::uint16_t>(slot + 1);
      it = ranges_.insert(it, std::move(after));
    }
    it = ranges_.insert(it, slot_range{slot, slot, master, {}});
    if (before.first < slot) {
      before.last = static_cast<std::uint16_t>(slot - 1);
      ranges_.insert(it, std::move(before));
    }
    return;
  }
  ranges_.insert(it, slot_range{slot, slot, master, {}});
}

std::vector<node_address> slot_map::masters() const {
  std::set<node_address> seen;
  for (const auto& r : ranges_) {
    seen.insert(r.master);
  }
  return {seen.begin(), seen.end()};
}

bool slot_map::covers_all_slots() const noexcept {
  std::uint32_t next = 0;
  for (const auto& r : ranges_) {
    if (r.first != next) {
      return false;
    }
    next = static_cast<std::uint32_t>(r.last) + 1;
  }
  return next == slot_count;
}

std::optional<redirect> parse_redirect(const reply& r) {
  redirect out;
  std::string_view rest;
  if (r.error_starts_with("MOVED ")) {
    out.type = redirect::kind::moved;
    rest = std::string_view(r.str).substr(6);
  } else if (r.error_starts_with("ASK ")) {
    out.type = redirect::kind::ask;
    rest = std::string_view(r.str).substr(4);
  } else {
    return std::nullopt;
  }
  const auto space = rest.find(' ');
  if (space == std::string_view::npos) {
    return std::nullopt;
  }
  unsigned slot = 0;
  auto [ptr, ec] = std::from_chars(rest.data(), rest.data() + space, slot);
  if (ec != std::errc{} || ptr != rest.data() + space || slot >= slot_count) {
    return std::nullopt;
  }
  auto target = parse_node_address(rest.substr(space + 1));
  if (!target) {
    return std::nullopt;
  }
  out.slot = static_cast<std::uint16_t>(slot);
  out.target = std::move(*target);
  return out;
}

}  // namespace sse::redis::cluster
