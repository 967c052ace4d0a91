#include "store/redis/record.hpp"

#include <charconv>

#include "store/redis/compression.hpp"
#include "stream/sse_encoder.hpp"

namespace sse::store::redis_layout {
namespace {

constexpr unsigned char format_version = 1;
constexpr unsigned char flag_zstd = 1;
constexpr unsigned char flag_end = 2;
constexpr std::size_t header_bytes = 4;

bool parse_u64(std::string_view s, std::uint64_t& out) {
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && ec == std::errc{} && ptr == s.data() + s.size();
}

}  // namespace

encoded_record encode_record(const stream::new_event& e, bool is_end,
                             std::size_t compress_min_bytes, int level) {
  encoded_record r;
  r.size_bytes = static_cast<std::uint32_t>(stream::event_size_bytes(e.type.size(), e.data.size()));
  std::string packed;
  if (e.data.size() >= compress_min_bytes) {
    packed = zstd_compress(e.data, level);
    // Kept compressed only when it saves at least an eighth: a frame a few bytes smaller still
    // costs a decompression on every node that delivers it.
    r.compressed = !packed.empty() && packed.size() <= e.data.size() - e.data.size() / 8;
  }
  const std::string_view type = std::string_view(e.type).substr(0, 255);
  const std::string_view data = r.compressed ? std::string_view(packed) : std::string_view(e.data);
  r.bytes.reserve(header_bytes + type.size() + data.size());
  r.bytes.push_back(static_cast<char>(format_version));
  r.bytes.push_back(static_cast<char>((r.compressed ? flag_zstd : 0) | (is_end ? flag_end : 0)));
  r.bytes.push_back(static_cast<char>(e.priority));
  r.bytes.push_back(static_cast<char>(type.size()));
  r.bytes.append(type);
  r.bytes.append(data);
  return r;
}

result<stream::stored_event> decode_member(std::string_view member, std::string_view epoch) {
  auto colon = member.find(':');
  std::uint64_t seq = 0;
  if (colon == std::string_view::npos || !parse_u64(member.substr(0, colon), seq)) {
    return errc::internal;
  }
  std::string_view rec = member.substr(colon + 1);
  if (rec.size() < header_bytes || static_cast<unsigned char>(rec[0]) != format_version) {
    return errc::internal;
  }
  const auto flags = static_cast<unsigned char>(rec[1]);
  const int priority = static_cast<unsigned char>(rec[2]);
  const std::size_t type_len = static_cast<unsigned char>(rec[3]);
  if (priority > max_priority || rec.size() < header_bytes + type_len) {
    return errc::internal;
  }
  stream::new_event e;
  e.priority = priority;
  e.type.assign(rec.substr(header_bytes, type_len));
  std::string_view data = rec.substr(header_bytes + type_len);
  if ((flags & flag_zstd) != 0) {
    auto plain = zstd_decompress(data, max_record_data);
    if (!plain) {
      return plain.error();
    }
    e.data = std::move(*plain);
  } else {
    e.data.assign(data);
  }
  return stream::make_stored_event(epoch, seq, e, (flags & flag_end) != 0);
}

result<live_message> parse_live_message(std::string_view payload) {
  live_message m;
  if (!payload.empty() && payload.front() == '!') {
    m.gone = true;
    m.epoch = payload.substr(1);
    return m;
  }
  auto nl = payload.find('\n');
  if (nl == std::string_view::npos) {
    return errc::internal;
  }
  m.epoch = payload.substr(0, nl);
  std::string_view rest = payload.substr(nl + 1);
  while (!rest.empty()) {
    auto colon = rest.find(':');
    std::uint64_t len = 0;
    if (colon == std::string_view::npos || !parse_u64(rest.substr(0, colon), len) ||
        rest.size() - colon - 1 < len) {
      return errc::internal;
    }
    m.members.push_back(rest.substr(colon + 1, len));
    rest.remove_prefix(colon + 1 + len);
  }
  return m;
}

}  // namespace sse::store::redis_layout
