// The one child process helper of tools and tests (tools/common/child_process.hpp).
#include "common/child_process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cerrno>

#include "bounded_wait.hpp"
#include "temp_dir.hpp"

namespace sse::test {
namespace {

using tools::child_options;
using tools::child_process;
using tools::describe_status;
using tools::exited_with;
using tools::find_executable;

child_options shell(std::string script) {
  child_options o;
  o.program = "/bin/sh";
  o.args = {"-c", std::move(script)};
  return o;
}

TEST(child_process, captures_stdout_stderr_and_exit_code) {
  child_process p(shell("echo out; echo err >&2; exit 3"));
  const auto status = p.wait_exit(std::chrono::seconds(10));
  ASSERT_TRUE(status);
  EXPECT_TRUE(exited_with(status, 3)) << describe_status(*status);
  EXPECT_EQ(p.stdout_text(), "out\n");
  EXPECT_EQ(p.stderr_text(), "err\n");
  EXPECT_FALSE(p.running());
  EXPECT_FALSE(p.signal(SIGTERM)) << "a reaped child must not be signalled";
}

TEST(child_process, passes_and_removes_environment_variables) {
  ::setenv("SSE_HARNESS_INHERITED", "yes", 1);
  auto o = shell("echo \"$SSE_HARNESS_ADDED/${SSE_HARNESS_INHERITED:-unset}\"");
  o.env = {{"SSE_HARNESS_ADDED", "a b"}};
  o.unset_env = {"SSE_HARNESS_INHERITED"};
  child_process p(std::move(o));
  ASSERT_TRUE(exited_with(p.wait_exit(std::chrono::seconds(10)), 0));
  EXPECT_EQ(p.stdout_text(), "a b/unset\n");
  ::unsetenv("SSE_HARNESS_INHERITED");
}

TEST(child_process, finds_programs_on_path) {
  child_options o;
  o.program = "sh";
  o.args = {"-c", "exit 0"};
  child_process p(std::move(o));
  EXPECT_TRUE(exited_with(p.wait_exit(std::chrono::seconds(10)), 0));
  EXPECT_FALSE(find_executable("sh").empty());
  EXPECT_TRUE(find_executable("no-such-program-for-sse-tests").empty());
}

TEST(child_process, wait_exit_is_bounded_and_signal_stops_the_child) {
  child_process p(shell("exec sleep 30"));
  EXPECT_TRUE(p.running());
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(p.wait_exit(std::chrono::milliseconds(100)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  ASSERT_TRUE(p.signal(SIGTERM));
  const auto status = p.wait_exit(std::chrono::seconds(10));
  ASSERT_TRUE(status);
  EXPECT_TRUE(WIFSIGNALED(*status));
  EXPECT_EQ(WTERMSIG(*status), SIGTERM);
  EXPECT_NE(describe_status(*status).find("signal 15"), std::string::npos);
}

TEST(child_process, destructor_kills_and_reaps_a_running_child) {
  pid_t pid = -1;
  {
    child_process p(shell("exec sleep 30"));
    pid = p.pid();
    ASSERT_GT(pid, 0);
  }
  errno = 0;
  EXPECT_EQ(::kill(pid, 0), -1);
  EXPECT_EQ(errno, ESRCH) << "the child must be gone (killed and reaped)";
}

TEST(child_process, sigstop_and_sigcont_keep_it_running) {
  child_process p(shell("exec sleep 30"));
  ASSERT_TRUE(p.signal(SIGSTOP));
  EXPECT_TRUE(p.running());
  ASSERT_TRUE(p.signal(SIGCONT));
  EXPECT_TRUE(p.running());
  EXPECT_TRUE(p.kill_and_wait());
}

TEST(child_process, missing_program_throws_with_its_name) {
  try {
    child_options o;
    o.program = "/nonexistent/sse-program";
    child_process p(std::move(o));
    FAIL() << "expected an exception";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent/sse-program"), std::string::npos);
  }
}

TEST(child_process, logs_can_share_a_folder) {
  temp_dir dir;
  auto a = shell("echo a");
  a.output_dir = dir.path();
  a.name = "first";
  auto b = shell("echo b");
  b.output_dir = dir.path();
  b.name = "second";
  child_process pa(std::move(a));
  child_process pb(std::move(b));
  ASSERT_TRUE(pa.wait_exit(std::chrono::seconds(10)));
  ASSERT_TRUE(pb.wait_exit(std::chrono::seconds(10)));
  EXPECT_EQ(read_file_text(dir / "first.stdout.log"), "a\n");
  EXPECT_EQ(read_file_text(dir / "second.stdout.log"), "b\n");
}

// The tools' way: both streams in one log, appended across runs (a restarted gateway).
TEST(child_process, a_combined_log_gets_both_streams_appended) {
  temp_dir dir;
  for (int run = 0; run < 2; ++run) {
    auto o = shell("echo out; echo err >&2");
    o.combined_log = dir / "both.log";
    child_process p(std::move(o));
    ASSERT_TRUE(exited_with(p.wait_exit(std::chrono::seconds(10)), 0));
    EXPECT_EQ(p.stdout_path(), dir / "both.log");
  }
  EXPECT_EQ(read_file_text(dir / "both.log"), "out\nerr\nout\nerr\n");
}

TEST(child_process, exit_code_reads_like_a_shells) {
  child_process exits(shell("exit 3"));
  ASSERT_TRUE(exits.wait_exit(std::chrono::seconds(10)));
  EXPECT_EQ(exits.exit_code(), 3);
  child_process killed(shell("exec sleep 30"));
  EXPECT_EQ(killed.exit_code(), -1) << "still running";
  ASSERT_TRUE(killed.kill_and_wait());
  EXPECT_EQ(killed.exit_code(), 128 + SIGKILL);
}

// stop() and a destructor with a grace send SIGTERM first: a tool stops the gateway it started.
TEST(child_process, stop_and_a_graceful_destructor_send_sigterm_first) {
  temp_dir dir;
  const auto trapping = [&](const std::string& marker) {
    return shell("trap 'echo term > " + (dir / marker).string() +
                 "; exit 7' TERM; echo ready; while :; do sleep 0.05; done");
  };
  child_process stopped(trapping("stopped"));
  ASSERT_TRUE(bounded_wait([&] { return stopped.stdout_text() == "ready\n"; }, 10s));
  EXPECT_TRUE(exited_with(stopped.stop(std::chrono::seconds(5)), 7));
  EXPECT_EQ(read_file_text(dir / "stopped"), "term\n");
  {
    auto o = trapping("destroyed");
    o.stop_grace = std::chrono::seconds(5);
    child_process destroyed(std::move(o));
    ASSERT_TRUE(bounded_wait([&] { return destroyed.stdout_text() == "ready\n"; }, 10s));
  }
  EXPECT_EQ(read_file_text(dir / "destroyed"), "term\n");
}

TEST(child_process, a_moved_child_is_stopped_by_its_new_owner_only) {
  child_process first(shell("exec sleep 30"));
  const pid_t pid = first.pid();
  child_process second(std::move(first));
  EXPECT_EQ(second.pid(), pid);
  EXPECT_EQ(first.pid(), -1);  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  EXPECT_FALSE(first.running());
  EXPECT_TRUE(second.running());
  first = std::move(second);
  EXPECT_TRUE(first.running());
  ASSERT_TRUE(first.kill_and_wait());
}

TEST(bounded_wait, returns_true_once_the_predicate_holds_and_false_at_the_deadline) {
  int calls = 0;
  EXPECT_TRUE(bounded_wait([&] { return ++calls >= 3; }, std::chrono::seconds(5),
                           std::chrono::milliseconds(1)));
  EXPECT_EQ(calls, 3);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(bounded_wait([] { return false; }, std::chrono::milliseconds(50)));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(50));
}

}  // namespace
}  // namespace sse::test
