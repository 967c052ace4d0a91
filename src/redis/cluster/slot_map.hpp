#pragma once
// Which master serves which slot, learnt from CLUSTER SLOTS, and the MOVED/ASK redirections that
// correct it. Pure values: parsing is tested with literal RESP, no server.

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "redis/reply.hpp"

namespace sse::redis::cluster {

struct node_address {
  std::string host;
  std::uint16_t port = 0;

  /// "host:port", the form MOVED/ASK and redis-cli use.
  std::string to_string() const;
  auto operator<=>(const node_address&) const = default;
};

/// Parses "host:port" (the last ':' splits, so an IPv6 host works). nullopt when malformed.
std::optional<node_address> parse_node_address(std::string_view text);

struct slot_range {
  std::uint16_t first = 0;
  std::uint16_t last = 0;  ///< inclusive
  node_address master;
  std::vector<node_address> replicas;
};

class slot_map {
 public:
  /// Builds the map from a CLUSTER SLOTS reply. An empty host (a node that does not know its own
  /// address) stands for `queried`, the node that answered. errc::internal when the reply is not
  /// the documented shape.
  static result<slot_map> from_cluster_slots(const reply& r, const node_address& queried);

  /// The master serving slot; nullptr when no range covers it (cluster not fully set up).
  const node_address* master_of(std::uint16_t slot) const noexcept;

  /// Points one slot at another master (after MOVED, before the full refresh arrives).
  void move_slot(std::uint16_t slot, const node_address& master);

  /// Every distinct master, sorted.
  std::vector<node_address> masters() const;

  /// True when every one of the 16384 slots has a master.
  bool covers_all_slots() const noexcept;

  const std::vector<slot_range>& ranges() const noexcept { return ranges_; }
  bool empty() const noexcept { return ranges_.empty(); }

 private:
  std::vector<slot_range> ranges_;  ///< sorted by first, not overlapping
};

/// A `MOVED <slot> <host:port>` or `ASK <slot> <host:port>` error reply.
struct redirect {
  enum class kind { moved, ask };
  kind type = kind::moved;
  std::uint16_t slot = 0;
  node_address target;
};

/// The redirection an error reply carries; nullopt for any other reply.
std::optional<redirect> parse_redirect(const reply& r);

}  // namespace sse::redis::cluster
