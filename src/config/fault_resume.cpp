#include "config/fault_resume.hpp"

#include "config/duration.hpp"

namespace sse::config {
namespace {

/// Splits off the text before the next comma.
std::string_view next_item(std::string_view& rest) {
  const auto comma = rest.find(',');
  const std::string_view item = rest.substr(0, comma);
  rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
  return item;
}

}  // namespace

result<resume_fault> parse_fault_resume(std::string_view text) {
  resume_fault f;
  if (text.empty() || text == "none") {
    return f;
  }
  if (text.ends_with(',')) {
    return errc::invalid_argument;
  }
  std::string_view rest = text;
  const std::string_view head = next_item(rest);
  if (head == "refuse") {
    f.what = resume_fault::action::refuse;
  } else if (head.starts_with("delay=")) {
    auto d = parse_duration(head.substr(6));
    if (!d || d->count() == 0) {
      return errc::invalid_argument;
    }
    f.what = resume_fault::action::delay;
    f.delay = *d;
  } else {
    return errc::invalid_argument;
  }
  bool have_after = false;
  bool have_for = false;
  while (!rest.empty()) {
    const std::string_view item = next_item(rest);
    const auto eq = item.find('=');
    if (eq == std::string_view::npos) {
      return errc::invalid_argument;
    }
    const std::string_view key = item.substr(0, eq);
    auto d = parse_duration(item.substr(eq + 1));
    if (!d) {
      return errc::invalid_argument;
    }
    if (key == "after" && !have_after) {
      f.after = *d;
      have_after = true;
    } else if (key == "for" && !have_for && d->count() > 0) {
      f.span = *d;
      have_for = true;
    } else {
      return errc::invalid_argument;
    }
  }
  if (!have_for) {
    return errc::invalid_argument;
  }
  return f;
}

std::string format_fault_resume(const resume_fault& f) {
  std::string out;
  switch (f.what) {
    case resume_fault::action::none:
      return out;
    case resume_fault::action::refuse:
      out = "refuse";
      break;
    case resume_fault::action::delay:
      out = "delay=" + format_duration(f.delay);
      break;
  }
  out += ",after=" + format_duration(f.after) + ",for=" + format_duration(f.span);
  return out;
}

}  // namespace sse::config
