#include "config/env_file.hpp"

#include <gtest/gtest.h>

#include <map>
#include <sstream>
#include <string>

#include "config/parse.hpp"
#include "config/settings.hpp"
#include "config/version.hpp"

namespace sse::config {
namespace {

/// The `#SSE_GATEWAY_X=value` lines of the file, by variable.
std::map<std::string, std::string> commented_variables(const std::string& text) {
  std::map<std::string, std::string> vars;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("#SSE_GATEWAY_")) {
      const auto eq = line.find('=');
      vars[line.substr(1, eq - 1)] = line.substr(eq + 1);
    }
  }
  return vars;
}

TEST(env_file, lists_every_setting_commented_out_with_its_default) {
  const config defaults{};
  const std::string text = env_file_text(defaults);
  const auto vars = commented_variables(text);
  EXPECT_EQ(vars.size(), settings().size());
  for (const auto& s : settings()) {
    auto it = vars.find(s.env);
    ASSERT_NE(it, vars.end()) << s.env;
    EXPECT_EQ(it->second, s.show(defaults)) << s.env;
    EXPECT_NE(text.find("# --" + s.name + ": " + s.help + "\n"), std::string::npos) << s.name;
  }
  EXPECT_NE(text.find("#SSE_GATEWAY_LISTEN=127.0.0.1:8080\n"), std::string::npos);
  EXPECT_NE(text.find("#SSE_GATEWAY_MAX_CONNECTIONS=20000\n"), std::string::npos);
  EXPECT_NE(text.find("#SSE_GATEWAY_SHUTDOWN_GRACE=5s\n"), std::string::npos);
}

TEST(env_file, sets_nothing_as_it_stands) {
  std::istringstream in(env_file_text(config{}));
  for (std::string line; std::getline(in, line);) {
    EXPECT_TRUE(line.empty() || line.starts_with("#")) << line;
  }
}

// Uncommenting every line must give the defaults back, through the same parser the gateway
// runs: a default the file writes in a form the parser refuses would stop the service.
TEST(env_file, every_line_uncommented_parses_to_the_defaults) {
  const config defaults{};
  const auto vars = commented_variables(env_file_text(defaults));
  const char* argv[] = {"sse-gateway"};
  auto out = parse_config(1, argv, [&vars](const char* name) -> const char* {
    auto it = vars.find(name);
    return it == vars.end() ? nullptr : it->second.c_str();
  });
  ASSERT_FALSE(out.exit_now) << out.message;
  for (const auto& s : settings()) {
    if (s.name == "node-id") {
      continue;  // empty means hostname-pid, filled in by parse_config
    }
    EXPECT_EQ(s.show(out.cfg), s.show(defaults)) << s.env;
  }
}

// systemd's EnvironmentFile= and a shell's `.` (the package test sources it) must read each
// value alike: no quotes, spaces, `$`, backslashes or `#` in a default.
TEST(env_file, defaults_read_the_same_by_systemd_and_a_shell) {
  for (const auto& [var, value] : commented_variables(env_file_text(config{}))) {
    EXPECT_EQ(value.find_first_of(" \t\"'$\\#`;&|<>(){}"), std::string::npos)
        << var << "=" << value;
  }
}

// A conffile: dpkg asks about an edited copy whenever the packaged text changes, so the text
// must change only with the settings, not with every version.
TEST(env_file, does_not_name_the_version) {
  EXPECT_EQ(env_file_text(config{}).find(gateway_version()), std::string::npos);
}

TEST(env_file, print_env_file_prints_it_whatever_the_environment) {
  const char* argv[] = {"sse-gateway", "--print-env-file"};
  auto out = parse_config(2, argv, [](const char* name) -> const char* {
    return std::string(name) == "SSE_GATEWAY_LISTEN" ? "0.0.0.0:1" : nullptr;
  });
  EXPECT_TRUE(out.exit_now);
  EXPECT_EQ(out.exit_code, 0);
  EXPECT_EQ(out.message, env_file_text(config{}));
}

TEST(env_file, print_env_file_is_not_in_help) {
  const char* argv[] = {"sse-gateway", "--help"};
  auto out = parse_config(2, argv, [](const char*) -> const char* { return nullptr; });
  EXPECT_EQ(out.message.find("print-env-file"), std::string::npos);
}

}  // namespace
}  // namespace sse::config
