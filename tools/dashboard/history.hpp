#pragma once
// The history folder: one subfolder per gate run holding that run's summary.json and
// timeseries.json (tools/load/SCHEMA.md). Loading never stops at a bad run: each unusable
// folder or file becomes a skipped_run naming it, and the rest load.

#include <filesystem>
#include <string>
#include <vector>

#include "dashboard/problem.hpp"
#include "dashboard/run_record.hpp"

namespace sse::dashboard {

inline constexpr const char* summary_file = "summary.json";
inline constexpr const char* timeseries_file = "timeseries.json";

struct history {
  std::vector<run_record> runs;  ///< oldest first (by date, then commit, then id)
  std::vector<skipped_run> skipped;
};

/// Reads every subfolder of `dir`. Problems only when `dir` itself cannot be listed.
outcome<history> load_history(const std::filesystem::path& dir);

/// Reads and parses one run folder; `id` is the name it is known by.
outcome<run_record> load_run(const std::filesystem::path& run_dir, std::string id);

/// The name a run gets in a history: "<date as YYYYMMDDTHHMMSSZ>_<commit's first 8 chars>",
/// "nocommit" without a commit; only [A-Za-z0-9._-] so that it is a safe file name and URL.
std::string make_run_id(const run_summary& s);

/// Keeps [A-Za-z0-9._-] and turns anything else into '_' (never empty, never "." or "..").
std::string safe_name(std::string_view text);

/// The regular files directly in `dir` (not in subfolders), sorted by name.
outcome<std::vector<std::filesystem::path>> regular_files(const std::filesystem::path& dir);

/// The whole file, or a problem naming it.
outcome<std::string> read_text_file(const std::filesystem::path& file);

}  // namespace sse::dashboard
