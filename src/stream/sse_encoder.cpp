#include "stream/sse_encoder.hpp"

#include <charconv>
#include <limits>

namespace sse::stream {
namespace {

void append_number(std::string& out, std::uint64_t n) {
  char buf[std::numeric_limits<std::uint64_t>::digits10 + 2];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), n);
  (void)ec;  // cannot fail: the buffer holds any uint64
  out.append(buf, end);
}

// Appends text with CR and LF replaced by spaces: for values that must stay on one line.
void append_single_line(std::string& out, std::string_view text) {
  for (char c : text) {
    out.push_back(c == '\r' || c == '\n' ? ' ' : c);
  }
}

// JSON string body (without quotes) for the few strings we embed in gap/reset/end data. They are
// tokens in practice, but escaping keeps the output valid JSON whatever they hold.
void append_json_escaped(std::string& out, std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20) {
      out.append("\\u00");
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 0xf]);
    } else {
      out.push_back(c);
    }
  }
}

void append_id_line(std::string& out, std::string_view epoch, seq_t seq) {
  out.append("id: ");
  append_single_line(out, epoch);
  out.push_back(':');
  append_number(out, seq);
  out.push_back('\n');
}

void append_data_lines(std::string& out, std::string_view data) {
  std::size_t start = 0;
  for (std::size_t i = 0; i < data.size(); ++i) {
    char c = data[i];
    if (c != '\r' && c != '\n') {
      continue;
    }
    out.append("data: ");
    out.append(data.substr(start, i - start));
    out.push_back('\n');
    if (c == '\r' && i + 1 < data.size() && data[i + 1] == '\n') {
      ++i;  // CRLF is one line break
    }
    start = i + 1;
  }
  // The last line; also the single empty line of empty data, and the empty line after a
  // trailing newline (the parser strips the final LF, so "a\n" round-trips).
  out.append("data: ");
  out.append(data.substr(start));
  out.push_back('\n');
}

}  // namespace

std::string encode_event(std::string_view epoch, seq_t seq, std::string_view type,
                         std::string_view data) {
  std::string out;
  out.reserve(epoch.size() + type.size() + data.size() + 48);
  append_id_line(out, epoch, seq);
  if (!type.empty()) {
    out.append("event: ");
    append_single_line(out, type);
    out.push_back('\n');
  }
  append_data_lines(out, data);
  out.push_back('\n');
  return out;
}

std::string encode_gap(std::string_view epoch, seq_t from, seq_t to, gap_reason reason) {
  std::string out;
  out.reserve(epoch.size() + 112);
  append_id_line(out, epoch, to);
  out.append("event: gap\ndata: {\"from\":");
  append_number(out, from);
  out.append(",\"to\":");
  append_number(out, to);
  switch (reason) {
    case gap_reason::trimmed:
      out.append(",\"reason\":\"trimmed\"}\n\n");
      break;
    case gap_reason::unreadable:
      out.append(",\"reason\":\"unreadable\"}\n\n");
      break;
    case gap_reason::checkpoint:
      out.append(",\"reason\":\"checkpoint\"}\n\n");
      break;
  }
  return out;
}

std::string encode_reset(std::string_view reason, std::string_view epoch, seq_t last_seq) {
  std::string out;
  out.reserve(2 * epoch.size() + reason.size() + 96);
  append_id_line(out, epoch, 0);
  out.append("event: reset\ndata: {\"reason\":\"");
  append_json_escaped(out, reason);
  out.append("\",\"epoch\":\"");
  append_json_escaped(out, epoch);
  out.append("\",\"last_seq\":");
  append_number(out, last_seq);
  out.append("}\n\n");
  return out;
}

std::string encode_retry(std::chrono::milliseconds retry) {
  std::string out = "retry: ";
  append_number(out, retry.count() < 0 ? 0 : static_cast<std::uint64_t>(retry.count()));
  out.append("\n\n");
  return out;
}

std::string encode_comment(std::string_view text) {
  std::string out = ": ";
  append_single_line(out, text);
  out.append("\n\n");
  return out;
}

std::string end_event_data(std::string_view status) {
  std::string out = "{\"status\":\"";
  append_json_escaped(out, status);
  out.append("\"}");
  return out;
}

stored_event make_stored_event(std::string_view epoch, seq_t seq, const new_event& e, bool is_end) {
  stored_event out;
  out.seq = seq;
  out.priority = e.priority;
  out.is_end = is_end;
  out.is_checkpoint = e.checkpoint && !is_end;
  out.size_bytes = static_cast<std::uint32_t>(event_size_bytes(e.type.size(), e.data.size()));
  out.frame = std::make_shared<const std::string>(encode_event(epoch, seq, e.type, e.data));
  return out;
}

}  // namespace sse::stream
