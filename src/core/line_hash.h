// The rolling line hash GitHub's upload-sarif computes for partialFingerprints
// .primaryLocationLineHash. We compute it ourselves because files inside images and archives are
// not in the checkout, where upload-sarif would look for them.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace ntpsweep {

// Returns one value per line of `text` ("<hex>:<n>", n counting repeats of the same hash), for
// lines 1..N. The hash covers the 100 characters from the line start, skipping spaces and tabs,
// with CR and CRLF read as LF; characters are UTF-16 code units as in JavaScript.
std::vector<std::string> PrimaryLocationLineHashes(std::string_view text);

// The same values for the given lines only (absent for a line past the end); memory grows with
// the number of lines asked for, not with the text.
std::unordered_map<uint32_t, std::string> PrimaryLocationLineHashes(
    std::string_view text, const std::vector<uint32_t>& lines);

}  // namespace ntpsweep
