#include "dashboard/site_writer.hpp"

#include <fstream>

#include "dashboard/index_page.hpp"
#include "dashboard/run_page.hpp"

namespace sse::dashboard {

namespace fs = std::filesystem;

outcome<void> write_text_file(const fs::path& file, std::string_view text) {
  fs::path temporary = file;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) {
      return problem("cannot create " + temporary.string(), temporary.string());
    }
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.flush();
    if (!out) {
      return problem("cannot write " + temporary.string(), temporary.string());
    }
  }
  std::error_code ec;
  fs::rename(temporary, file, ec);
  if (ec) {
    return problem("cannot rename " + temporary.string() + ": " + ec.message(), file.string());
  }
  return {};
}

outcome<void> write_site(const fs::path& site, const history& h,
                         const regression_options& options) {
  std::error_code ec;
  const fs::path runs_dir = site / "runs";
  fs::remove_all(runs_dir, ec);
  if (ec) {
    return problem("cannot clear " + runs_dir.string() + ": " + ec.message(), runs_dir.string());
  }
  fs::create_directories(runs_dir, ec);
  if (ec) {
    return problem("cannot create " + runs_dir.string() + ": " + ec.message(), runs_dir.string());
  }
  for (std::size_t i = 0; i < h.runs.size(); ++i) {
    const run_record& r = h.runs[i];
    const fs::path files = runs_dir / r.id;
    fs::create_directories(files, ec);
    if (ec) {
      return problem("cannot create " + files.string() + ": " + ec.message(), files.string());
    }
    for (const std::string& artifact : r.artifacts) {
      fs::copy_file(fs::path(r.dir) / artifact, files / artifact,
                    fs::copy_options::overwrite_existing, ec);
      if (ec) {
        return problem("cannot copy " + artifact + " of " + r.id + ": " + ec.message(),
                       (files / artifact).string());
      }
    }
    auto page = write_text_file(runs_dir / (r.id + ".html"), render_run_page(h.runs, i));
    if (!page) {
      return page;
    }
  }
  return write_text_file(site / "index.html", render_index(h, options));
}

}  // namespace sse::dashboard
