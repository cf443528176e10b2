// Where a decoded text (an unquoted scalar, a heredoc, an embedded document) sits in the document
// it was decoded from, so facts and findings inside it point at the bytes the user wrote.
#pragma once

#include <cstddef>
#include <utility>
#include <vector>

namespace ntpsweep {

// Breakpoints (inner index, outer offset), ascending by inner index: from each breakpoint on,
// inner text is the outer text byte for byte until the next one. An inner index maps by its last
// breakpoint; escapes and joins start a new one.
using OffsetMap = std::vector<std::pair<size_t, size_t>>;

// The outer offset of inner index `inner`; `if_empty` when the map has no breakpoint (opaque,
// decoded content).
size_t OuterOffset(const OffsetMap& map, size_t inner, size_t if_empty);

// Whether inner[a, b) of a text of `inner_size` bytes is written verbatim in the outer document
// (no breakpoint inside it), so a view of the outer text can stand for it.
bool IsVerbatim(const OffsetMap& map, size_t a, size_t b, size_t inner_size);

}  // namespace ntpsweep
