#include "h2_tools.hpp"

#include <gtest/gtest.h>

#include "bounded_wait.hpp"

namespace sse::test::h2 {

tools::child_process start_tool(const std::string& program, const std::vector<std::string>& args) {
  tools::child_options o;
  o.program = program;
  o.args = args;
  o.name = program;
  return tools::child_process(std::move(o));
}

tool_result finish_tool(tools::child_process& p, std::chrono::milliseconds timeout) {
  tool_result r;
  if (!p.wait_exit(timeout)) {
    p.kill_and_wait();
    ADD_FAILURE() << p.options().program << " did not finish in " << timeout.count() << " ms";
  } else {
    r.exit_code = p.exit_code();
  }
  r.out = p.stdout_text();
  r.err = p.stderr_text();
  return r;
}

tool_result run_tool(const std::string& program, const std::vector<std::string>& args,
                     std::chrono::milliseconds timeout) {
  auto p = start_tool(program, args);
  return finish_tool(p, timeout);
}

curl_answer curl(bool h2, const std::string& method, const std::string& url,
                 const std::vector<std::string>& extra) {
  std::vector<std::string> args{
      "-s", "-X", method, "--max-time", "20", "-w", "\n%{http_version} %{http_code}"};
  args.push_back(h2 ? "--http2-prior-knowledge" : "--http1.1");
  if (method == "HEAD") {
    args = {"-s",
            "-I",
            "--max-time",
            "20",
            "-o",
            "/dev/null",
            "-w",
            "\n%{http_version} %{http_code}",
            h2 ? "--http2-prior-knowledge" : "--http1.1"};
  }
  args.insert(args.end(), extra.begin(), extra.end());
  args.push_back(url);
  const auto r = run_tool("curl", args);
  curl_answer a;
  const auto nl = r.out.rfind('\n');
  if (r.exit_code != 0 || nl == std::string::npos) {
    ADD_FAILURE() << "curl " << method << " " << url << " exited " << r.exit_code << ": " << r.err;
    return a;
  }
  a.body = r.out.substr(0, nl);
  const std::string tail = r.out.substr(nl + 1);
  const auto sp = tail.find(' ');
  a.http_version = tail.substr(0, sp);
  a.status = std::stoi(tail.substr(sp + 1));
  return a;
}

std::size_t count_of(const std::string& hay, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = hay.find(needle); at != std::string::npos; at = hay.find(needle, at + 1)) {
    ++n;
  }
  return n;
}

bool wait_for_output(tools::child_process& p, const std::string& marker,
                     std::chrono::milliseconds timeout) {
  bounded_wait([&] { return p.stdout_text().find(marker) != std::string::npos || !p.running(); },
               timeout);
  return p.stdout_text().find(marker) != std::string::npos;
}

curl_answer append_event(const gateway_process& gw, bool h2, const std::string& id,
                         const std::string& data) {
  return curl(h2, "POST", gw.base_url() + "/v1/streams/" + id + "/events",
              {"-H", "Content-Type: application/json", "--data", R"({"data":")" + data + "\"}"});
}

gateway_options h2_gateway(std::vector<std::string> args) {
  gateway_options o;
  o.args = {"--auth", "none"};
  o.args.insert(o.args.end(), args.begin(), args.end());
  o.name = "h2";
  return o;
}

}  // namespace sse::test::h2
