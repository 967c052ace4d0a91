#include "core/base64.hpp"

#include <array>
#include <cstdint>

namespace sse::core {
namespace {

constexpr std::string_view url_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
constexpr std::string_view std_alphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

using decode_table = std::array<std::int8_t, 256>;

constexpr decode_table make_table(std::string_view alphabet) {
  decode_table t{};
  for (auto& v : t) {
    v = -1;
  }
  for (std::size_t i = 0; i < alphabet.size(); ++i) {
    t[static_cast<unsigned char>(alphabet[i])] = static_cast<std::int8_t>(i);
  }
  return t;
}

constexpr decode_table url_table = make_table(url_alphabet);
constexpr decode_table std_table = make_table(std_alphabet);

// Unpadded: 6 bits per character in, 8 bits per byte out. `canonical`: leftover bits must be
// zero.
std::optional<std::string> decode_bits(std::string_view in, const decode_table& table,
                                       bool canonical) {
  if (in.size() % 4 == 1) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(in.size() * 3 / 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    const std::int8_t v = table[static_cast<unsigned char>(c)];
    if (v < 0) {
      return std::nullopt;
    }
    acc = (acc << 6) | static_cast<std::uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  if (canonical && bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
    return std::nullopt;
  }
  return out;
}

std::string encode_bits(std::string_view in, std::string_view alphabet) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  std::uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    acc = (acc << 8) | static_cast<unsigned char>(c);
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(alphabet[(acc >> bits) & 0x3f]);
    }
  }
  if (bits > 0) {
    out.push_back(alphabet[(acc << (6 - bits)) & 0x3f]);
  }
  return out;
}

}  // namespace

std::optional<std::string> base64url_decode(std::string_view in) {
  return decode_bits(in, url_table, true);
}

std::string base64url_encode(std::string_view in) {
  return encode_bits(in, url_alphabet);
}

std::string base64_encode(std::string_view in) {
  std::string out = encode_bits(in, std_alphabet);
  out.append((4 - out.size() % 4) % 4, '=');
  return out;
}

std::optional<std::string> base64_decode(std::string_view in) {
  if (in.size() % 4 != 0) {
    return std::nullopt;
  }
  // Up to two `=` at the end; one anywhere else is outside the alphabet below.
  for (int i = 0; i < 2 && !in.empty() && in.back() == '='; ++i) {
    in.remove_suffix(1);
  }
  return decode_bits(in, std_table, false);
}

}  // namespace sse::core
