#include "redis_keys.hpp"

#include <stdexcept>

namespace sse::test {

std::vector<redis_key> scan_keys(redis_server& redis, const std::string& pattern, int max_rounds) {
  std::vector<std::string> names;
  std::string cursor = "0";
  for (int round = 0;; ++round) {
    if (round == max_rounds) {
      throw std::runtime_error("SCAN did not finish in " + std::to_string(max_rounds) + " rounds");
    }
    const auto r = redis.command("SCAN", cursor, "MATCH", pattern, "COUNT", "500");
    if (r.type != redis_reply::kind::array || r.elements.size() != 2) {
      throw std::runtime_error("SCAN answered " + r.describe());
    }
    for (const auto& k : r.elements[1].elements) {
      names.push_back(k.str);
    }
    cursor = r.elements[0].str;
    if (cursor == "0") {
      break;
    }
  }
  std::set<std::string> unique(names.begin(), names.end());  // SCAN may repeat a key
  std::vector<redis_key> out;
  for (const auto& n : unique) {
    out.push_back({n, pttl(redis, n)});
  }
  return out;
}

long long pttl(redis_server& redis, const std::string& key) {
  const auto r = redis.command("PTTL", key);
  if (r.type != redis_reply::kind::integer) {
    throw std::runtime_error("PTTL " + key + " answered " + r.describe());
  }
  return r.integer;
}

std::string stream_of_key(const std::string& key) {
  const auto open = key.find('{');
  if (open == std::string::npos) {
    return {};
  }
  const auto close = key.find('}', open + 1);
  if (close == std::string::npos) {
    return {};
  }
  return key.substr(open + 1, close - open - 1);
}

std::string describe_keys(const std::vector<redis_key>& keys, std::size_t max_lines) {
  std::string out = std::to_string(keys.size()) + " keys:\n";
  for (std::size_t i = 0; i < keys.size() && i < max_lines; ++i) {
    out += "  " + keys[i].name + " pttl=" + std::to_string(keys[i].pttl_ms) + "\n";
  }
  if (keys.size() > max_lines) {
    out += "  ...\n";
  }
  return out;
}

::testing::AssertionResult finished_streams_all_expire(redis_server& redis,
                                                       const std::set<std::string>& finished) {
  const auto keys = scan_keys(redis);
  std::vector<redis_key> bad;
  for (const auto& k : keys) {
    if (k.pttl_ms == -1 && finished.count(stream_of_key(k.name)) > 0) {
      bad.push_back(k);
    }
  }
  if (bad.empty()) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure()
         << bad.size() << " keys of finished streams have no TTL: " << describe_keys(bad) << "all "
         << describe_keys(keys);
}

}  // namespace sse::test
