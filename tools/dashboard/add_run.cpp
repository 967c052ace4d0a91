#include "dashboard/add_run.hpp"

#include "dashboard/history.hpp"

namespace sse::dashboard {

namespace fs = std::filesystem;

outcome<added_run> add_run(const fs::path& history_dir, const fs::path& result_dir, bool force) {
  auto run = load_run(result_dir, "");
  if (!run) {
    const problem& p = run.error();
    return problem((result_dir / p.file).string() + ": " + p.message, p.file);
  }
  added_run added;
  added.id = make_run_id(run->summary);
  added.destination = history_dir / added.id;

  std::error_code ec;
  fs::create_directories(history_dir, ec);
  if (ec) {
    return failure("cannot create " + history_dir.string() + ": " + ec.message());
  }
  const bool exists = fs::exists(added.destination, ec);
  if (exists && !force) {
    return failure("run " + added.id + " (commit " + run->summary.commit.value_or("unknown") +
                   ", " + run->summary.date + ") is already in " + history_dir.string() +
                   "; use --force to replace it");
  }
  const fs::path staging = history_dir / ("." + added.id + ".adding");
  fs::remove_all(staging, ec);
  fs::create_directories(staging, ec);
  if (ec) {
    return failure("cannot create " + staging.string() + ": " + ec.message());
  }
  // The artifacts are the folder's files; subfolders (the gate's run/ logs) stay out of the
  // history, which keeps it small enough to publish and cache.
  auto files = regular_files(result_dir);
  if (!files) {
    fs::remove_all(staging, ec);
    return files.error();
  }
  for (const fs::path& file : *files) {
    fs::copy_file(file, staging / file.filename(), ec);
    if (ec) {
      const std::string message =
          "cannot copy " + file.string() + " into " + staging.string() + ": " + ec.message();
      fs::remove_all(staging, ec);
      return failure(message);
    }
  }
  if (exists) {
    fs::remove_all(added.destination, ec);
    if (ec) {
      return failure("cannot remove the earlier " + added.destination.string() + ": " +
                     ec.message());
    }
    added.replaced = true;
  }
  fs::rename(staging, added.destination, ec);
  if (ec) {
    return failure("cannot rename " + staging.string() + " to " + added.destination.string() +
                   ": " + ec.message());
  }
  return added;
}

}  // namespace sse::dashboard
