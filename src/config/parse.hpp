#pragma once
// The only reader of the command line and the environment (SSE_GATEWAY_*).

#include <cstdlib>
#include <functional>
#include <string>

#include "config/config.hpp"
#include "config/version.hpp"  // gateway_version(), which --version prints

namespace sse::config {

struct parse_outcome {
  config cfg;
  bool exit_now = false;   ///< --help, --version, or an invalid setting: print message and exit
  int exit_code = 0;       ///< 0 for --help/--version, 2 for any invalid flag, value or variable
  std::string message;     ///< help/version text (stdout) or the error (stderr), ends with '\n'
  std::string subcommand;  ///< "" to serve; "migrate" to upgrade legacy Redis streams and exit
};

/// Fills a config from flags, then SSE_GATEWAY_<UPPER_SNAKE> variables (read through `getenv`,
/// so tests inject their own), then the defaults of config.hpp: a flag wins over its variable.
/// An empty variable counts as unset. Every field of config has a flag: `--listen` ...
/// `--compress-min-bytes` (see --help). An empty node id becomes node_id_default().
///
/// Subcommand `migrate` takes `--store` (a Redis URL: redis://, redis-cluster:// or
/// redis-sentinel://) and `--redis-prefix`;
/// the other flags may come before it.
///
/// `--version` prints "sse-gateway 0.1.0 (git a9eabbf)". The hidden `--print-env-file` prints
/// env_file_text() of the defaults (config/env_file.hpp); both exit 0.
///
/// Never throws for bad input: it sets exit_now/exit_code 2 with a message naming the flag or
/// variable, the value and what was expected. Called once, at startup, on the main thread.
parse_outcome parse_config(int argc, const char* const* argv,
                           const std::function<const char*(const char*)>& getenv = ::getenv);

/// "<hostname>-<pid>": unique enough per process on one network, stable for its lifetime.
std::string node_id_default();

}  // namespace sse::config
