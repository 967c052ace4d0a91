#pragma once
// The HTTP/2 clients of tests/h2 as child processes, every run bounded in time.

#include <chrono>
#include <string>
#include <vector>

#include "common/child_process.hpp"
#include "gateway_process.hpp"

namespace sse::test::h2 {

struct tool_result {
  int exit_code = -1;  ///< -1: it did not finish in time (killed)
  std::string out;
  std::string err;
};

/// Runs `program` (looked up on PATH) to its end, at most `timeout`.
tool_result run_tool(const std::string& program, const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout = std::chrono::seconds(30));

/// A started tool, for clients that must be running while the test appends.
tools::child_process start_tool(const std::string& program, const std::vector<std::string>& args);

/// Waits, at most `timeout`, until a started tool has printed `marker` (or exited): true when it
/// printed it.
bool wait_for_output(tools::child_process& p, const std::string& marker,
                     std::chrono::milliseconds timeout);

/// Waits for a started tool; its result as run_tool gives it.
tool_result finish_tool(tools::child_process& p, std::chrono::milliseconds timeout);

/// curl's answer split into status and body: `-w '\n%{http_code}'` appends the status.
struct curl_answer {
  int status = 0;
  std::string body;
  std::string http_version;  ///< "2" or "1.1"
};
curl_answer curl(bool h2, const std::string& method, const std::string& url,
                 const std::vector<std::string>& extra = {});
/// POSTs one event `{"data": data}` (data: plain text, no JSON escaping) to stream `id` with
/// curl, over h2c or HTTP/1.1.
curl_answer append_event(const gateway_process& gw, bool h2, const std::string& id,
                         const std::string& data);

/// A gateway for the h2 tests: no access control (`--auth none`), then `args`.
gateway_options h2_gateway(std::vector<std::string> args = {});

/// How often `needle` occurs in `hay`.
std::size_t count_of(const std::string& hay, const std::string& needle);

}  // namespace sse::test::h2
