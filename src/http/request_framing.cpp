#include "http/request_framing.hpp"

#include <vector>

#include "core/text.hpp"

namespace sse::http {
namespace {

constexpr std::string_view crlf = "\r\n";

std::string_view trim_ows(std::string_view s) noexcept {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) {
    s.remove_suffix(1);
  }
  return s;
}

/// `value` quoted for a message when it is short printable ASCII; otherwise a placeholder, so
/// that the JSON answer never carries a client's raw bytes.
std::string quoted(std::string_view value) {
  constexpr std::size_t max_echo = 64;
  bool printable = value.size() <= max_echo;
  for (char c : value) {
    printable = printable && c >= 0x20 && c < 0x7f;
  }
  return printable ? "\"" + std::string(value) + "\"" : std::string("(not shown)");
}

struct field_counts {
  int host = 0;
  int content_length = 0;
  bool content_length_list = false;
  int transfer_encoding = 0;
  std::string transfer_encoding_value;  ///< the lines' values joined with ", "
  std::vector<std::string_view> codings;
  bool obs_fold = false;
};

field_counts count_fields(std::string_view block) {
  field_counts c;
  // The first line is the request line; the block ends with an empty line.
  std::size_t pos = block.find(crlf);
  while (pos != std::string_view::npos && pos + crlf.size() < block.size()) {
    pos += crlf.size();
    const std::size_t end = block.find(crlf, pos);
    const std::string_view line =
        block.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end;
    if (line.empty()) {
      break;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      c.obs_fold = true;
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) {
      continue;  // the parser refuses such a line before these checks run
    }
    const std::string_view name = line.substr(0, colon);
    const std::string_view value = trim_ows(line.substr(colon + 1));
    if (core::iequals(name, "host")) {
      ++c.host;
    } else if (core::iequals(name, "content-length")) {
      ++c.content_length;
      c.content_length_list = c.content_length_list || value.find(',') != std::string_view::npos;
    } else if (core::iequals(name, "transfer-encoding")) {
      ++c.transfer_encoding;
      if (!c.transfer_encoding_value.empty()) {
        c.transfer_encoding_value += ", ";
      }
      c.transfer_encoding_value += value;
      for (std::string_view rest = value; !rest.empty();) {
        const std::size_t comma = rest.find(',');
        const std::string_view coding = trim_ows(rest.substr(0, comma));
        rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
        if (!coding.empty()) {
          c.codings.push_back(coding);
        }
      }
    }
  }
  return c;
}

}  // namespace

std::size_t header_block_length(std::string_view bytes) noexcept {
  constexpr std::string_view end = "\r\n\r\n";
  const std::size_t at = bytes.find(end);
  return at == std::string_view::npos ? 0 : at + end.size();
}

std::optional<std::string> framing_problem(std::string_view block, unsigned http_version) {
  const field_counts c = count_fields(block);
  if (c.obs_fold) {
    return "a header line starts with a space or tab (obsolete line folding is not accepted)";
  }
  if (c.transfer_encoding > 0) {
    if (http_version < 11) {
      return "Transfer-Encoding is not allowed in an HTTP/1.0 request";
    }
    if (c.content_length > 0) {
      return "a request must not carry both Transfer-Encoding and Content-Length";
    }
    if (c.codings.size() != 1 || !core::iequals(c.codings.front(), "chunked")) {
      return "Transfer-Encoding " + quoted(c.transfer_encoding_value) +
             " is not supported: the only accepted transfer coding is \"chunked\"";
    }
  }
  if (c.content_length > 1 || c.content_length_list) {
    return "a request must carry at most one Content-Length, with one value";
  }
  if (http_version >= 11 && c.host == 0) {
    return "an HTTP/1.1 request must carry a Host header";
  }
  if (c.host > 1) {
    return "a request must carry at most one Host header";
  }
  return std::nullopt;
}

}  // namespace sse::http
