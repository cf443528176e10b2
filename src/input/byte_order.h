// Little-endian fields of on-disk structures (GPT, ext4, VMDK, zip), read from bytes in hand.
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

}  // namespace ntpsweep::input
