// perf-dashboard: the gate's history as a static site. Thin: parses the command line
// and calls history loading, site writing or add_run; every problem becomes a line on stderr.

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "dashboard/add_run.hpp"
#include "dashboard/history.hpp"
#include "dashboard/site_writer.hpp"
#include "dashboard/trends.hpp"

namespace {

namespace dash = sse::dashboard;

int build_site(const std::string& history_dir, const std::string& site_dir,
               const dash::regression_options& options) {
  auto h = dash::load_history(history_dir);
  if (!h) {
    std::fprintf(stderr, "perf-dashboard: %s\n", h.error().message.c_str());
    return 1;
  }
  for (const dash::skipped_run& s : h->skipped) {
    std::fprintf(stderr, "perf-dashboard: skipped %s: %s\n", s.name.c_str(), s.reason.c_str());
  }
  std::error_code ec;
  std::filesystem::create_directories(site_dir, ec);
  auto written = dash::write_site(site_dir, *h, options);
  if (!written) {
    std::fprintf(stderr, "perf-dashboard: %s\n", written.error().message.c_str());
    return 1;
  }
  const auto flags = dash::regression_flags(dash::compute_trend_groups(h->runs, options));
  std::printf(
      "perf-dashboard: wrote %s/index.html: %zu run(s), %zu skipped, %zu setup error(s), %zu "
      "regression(s)\n",
      site_dir.c_str(), h->runs.size(), h->skipped.size(), dash::setup_error_runs(h->runs).size(),
      flags.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"perf-dashboard: trends of the performance gate across runs, as a static site"};
  app.require_subcommand(1);

  std::string history_dir;
  std::string site_dir;
  dash::regression_options options;
  CLI::App* build = app.add_subcommand("build", "Read a history folder and write the site");
  build->add_option("--history", history_dir, "History folder: one subfolder per gate run")
      ->required();
  build->add_option("--out", site_dir, "Site folder to write (index.html, runs/)")->required();
  build
      ->add_option("--regression-margin", options.margin,
                   "Flag a run worse than the baseline median by more than this fraction")
      ->check(CLI::Range(0.0, 100.0));
  build
      ->add_option("--baseline-runs", options.baseline_runs,
                   "Baseline: median of this many previous runs")
      ->check(CLI::Range(1, 1000));

  std::string add_history;
  std::string result_dir;
  bool force = false;
  CLI::App* add = app.add_subcommand("add", "Copy a gate output folder into the history");
  add->add_option("--history", add_history, "History folder (created when missing)")->required();
  add->add_option("--run", result_dir, "Gate output folder (summary.json, timeseries.json, ...)")
      ->required();
  add->add_flag("--force", force, "Replace the run when it is already in the history");

  CLI11_PARSE(app, argc, argv);

  if (*build) {
    return build_site(history_dir, site_dir, options);
  }
  auto added = dash::add_run(add_history, result_dir, force);
  if (!added) {
    std::fprintf(stderr, "perf-dashboard: %s\n", added.error().message.c_str());
    return 1;
  }
  std::printf("perf-dashboard: %s run %s as %s\n", added->replaced ? "replaced" : "added",
              added->id.c_str(), added->destination.string().c_str());
  return 0;
}
