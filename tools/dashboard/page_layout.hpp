#pragma once
// The HTML shell shared by every page: doctype, inline stylesheet, no external resource of
// any kind, so that the site works from file:// and from any static host.

#include <string>
#include <string_view>

namespace sse::dashboard {

/// A whole document. `title` is escaped here; `body` is markup the caller built escaped.
std::string html_page(std::string_view title, std::string_view body);

}  // namespace sse::dashboard
