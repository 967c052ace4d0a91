// sse-live-resume: the load tool and performance gate. Thin: options in, exit code
// out; see controller.hpp.
#include <signal.h>

#include "load/controller.hpp"
#include "load/options.hpp"

int main(int argc, char** argv) {
  // A peer that resets a connection must not kill the tool with SIGPIPE.
  ::signal(SIGPIPE, SIG_IGN);
  sse::load::load_options options;
  bool exit_now = false;
  const int rc = sse::load::parse_options(argc, argv, options, exit_now);
  if (exit_now) {
    return rc;
  }
  return sse::load::run_load(options);
}
