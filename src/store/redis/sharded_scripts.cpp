#include "store/redis/sharded_scripts.hpp"

#include <map>
#include <mutex>
#include <string>

#include "store/redis/scripts.hpp"

namespace sse::store::redis_layout {

namespace {

std::string to_sharded(std::string source) {
  // Only the calls: the scripts publish with redis.call('PUBLISH', ...).
  const std::string from = "redis.call('PUBLISH'";
  const std::string to = "redis.call('SPUBLISH'";
  for (auto at = source.find(from); at != std::string::npos; at = source.find(from, at)) {
    source.replace(at, from.size(), to);
    at += to.size();
  }
  return source;
}

}  // namespace

const redis::script& sharded_variant(const redis::script& s) {
  static std::mutex mu;
  static auto* variants = new std::map<const redis::script*, const redis::script*>();
  std::lock_guard lock(mu);
  auto& v = (*variants)[&s];
  if (v == nullptr) {
    v = new redis::script(to_sharded(s.source()));
  }
  return *v;
}

std::vector<const redis::script*> all_sharded_scripts() {
  std::vector<const redis::script*> out;
  for (const redis::script* s : all_scripts()) {
    out.push_back(&sharded_variant(*s));
  }
  return out;
}

}  // namespace sse::store::redis_layout
