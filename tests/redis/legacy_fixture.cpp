#include "legacy_fixture.hpp"

#include <algorithm>

namespace sse::store::redis_test {

legacy_stream make_legacy_stream(std::string id, seq_t n, std::vector<seq_t> trimmed_seqs) {
  legacy_stream s;
  s.id = std::move(id);
  for (seq_t seq = 1; seq <= n; ++seq) {
    if (std::find(trimmed_seqs.begin(), trimmed_seqs.end(), seq) != trimmed_seqs.end()) {
      continue;
    }
    s.events.push_back(redis_layout::legacy_event{seq, "event", static_cast<int>(seq % 4),
                                                  "legacy " + std::to_string(seq)});
  }
  s.last_seq = n;
  s.trimmed = trimmed_seqs.size();
  return s;
}

void write_legacy_stream(test::redis_server& redis, const legacy_stream& s) {
  const std::string state = s.prefix + "state:{" + s.id + "}";
  const std::string buffer = s.prefix + "buffer:{" + s.id + "}";
  const seq_t last = s.last_seq != 0 ? s.last_seq : (s.events.empty() ? 0 : s.events.back().seq);
  redis.command("HSET", state, "epoch", s.epoch, "status", s.status, "last_seq",
                std::to_string(last), "created_ms", "1790000000000", "updated_ms", "1790000001000",
                "buffer_limit", std::to_string(s.buffer_limit), "ttl_ms",
                std::to_string(s.ttl.count()), "trimmed", std::to_string(s.trimmed));
  for (const auto& e : s.events) {
    redis.command_argv({"RPUSH", buffer, redis_layout::encode_legacy_event(e)});
  }
  redis.command("PEXPIRE", state, std::to_string(s.ttl.count()));
  redis.command("PEXPIRE", buffer, std::to_string(s.ttl.count()));
}

}  // namespace sse::store::redis_test
