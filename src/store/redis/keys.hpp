#pragma once
// Key names of one stream (the layout table is in README.md here). `{id}` is a literal Redis
// Cluster hash tag: every key of a stream lives in one slot, so one script can touch them all.

#include <optional>
#include <string>
#include <string_view>

namespace sse::store::redis_layout {

struct stream_keys {
  std::string state;    ///< {prefix}state:{id}   hash, while the stream is open
  std::string buffer;   ///< {prefix}buffer:{id}  zset seq -> "<seq>:<record>"
  std::string meta;     ///< {prefix}meta:{id}    zset priority*2^40+seq -> "<seq>:<size>"
  std::string tomb;     ///< {prefix}end:{id}     hash, the state of an ended stream
  std::string channel;  ///< {prefix}live:{id}    pub/sub channel
  /// {prefix}quarantine:{id}  list: v1.10 elements the upgrade could not decode, kept as found
  std::string quarantine;
};

stream_keys make_keys(std::string_view prefix, std::string_view stream_id);

/// The stream id in a channel or key name of this prefix and kind ("live:", "buffer:"), or
/// nullopt when the name is not one of ours.
std::optional<std::string> stream_id_from(std::string_view prefix, std::string_view kind,
                                          std::string_view name);

}  // namespace sse::store::redis_layout
