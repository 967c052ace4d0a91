#pragma once
// The demo page served at GET / with --demo: one self-contained HTML document (inline CSS and
// JavaScript, no external requests).

#include <string_view>

namespace sse::http {

std::string_view demo_page_html() noexcept;

}  // namespace sse::http
