#pragma once
// Writes the static site: SITE/index.html, SITE/runs/<id>.html and each run's artifacts under
// SITE/runs/<id>/ (linked from its page). The pages are rendered by index_page and run_page.

#include <filesystem>

#include "dashboard/history.hpp"
#include "dashboard/problem.hpp"
#include "dashboard/regression.hpp"

namespace sse::dashboard {

/// Replaces SITE/runs (the tool owns it) and SITE/index.html. Problems: a file or folder that
/// cannot be written; the message names it.
outcome<void> write_site(const std::filesystem::path& site, const history& h,
                         const regression_options& options);

/// Writes `text` to `file` (through a temporary beside it, renamed, so a reader never sees a
/// half-written page).
outcome<void> write_text_file(const std::filesystem::path& file, std::string_view text);

}  // namespace sse::dashboard
