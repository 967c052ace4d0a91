#pragma once
// The environment file of the service (/etc/default/sse-gateway, read by systemd's
// EnvironmentFile=): written from the settings table, so that it lists every setting the gateway
// has, under the name and with the default the gateway itself uses. The package build runs
// `sse-gateway --print-env-file` to make it; a hand-kept copy would drift.

#include <string>

#include "config/config.hpp"

namespace sse::config {

/// The file's text: a header saying how the file is read, then one block per setting, in --help
/// order: `# --flag: help`, `#   (what a valid value looks like)` and the variable commented out
/// with its default, `#SSE_GATEWAY_LISTEN=127.0.0.1:8080`. Uncommenting a line as it stands
/// sets the default again. Every line ends with '\n'. Pure.
std::string env_file_text(const config& defaults);

}  // namespace sse::config
