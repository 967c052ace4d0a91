#pragma once
// `--store redis-sentinel://[[user]:password@]host:port[,host:port...]/master-name[/db]`: the
// sentinels to ask, the name of the master they monitor, and the credentials and database of
// the data nodes (the sentinels themselves are asked without AUTH).

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "redis/cluster/slot_map.hpp"
#include "redis/config.hpp"

namespace sse::redis::sentinel {

struct sentinel_url {
  std::vector<cluster::node_address> sentinels;  ///< at least one
  std::string master_name;                       ///< not empty
  connection_config connection;                  ///< username/password/db; host, port unused
};

/// errc::invalid_argument when malformed (no sentinel, a sentinel without a valid port, no
/// master name, a db that is not a number).
result<sentinel_url> parse_sentinel_url(std::string_view url);

}  // namespace sse::redis::sentinel
