#include "store/redis/keys.hpp"

namespace sse::store::redis_layout {
namespace {

std::string key(std::string_view prefix, std::string_view kind, std::string_view id) {
  std::string k;
  k.reserve(prefix.size() + kind.size() + id.size() + 2);
  k.append(prefix).append(kind).append("{").append(id).append("}");
  return k;
}

}  // namespace

stream_keys make_keys(std::string_view prefix, std::string_view stream_id) {
  return stream_keys{key(prefix, "state:", stream_id), key(prefix, "buffer:", stream_id),
                     key(prefix, "meta:", stream_id),  key(prefix, "end:", stream_id),
                     key(prefix, "live:", stream_id),  key(prefix, "quarantine:", stream_id)};
}

std::optional<std::string> stream_id_from(std::string_view prefix, std::string_view kind,
                                          std::string_view name) {
  if (name.substr(0, prefix.size()) != prefix) {
    return std::nullopt;
  }
  name.remove_prefix(prefix.size());
  if (name.substr(0, kind.size()) != kind) {
    return std::nullopt;
  }
  name.remove_prefix(kind.size());
  if (name.size() < 3 || name.front() != '{' || name.back() != '}') {
    return std::nullopt;
  }
  return std::string(name.substr(1, name.size() - 2));
}

}  // namespace sse::store::redis_layout
