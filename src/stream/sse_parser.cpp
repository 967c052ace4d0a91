#include "stream/sse_parser.hpp"

namespace sse::stream {
namespace {

constexpr std::string_view utf8_bom = "\xEF\xBB\xBF";

// retry: ASCII digits only; a value that overflows is ignored like any other invalid one.
std::optional<std::uint64_t> parse_retry(std::string_view value) {
  if (value.empty()) {
    return std::nullopt;
  }
  std::uint64_t n = 0;
  for (char c : value) {
    if (c < '0' || c > '9') {
      return std::nullopt;
    }
    auto digit = static_cast<std::uint64_t>(c - '0');
    if (n > (UINT64_MAX - digit) / 10) {
      return std::nullopt;
    }
    n = n * 10 + digit;
  }
  return n;
}

}  // namespace

std::vector<parsed_event> sse_parser::feed(std::string_view bytes) {
  std::vector<parsed_event> out;
  if (!bom_checked_) {
    // The BOM may itself be split across feeds: hold bytes until they either complete it or
    // stop matching it.
    while (!bytes.empty() && bom_.size() < utf8_bom.size() &&
           bytes.front() == utf8_bom[bom_.size()]) {
      bom_.push_back(bytes.front());
      bytes.remove_prefix(1);
    }
    if (bom_.size() == utf8_bom.size()) {
      bom_checked_ = true;
      bom_.clear();
    } else if (!bytes.empty()) {
      bom_checked_ = true;
      std::string held = std::move(bom_);
      bom_.clear();
      if (!held.empty()) {
        auto first = feed(held);
        out.insert(out.end(), first.begin(), first.end());
      }
    } else {
      return out;  // everything so far matched a BOM prefix; wait for more
    }
  }

  std::size_t start = 0;
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    char c = bytes[i];
    if (skip_lf_) {
      skip_lf_ = false;
      if (c == '\n') {
        start = i + 1;
        continue;
      }
    }
    if (c != '\r' && c != '\n') {
      continue;
    }
    line_.append(bytes.substr(start, i - start));
    process_line(line_, out);
    line_.clear();
    if (c == '\r') {
      if (i + 1 < bytes.size()) {
        if (bytes[i + 1] == '\n') {
          ++i;
        }
      } else {
        skip_lf_ = true;  // the LF of a CRLF may open the next chunk
      }
    }
    start = i + 1;
  }
  if (start < bytes.size()) {
    line_.append(bytes.substr(start));
  }
  return out;
}

void sse_parser::process_line(std::string_view line, std::vector<parsed_event>& out) {
  if (line.empty()) {
    dispatch(out);
    return;
  }
  if (line.front() == ':') {
    ++comments_;
    return;
  }
  auto colon = line.find(':');
  if (colon == std::string_view::npos) {
    process_field(line, {});
    return;
  }
  std::string_view value = line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') {
    value.remove_prefix(1);
  }
  process_field(line.substr(0, colon), value);
}

void sse_parser::process_field(std::string_view field, std::string_view value) {
  if (field == "event") {
    event_type_.assign(value);
  } else if (field == "data") {
    data_.append(value);
    data_.push_back('\n');
    has_data_ = true;
  } else if (field == "id") {
    if (value.find('\0') == std::string_view::npos) {
      last_event_id_.assign(value);
      id_set_ = true;
    }
  } else if (field == "retry") {
    if (auto ms = parse_retry(value)) {
      reconnection_time_ = ms;
      block_retry_ = ms;
    }
  }
  // Any other field is ignored (spec).
}

void sse_parser::dispatch(std::vector<parsed_event>& out) {
  if (has_data_) {
    parsed_event e;
    e.id = last_event_id_;
    e.id_set = id_set_;
    e.event = std::move(event_type_);
    data_.pop_back();  // the LF appended after the last data line
    e.data = std::move(data_);
    e.retry = block_retry_;
    out.push_back(std::move(e));
  }
  data_.clear();
  event_type_.clear();
  has_data_ = false;
  id_set_ = false;
  block_retry_.reset();
}

}  // namespace sse::stream
