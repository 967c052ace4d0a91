#include "telemetry/jsonl_sink.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <regex>
#include <stdexcept>
#include <string>
#include <system_error>
#include <thread>
#include <vector>

#include "telemetry/names.hpp"

namespace sse::telemetry {
namespace {

using namespace std::chrono_literals;
namespace fs = std::filesystem;

/// A fresh directory under the system temp dir, removed at the end of the test.
class temp_dir {
 public:
  temp_dir() {
    std::random_device rd;
    path_ = fs::temp_directory_path() / ("sse_telemetry_test_" + std::to_string(rd()));
    fs::create_directories(path_);
  }
  ~temp_dir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

std::vector<std::string> read_lines(const fs::path& p) {
  std::ifstream in(p);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
  }
  return lines;
}

event make_event(std::string_view name, std::string stream, int i) {
  event e;
  e.name = std::string(name);
  e.stream = std::move(stream);
  e.fields["i"] = i;
  return e;
}

TEST(jsonl_sink, writes_one_json_object_per_line_with_every_field) {
  temp_dir dir;
  const fs::path file = dir.path() / "t.jsonl";
  {
    jsonl_sink sink(file, "node-7");
    event a;
    a.name = std::string(names::buffer_trimmed);
    a.stream = "s1";
    a.ts_ms = 1'700'000'000'123;
    a.fields["seq"] = 42;
    a.fields["priority"] = 0;
    a.fields["size"] = 512;
    a.fields["reason"] = "buffer_limit";
    sink.emit(a);
    event b;
    b.name = std::string(names::store_unavailable);
    sink.emit(b);  // no stream, ts filled in by the sink
    ASSERT_TRUE(sink.flush_for(10s));
    EXPECT_EQ(sink.written(), 2u);
    EXPECT_EQ(sink.dropped(), 0u);

    const auto lines = read_lines(file);
    ASSERT_EQ(lines.size(), 2u);
    const auto first = boost::json::parse(lines[0]).as_object();
    EXPECT_EQ(first.at("name").as_string(), "SseBufferTrimmed");
    EXPECT_EQ(first.at("ts").as_string(), "2023-11-14T22:13:20.123Z");
    EXPECT_EQ(first.at("ts_ms").as_int64(), 1'700'000'000'123);
    EXPECT_EQ(first.at("node").as_string(), "node-7");
    EXPECT_EQ(first.at("stream").as_string(), "s1");
    EXPECT_EQ(first.at("seq").as_int64(), 42);
    EXPECT_EQ(first.at("priority").as_int64(), 0);
    EXPECT_EQ(first.at("size").as_int64(), 512);
    EXPECT_EQ(first.at("reason").as_string(), "buffer_limit");

    const auto second = boost::json::parse(lines[1]).as_object();
    EXPECT_EQ(second.at("name").as_string(), "SseStoreUnavailable");
    EXPECT_FALSE(second.contains("stream"));
    EXPECT_GT(second.at("ts_ms").as_int64(), 1'577'836'800'000LL);
    const std::regex rfc3339(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)");
    EXPECT_TRUE(std::regex_match(std::string(second.at("ts").as_string()), rfc3339));
  }
}

TEST(jsonl_sink, destructor_drains_everything_in_order) {
  temp_dir dir;
  const fs::path file = dir.path() / "t.jsonl";
  constexpr int n = 5000;
  {
    jsonl_sink sink(file, "n");
    for (int i = 0; i < n; ++i) {
      sink.emit(make_event(names::resume_attempt, "s", i));
    }
  }
  const auto lines = read_lines(file);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    ASSERT_EQ(boost::json::parse(lines[i]).at("i").as_int64(), i) << lines[i];
  }
}

TEST(jsonl_sink, appends_to_an_existing_file) {
  temp_dir dir;
  const fs::path file = dir.path() / "t.jsonl";
  { std::ofstream(file) << "{\"previous\":true}\n"; }
  {
    jsonl_sink sink(file, "n");
    sink.emit(make_event(names::stream_created, "s", 1));
  }
  const auto lines = read_lines(file);
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], "{\"previous\":true}");
}

TEST(jsonl_sink, concurrent_emitters_lose_nothing_below_the_limit) {
  temp_dir dir;
  const fs::path file = dir.path() / "t.jsonl";
  constexpr int threads = 4;
  constexpr int per_thread = 2000;
  std::uint64_t written = 0;
  {
    jsonl_sink sink(file, "n", nullptr, threads * per_thread);  // room for everything
    std::vector<std::thread> emitters;
    for (int t = 0; t < threads; ++t) {
      emitters.emplace_back([&sink, t] {
        for (int i = 0; i < per_thread; ++i) {
          sink.emit(make_event(names::client_disconnected, "s" + std::to_string(t), i));
        }
      });
    }
    for (auto& th : emitters) {
      th.join();
    }
    ASSERT_TRUE(sink.flush_for(30s));
    EXPECT_EQ(sink.dropped(), 0u);
    written = sink.written();
  }
  EXPECT_EQ(written, static_cast<std::uint64_t>(threads * per_thread));
  const auto lines = read_lines(file);
  ASSERT_EQ(lines.size(), static_cast<std::size_t>(threads * per_thread));
  // Per emitter, order is kept.
  std::vector<int> next(threads, 0);
  for (const auto& l : lines) {
    const auto v = boost::json::parse(l);
    const int t = std::stoi(std::string(v.at("stream").as_string()).substr(1));
    ASSERT_EQ(v.at("i").as_int64(), next[t]) << l;
    ++next[t];
  }
}

// The writer is stuck on a pipe nobody reads: emit() must keep returning, dropping and counting
// once the (tiny) queue is full, and nothing already queued may be lost once the pipe drains.
TEST(jsonl_sink, drops_and_counts_instead_of_blocking_when_the_writer_is_stuck) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ::fcntl(fds[1], F_SETPIPE_SZ, 4096);  // fill it sooner; failure only makes the test slower
  std::FILE* w = ::fdopen(fds[1], "w");
  ASSERT_NE(w, nullptr);

  metrics m;
  auto sink = std::make_unique<jsonl_sink>(w, "n", &m, 4);
  const std::string payload(2048, 'x');
  std::uint64_t emitted = 0;
  // Bounded: the pipe holds at most a few hundred of these, so drops must start long before.
  while (sink->dropped() == 0 && emitted < 200'000) {
    event e = make_event(names::resume_attempt, "s", static_cast<int>(emitted));
    e.fields["payload"] = payload;
    sink->emit(std::move(e));
    ++emitted;
  }
  ASSERT_GT(sink->dropped(), 0u) << "no drop after " << emitted << " events";
  // The first drop only says the writer fell behind; it may still take one more batch before the
  // pipe fills and it blocks for good. From then on every emit must return and be counted: wait
  // (bounded) for 100 drops in a row.
  std::uint64_t dropped_in_a_row = 0;
  while (dropped_in_a_row < 100 && emitted < 400'000) {
    const std::uint64_t before = sink->dropped();
    event e = make_event(names::resume_attempt, "s", -1);
    e.fields["payload"] = payload;
    sink->emit(std::move(e));
    ++emitted;
    dropped_in_a_row = sink->dropped() == before + 1 ? dropped_in_a_row + 1 : 0;
  }
  ASSERT_EQ(dropped_in_a_row, 100u) << "the writer never stalled after " << emitted << " events";
  EXPECT_EQ(m.telemetry_dropped_total.load(), sink->dropped());

  // Now let the writer go: read the pipe until EOF on another thread.
  std::size_t lines_read = 0;
  std::thread reader([fd = fds[0], &lines_read] {
    char buf[8192];
    for (;;) {
      const ssize_t n = ::read(fd, buf, sizeof buf);
      if (n <= 0) {
        break;
      }
      for (ssize_t i = 0; i < n; ++i) {
        lines_read += buf[i] == '\n' ? 1 : 0;
      }
    }
  });
  EXPECT_TRUE(sink->flush_for(30s));
  const std::uint64_t written = sink->written();
  const std::uint64_t dropped = sink->dropped();
  sink.reset();
  std::fclose(w);  // EOF for the reader
  reader.join();
  ::close(fds[0]);

  EXPECT_EQ(written + dropped, emitted);
  EXPECT_EQ(lines_read, written);
  EXPECT_GT(written, 0u);
}

TEST(jsonl_sink, unopenable_file_throws_system_error) {
  EXPECT_THROW(jsonl_sink(fs::path("/nonexistent-dir-for-sse-test/x.jsonl"), "n"),
               std::system_error);
}

TEST(make_sink, none_is_a_null_sink) {
  auto s = make_sink("none", "n", nullptr);
  ASSERT_NE(s, nullptr);
  EXPECT_NE(dynamic_cast<null_sink*>(s.get()), nullptr);
  s->emit(make_event(names::stream_created, "s", 1));
  s->flush();
}

TEST(make_sink, stdout_is_a_jsonl_sink) {
  auto s = make_sink("stdout", "n", nullptr);
  EXPECT_NE(dynamic_cast<jsonl_sink*>(s.get()), nullptr);
}

TEST(make_sink, file_spec_writes_to_the_file) {
  temp_dir dir;
  const fs::path file = dir.path() / "spec.jsonl";
  metrics m;
  {
    auto s = make_sink("file:" + file.string(), "node-x", &m);
    ASSERT_NE(dynamic_cast<jsonl_sink*>(s.get()), nullptr);
    s->emit(make_event(names::stream_ended, "st", 3));
    s->flush();
    const auto lines = read_lines(file);
    ASSERT_EQ(lines.size(), 1u);
    const auto v = boost::json::parse(lines[0]);
    EXPECT_EQ(v.at("name").as_string(), "SseStreamEnded");
    EXPECT_EQ(v.at("node").as_string(), "node-x");
    EXPECT_EQ(v.at("stream").as_string(), "st");
  }
}

TEST(make_sink, bad_specs_throw) {
  EXPECT_THROW(make_sink("stderr", "n", nullptr), std::invalid_argument);
  EXPECT_THROW(make_sink("file:", "n", nullptr), std::invalid_argument);
  EXPECT_THROW(make_sink("", "n", nullptr), std::invalid_argument);
  EXPECT_THROW(make_sink("file:/nonexistent-dir-for-sse-test/x", "n", nullptr), std::system_error);
}

}  // namespace
}  // namespace sse::telemetry
