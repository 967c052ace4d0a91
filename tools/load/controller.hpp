#pragma once
// Runs one load test end to end: starts the gateway (and redis-server) when asked, spreads
// producers and subscribers over the worker threads, closes a gate window every --window,
// checks the resume-latency rule as it happens, stops at the first failure or at --duration,
// and writes the artifacts.

#include "load/options.hpp"

namespace sse::load {

/// Returns the process exit code: 0 gate passed, 1 gate failed, 2 setup error.
int run_load(const load_options& options);

}  // namespace sse::load
