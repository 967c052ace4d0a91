#include "legacy_fixture.hpp"

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "temp_dir.hpp"

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
  std::vector<std::string> elements;
  for (const auto& e : s.events) {
    elements.push_back(redis_layout::encode_legacy_event(e));
  }
  write_legacy_elements(redis, s, elements);
}

void write_legacy_elements(test::redis_server& redis, const legacy_stream& s,
                           const std::vector<std::string>& elements) {
  const std::string state = s.prefix + "state:{" + s.id + "}";
  const std::string buffer = s.prefix + "buffer:{" + s.id + "}";
  const seq_t last = s.last_seq != 0 ? s.last_seq : (s.events.empty() ? 0 : s.events.back().seq);
  redis.command("HSET", state, "epoch", s.epoch, "status", s.status, "last_seq",
                std::to_string(last), "created_ms", "1790000000000", "updated_ms", "1790000001000",
                "buffer_limit", std::to_string(s.buffer_limit), "ttl_ms",
                std::to_string(s.ttl.count()), "trimmed", std::to_string(s.trimmed));
  for (const auto& element : elements) {
    redis.command_argv({"RPUSH", buffer, element});
  }
  redis.command("PEXPIRE", state, std::to_string(s.ttl.count()));
  redis.command("PEXPIRE", buffer, std::to_string(s.ttl.count()));
}

std::string zstd_cli_frame(const redis_layout::legacy_event& e, zstd_input input, bool checksum) {
  test::temp_dir dir("zstd-cli");
  const auto json = dir / "event.json";
  const auto frame = dir / "event.json.zst";
  {
    std::ofstream f(json, std::ios::binary);
    f << redis_layout::legacy_event_json(e);
  }
  const std::string flags = checksum ? "-q -c --check" : "-q -c --no-check";
  // `cat |` makes zstd read a pipe: it cannot know the size, so the frame does not state it.
  const std::string cmd =
      input == zstd_input::pipe
          ? "cat '" + json.string() + "' | zstd " + flags + " > '" + frame.string() + "'"
          : "zstd " + flags + " '" + json.string() + "' > '" + frame.string() + "'";
  const int status = std::system(cmd.c_str());
  std::string out = test::read_file_text(frame);
  if (status != 0 || out.empty()) {
    throw std::runtime_error("`" + cmd + "` failed (status " + std::to_string(status) +
                             "): is the zstd CLI installed? scripts/bootstrap.sh installs it");
  }
  return out;
}

}  // namespace sse::store::redis_test
