// Fields of on-disk structures, read from bytes in hand: little-endian (GPT, ext4, VMDK, zip) and
// big-endian (XFS); the CRCs their headers carry.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace ntpsweep::input {

// The `bytes`-byte little-endian number at `off` of `s`; the caller has checked the bounds.
inline uint64_t Le(std::string_view s, size_t off, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i)
    v = (v << 8) | static_cast<unsigned char>(s[off + static_cast<size_t>(i)]);
  return v;
}

// The `bytes`-byte big-endian number at `off` of `s`; the caller has checked the bounds.
inline uint64_t Be(std::string_view s, size_t off, int bytes) {
  uint64_t v = 0;
  for (int i = 0; i < bytes; ++i)
    v = (v << 8) | static_cast<unsigned char>(s[off + static_cast<size_t>(i)]);
  return v;
}

// The reflected CRC-32 of `data` with polynomial `poly`: kCrc32 (zlib's, GPT's) or kCrc32c
// (Castagnoli's, VHDX's). Bit by bit: it checks headers of a few KiB, each once.
inline constexpr uint32_t kCrc32 = 0xEDB88320u, kCrc32c = 0x82F63B78u;
inline uint32_t ReflectedCrc32(std::string_view data, uint32_t poly) {
  uint32_t c = 0xFFFFFFFFu;
  for (unsigned char b : data) {
    c ^= b;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (poly & (0u - (c & 1u)));
  }
  return ~c;
}

}  // namespace ntpsweep::input
