// Small text helpers shared by the readers in this directory.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "core/strings.h"  // Trim

namespace ntpsweep::syntax {

inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

// Base64 (standard and URL alphabets, padding and white space ignored); false on bad input.
bool DecodeBase64(std::string_view in, std::string* out);
// gzip or zlib stream; false when it is neither or is corrupt. Output is capped at `limit`.
bool Gunzip(std::string_view in, std::string* out, size_t limit = 16u << 20);
// RFC 3986 percent-decoding ("%20" -> " ").
std::string PercentDecode(std::string_view in);

}  // namespace ntpsweep::syntax
