#pragma once
// Text that goes into HTML and SVG: escaping and number formatting, in one place so that no
// page or chart writes a user-controlled string raw.

#include <string>
#include <string_view>

namespace sse::dashboard {

/// Escapes & < > " ' so the result is safe in element content and in quoted attributes.
std::string escape_html(std::string_view text);

/// `significant` significant digits, fixed notation, trailing zeros dropped
/// ("12.35", "0.0012", "12346"); "NaN"/"inf" spelled out.
std::string format_number(double v, int significant = 4);

}  // namespace sse::dashboard
