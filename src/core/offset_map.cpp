#include "core/offset_map.h"

#include <algorithm>
#include <string_view>

namespace ntpsweep {

constexpr size_t kNpos = std::string_view::npos;

size_t OuterOffset(const OffsetMap& map, size_t inner, size_t if_empty) {
  if (map.empty()) return if_empty;
  auto it = std::upper_bound(map.begin(), map.end(), std::make_pair(inner, kNpos));
  if (it != map.begin()) --it;
  return it->second + (inner - it->first);
}

bool IsVerbatim(const OffsetMap& map, size_t a, size_t b, size_t inner_size) {
  if (map.empty()) return false;
  auto it = std::upper_bound(map.begin(), map.end(), std::make_pair(a, kNpos));
  if (it == map.begin()) return false;
  size_t next = it == map.end() ? inner_size : it->first;
  return b <= next;
}

}  // namespace ntpsweep
