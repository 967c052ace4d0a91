// The stored form of DS data: base64 bytes plus the Stream-Seq and producer tokens.
#include "core/base64.hpp"
#include "durable/digits.hpp"
#include "durable/protocol.hpp"

namespace sse::durable {

using detail::digits_value;

std::string encode_stored(const stored_data& d) {
  std::string out = core::base64_encode(d.bytes);
  if (d.stream_seq) {
    out += " s";
    out += core::base64_encode(*d.stream_seq);
  }
  if (d.producer) {
    out += " p";
    out += core::base64_encode(d.producer->id);
    out += '.' + std::to_string(d.producer->epoch) + '.' + std::to_string(d.producer->seq);
  }
  return out;
}

std::optional<stored_data> decode_stored(std::string_view data) {
  stored_data out;
  auto space = data.find(' ');
  auto bytes = core::base64_decode(data.substr(0, space));
  if (!bytes) {
    return std::nullopt;
  }
  out.bytes = std::move(*bytes);
  while (space != std::string_view::npos) {
    data.remove_prefix(space + 1);
    space = data.find(' ');
    const auto token = data.substr(0, space);
    if (token.starts_with('s')) {
      auto seq = core::base64_decode(token.substr(1));
      if (!seq) {
        return std::nullopt;
      }
      out.stream_seq = std::move(*seq);
    } else if (token.starts_with('p')) {
      const auto dot1 = token.find('.');
      const auto dot2 = token.rfind('.');
      if (dot1 == std::string_view::npos || dot1 == dot2) {
        return std::nullopt;
      }
      auto id = core::base64_decode(token.substr(1, dot1 - 1));
      auto epoch = digits_value<std::uint64_t>(token.substr(dot1 + 1, dot2 - dot1 - 1));
      auto seq = digits_value<std::uint64_t>(token.substr(dot2 + 1));
      if (!id || !epoch || !seq) {
        return std::nullopt;
      }
      out.producer = producer_tag{std::move(*id), *epoch, *seq};
    } else {
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace sse::durable
