#pragma once
// `perf-dashboard add`: copies one gate output folder into the history under its run id,
// after checking that the dashboard can read it.

#include <filesystem>
#include <string>

#include "dashboard/problem.hpp"

namespace sse::dashboard {

struct added_run {
  std::string id;
  std::filesystem::path destination;
  bool replaced = false;  ///< an earlier copy of the same run was overwritten (--force)
};

/// Problems: the result folder does not parse (the message names the file and why), the run
/// is already in the history and `force` is false, or a copy fails. The history folder is
/// created when missing. The copy lands in a temporary folder first and is renamed into
/// place, so a failed add leaves no partial run behind.
outcome<added_run> add_run(const std::filesystem::path& history_dir,
                           const std::filesystem::path& result_dir, bool force);

}  // namespace sse::dashboard
