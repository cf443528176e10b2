// Counts in human messages with their noun in the right number: "1 file", "2 files".
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace ntpsweep {

inline std::string Counted(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + ' ' + std::string(n == 1 ? one : many);
}

}  // namespace ntpsweep
