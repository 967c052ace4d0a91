// gateway_process against a stand-in script (the real binary is exercised by
// tests/integration): port file handshake, telemetry reading, stop status, start failures.
#include "gateway_process.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <fstream>

namespace sse::test {
namespace {

std::string write_script(const temp_dir& dir, const std::string& body) {
  const auto path = dir / "fake-gateway.sh";
  std::ofstream(path) << "#!/bin/sh\n" << body;
  ::chmod(path.c_str(), 0755);
  return path.string();
}

constexpr const char* fake_gateway = R"(
while [ $# -gt 0 ]; do
  case "$1" in
    --port-file) pf=$2; shift;;
    --telemetry) tf=${2#file:}; shift;;
    --extra) echo "extra=$2" >&2; shift;;
  esac
  shift
done
echo "env=$SSE_GATEWAY_LEAK/$FAKE_FLAG" >&2
trap 'echo "{\"name\":\"Stopped\"}" >> "$tf"; exit 0' TERM
echo '{"name":"SseStreamCreated","stream":"a","epoch":"abc123"}' > "$tf"
printf '{"name":"SseStreamCreated","stream":"b"}\n{"name":"Partial' >> "$tf"
printf 4242 > "$pf.tmp"; echo >> "$pf.tmp"; mv "$pf.tmp" "$pf"
while true; do sleep 0.02; done
)";

TEST(gateway_process, waits_for_the_port_file_and_reads_telemetry) {
  temp_dir scripts;
  ::setenv("SSE_GATEWAY_LEAK", "leaked", 1);
  gateway_options o;
  o.binary = write_script(scripts, fake_gateway);
  o.args = {"--extra", "x"};
  o.env = {{"FAKE_FLAG", "set"}};
  gateway_process gw(std::move(o));
  ::unsetenv("SSE_GATEWAY_LEAK");
  EXPECT_EQ(gw.port(), 4242);
  EXPECT_EQ(gw.base_url(), "http://127.0.0.1:4242");
  const auto& cmd = gw.command_line();
  ASSERT_GE(cmd.size(), 8u);
  EXPECT_EQ(cmd[0], "--listen");
  EXPECT_EQ(cmd[1], "127.0.0.1:0");
  EXPECT_EQ(cmd.back(), "x");

  const auto created = gw.wait_for_telemetry(
      "SseStreamCreated", [](const boost::json::object& o) { return o.contains("epoch"); });
  ASSERT_TRUE(created);
  EXPECT_EQ(created->at("stream").as_string(), "a");
  EXPECT_EQ(gw.telemetry_named("SseStreamCreated").size(), 2u);
  EXPECT_EQ(gw.telemetry_lines().size(), 2u) << "the unfinished last line is not parsed";
  EXPECT_FALSE(gw.wait_for_telemetry("Never", {}, std::chrono::milliseconds(50)));

  const auto status = gw.stop();
  ASSERT_TRUE(status);
  EXPECT_TRUE(tools::exited_with(status, 0)) << tools::describe_status(*status);
  EXPECT_NE(gw.stderr_text().find("extra=x"), std::string::npos) << gw.stderr_text();
  EXPECT_NE(gw.stderr_text().find("env=/set"), std::string::npos)
      << "inherited SSE_GATEWAY_* must be removed: " << gw.stderr_text();
}

TEST(gateway_process, a_binary_that_exits_early_reports_its_stderr) {
  temp_dir scripts;
  gateway_options o;
  o.binary = write_script(scripts, "echo 'bad flag --nope' >&2\nexit 2\n");
  try {
    gateway_process gw(std::move(o));
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("bad flag --nope"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("exited with 2"), std::string::npos) << e.what();
  }
}

TEST(gateway_process, a_binary_that_never_listens_times_out) {
  temp_dir scripts;
  gateway_options o;
  o.binary = write_script(scripts, "exec sleep 30\n");
  o.start_timeout = std::chrono::milliseconds(300);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_THROW(gateway_process gw(std::move(o)), std::runtime_error);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(gateway_process, stop_kills_a_process_that_ignores_sigterm) {
  temp_dir scripts;
  gateway_options o;
  o.binary = write_script(scripts, R"(
while [ $# -gt 0 ]; do case "$1" in --port-file) pf=$2; shift;; esac; shift; done
trap '' TERM
echo 4243 > "$pf"
while true; do sleep 0.02; done
)");
  gateway_process gw(std::move(o));
  EXPECT_FALSE(gw.stop(std::chrono::milliseconds(200)));
  EXPECT_FALSE(gw.running());
}

}  // namespace
}  // namespace sse::test
