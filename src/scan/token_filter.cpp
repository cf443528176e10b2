#include "scan/token_filter.h"

namespace ntpsweep::scan {
namespace {

bool IsWordChar(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

template <typename F>
void TokenFilter::ForEachWord(std::string_view text, F&& f) {
  uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a over the lower-cased word
  bool in_word = false;
  for (unsigned char c : text) {
    if (IsWordChar(c)) {
      if (c >= 'A' && c <= 'Z') c = static_cast<unsigned char>(c - 'A' + 'a');
      hash = (hash ^ c) * 0x100000001b3ull;
      in_word = true;
    } else if (in_word) {
      f(hash);
      hash = 0xcbf29ce484222325ull;
      in_word = false;
    }
  }
  if (in_word) f(hash);
}

void TokenFilter::Add(uint64_t hash) {
  for (int k = 0; k < 3; ++k) {  // three bits from three 9-bit slices of the hash
    unsigned bit = static_cast<unsigned>(hash >> (k * 9)) & 511u;
    bits_[bit >> 6] |= uint64_t{1} << (bit & 63);
  }
}

bool TokenFilter::Has(uint64_t hash) const {
  for (int k = 0; k < 3; ++k) {
    unsigned bit = static_cast<unsigned>(hash >> (k * 9)) & 511u;
    if (!(bits_[bit >> 6] & (uint64_t{1} << (bit & 63)))) return false;
  }
  return true;
}

void TokenFilter::AddWords(std::string_view text) {
  ForEachWord(text, [this](uint64_t h) { Add(h); });
}

bool TokenFilter::MayContain(std::string_view needle) const {
  bool all = true;
  ForEachWord(needle, [&](uint64_t h) { all = all && Has(h); });
  return all;
}

}  // namespace ntpsweep::scan
