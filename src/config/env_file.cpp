#include "config/env_file.hpp"

#include "config/settings.hpp"

namespace sse::config {

std::string env_file_text(const config& defaults) {
  std::string out =
      "# /etc/default/sse-gateway: settings of the sse-gateway service, read by systemd\n"
      "# (EnvironmentFile= in sse-gateway.service) before it starts the gateway.\n"
      "#\n"
      "# Every setting of the gateway is listed below, commented out, with its default; uncomment\n"
      "# a line and change its value to set it, then `systemctl restart sse-gateway`. An empty\n"
      "# value counts as unset. Write VAR=value with no spaces around `=` and no quotes needed:\n"
      "# systemd reads this file, not a shell. `sse-gateway --help` says more about each one.\n"
      "#\n"
      // No version in here: the text changes only when the settings do, so that dpkg asks
      // about an edited copy (a conffile) only on upgrades that change it.
      "# Written by `sse-gateway --print-env-file`; the package keeps your edits on upgrade.\n"
      "#\n"
      "# The gateway refuses to start until access control is chosen: set SSE_GATEWAY_AUTH.\n";
  for (const setting& s : settings()) {
    out += "\n# --" + s.name + ": " + s.help + "\n";
    out += "#   (" + s.expect + ")\n";
    out += "#" + s.env + "=" + s.show(defaults) + "\n";
  }
  return out;
}

}  // namespace sse::config
