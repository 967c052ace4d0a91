#include "dashboard/history.hpp"

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "dashboard/artifact_parser.hpp"

namespace sse::dashboard {

namespace fs = std::filesystem;

outcome<std::vector<fs::path>> regular_files(const fs::path& dir) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  std::vector<fs::path> files;
  for (; !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::error_code type_ec;
    if (it->is_regular_file(type_ec)) {
      files.push_back(it->path());
    }
  }
  if (ec) {
    return failure("cannot list " + dir.string() + ": " + ec.message());
  }
  std::sort(files.begin(), files.end());
  return files;
}

outcome<std::string> read_text_file(const fs::path& file) {
  std::error_code ec;
  if (!fs::is_regular_file(file, ec)) {
    return failure("missing (partial run?)");
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    return failure("cannot be opened");
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return failure("read error");
  }
  return text.str();
}

std::string safe_name(std::string_view text) {
  std::string out;
  for (const char c : text) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    out += ok ? c : '_';
  }
  if (out.empty() || out == "." || out == "..") {
    out = "_" + out;
  }
  return out;
}

std::string make_run_id(const run_summary& s) {
  std::string date;
  for (const char c : s.date) {
    if (c != '-' && c != ':') {
      date += c;
    }
  }
  // Fractional seconds or offsets would make ids longer but not less unique; cut at 'Z'.
  if (const auto z = date.find('Z'); z != std::string::npos) {
    date.resize(z + 1);
  }
  const std::string commit = s.commit ? s.commit->substr(0, 8) : "nocommit";
  return safe_name(date + "_" + commit);
}

outcome<run_record> load_run(const fs::path& run_dir, std::string id) {
  run_record run;
  run.id = std::move(id);
  run.dir = run_dir.string();
  auto summary_text = read_text_file(run_dir / summary_file);
  if (!summary_text) {
    return problem(summary_text.error().message, summary_file);
  }
  auto summary = parse_summary(*summary_text);
  if (!summary) {
    return problem(summary.error().message, summary_file);
  }
  auto series_text = read_text_file(run_dir / timeseries_file);
  if (!series_text) {
    return problem(series_text.error().message, timeseries_file);
  }
  auto series = parse_timeseries(*series_text);
  if (!series) {
    return problem(series.error().message, timeseries_file);
  }
  run.summary = std::move(*summary);
  run.series = std::move(*series);
  auto files = regular_files(run_dir);
  if (!files) {
    return files.error();
  }
  for (const fs::path& file : *files) {
    // Only names that are safe in a URL as they are get copied into the site and linked.
    const std::string name = file.filename().string();
    if (safe_name(name) == name) {
      run.artifacts.push_back(name);
    }
  }
  std::sort(run.artifacts.begin(), run.artifacts.end());
  return run;
}

outcome<history> load_history(const fs::path& dir) {
  std::error_code ec;
  fs::directory_iterator it(dir, ec);
  if (ec) {
    return failure("cannot list history folder " + dir.string() + ": " + ec.message());
  }
  std::vector<fs::path> folders;
  for (; it != fs::directory_iterator(); it.increment(ec)) {
    if (ec) {
      return failure("cannot list history folder " + dir.string() + ": " + ec.message());
    }
    std::error_code type_ec;
    if (it->is_directory(type_ec)) {
      folders.push_back(it->path());
    }
  }
  std::sort(folders.begin(), folders.end());

  history h;
  std::set<std::string> ids;
  for (const fs::path& folder : folders) {
    const std::string name = folder.filename().string();
    if (name.empty() || name.front() == '.') {
      continue;
    }
    auto run = load_run(folder, safe_name(name));
    if (!run) {
      const problem& p = run.error();
      h.skipped.push_back({p.file.empty() ? name : name + "/" + p.file, p.message});
      continue;
    }
    if (!ids.insert(run->id).second) {
      h.skipped.push_back({name, "its page name " + run->id + " is taken by another folder"});
      continue;
    }
    h.runs.push_back(std::move(*run));
  }
  std::stable_sort(h.runs.begin(), h.runs.end(), [](const run_record& a, const run_record& b) {
    const auto key = [](const run_record& r) {
      return std::tie(r.summary.date, r.summary.commit, r.id);
    };
    return key(a) < key(b);
  });
  return h;
}

}  // namespace sse::dashboard
