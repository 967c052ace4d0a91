#pragma once
// Redis Cluster key slots, as the cluster specification defines them: CRC16 (XMODEM: poly 0x1021,
// init 0, no reflection) of the key's hash tag, modulo 16384. Pure functions, no I/O.

#include <cstdint>
#include <string_view>

namespace sse::redis::cluster {

inline constexpr std::uint16_t slot_count = 16384;

/// CRC16-CCITT (XMODEM), the checksum Redis Cluster uses: crc16("123456789") == 0x31C3.
std::uint16_t crc16(std::string_view bytes) noexcept;

/// The part of key that is hashed: the text between the first '{' and the next '}' when that is
/// not empty, else the whole key ("{user1000}.following" -> "user1000", "foo{}{bar}" -> all).
std::string_view hash_tag(std::string_view key) noexcept;

/// The slot (0..16383) that owns key.
std::uint16_t key_slot(std::string_view key) noexcept;

}  // namespace sse::redis::cluster
