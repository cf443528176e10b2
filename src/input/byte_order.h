// Fields of on-disk structures, read from bytes in hand: little-endian (GPT, ext4, VMDK, zip) and
// big-endian (XFS).
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

}  // namespace ntpsweep::input
