#include "scan/token_filter.h"

#include <array>
#include <bit>

namespace ntpsweep::scan {
namespace {

// Word characters to their lower case; 0 for every other byte.
constexpr std::array<unsigned char, 256> kFold = [] {
  std::array<unsigned char, 256> t{};
  for (int c = 0; c < 256; ++c) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')
      t[c] = static_cast<unsigned char>(c);
    else if (c >= 'A' && c <= 'Z')
      t[c] = static_cast<unsigned char>(c - 'A' + 'a');
  }
  return t;
}();

constexpr size_t kMinWords = 8;    // 512 bits
constexpr size_t kMaxWords = 512;  // 32 Kibit
constexpr int kHashes = 3;

// FNV-1a is weak in its high bits: mixed so that every slice of it is usable.
uint64_t Mix(uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  return h;
}

// The bit of hash number `k` in a filter of `mask` + 1 bits.
size_t BitOf(uint64_t mixed, int k, size_t mask) {
  return static_cast<size_t>(mixed >> (k * 21)) & mask;
}

}  // namespace

template <typename F>
void TokenFilter::ForEachWord(std::string_view text, F&& f) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    while (p < end && !kFold[*p]) ++p;
    if (p == end) break;
    uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a over the lower-cased word
    do hash = (hash ^ kFold[*p++]) * 0x100000001b3ull;
    while (p < end && kFold[*p]);
    f(Mix(hash));
  }
}

void TokenFilter::AddWords(std::string_view text) {
  if (!bits_.empty()) {
    size_t mask = bits() - 1;
    ForEachWord(text, [&](uint64_t h) {
      for (int k = 0; k < kHashes; ++k) {
        size_t bit = BitOf(h, k, mask);
        bits_[bit >> 6] |= uint64_t{1} << (bit & 63);
      }
    });
    return;
  }
  // Filled at the largest size, then folded in halves (bit i lands on i mod the new size, which
  // is what MayContain asks) while at most a quarter of the bits is set: a word absent from the
  // text then passes 1 time in ~64.
  std::array<uint64_t, kMaxWords> full{};
  constexpr size_t kFullMask = kMaxWords * 64 - 1;
  ForEachWord(text, [&](uint64_t h) {
    for (int k = 0; k < kHashes; ++k) {
      size_t bit = BitOf(h, k, kFullMask);
      full[bit >> 6] |= uint64_t{1} << (bit & 63);
    }
  });
  size_t set = 0;
  for (uint64_t w : full) set += static_cast<size_t>(std::popcount(w));
  size_t words = kMinWords;
  while (words < kMaxWords && set * 4 > words * 64) words *= 2;
  bits_.assign(words, 0);
  for (size_t i = 0; i < kMaxWords; ++i) bits_[i & (words - 1)] |= full[i];
}

bool TokenFilter::MayContain(std::string_view needle) const {
  bool all = true;
  size_t mask = bits_.empty() ? 0 : bits() - 1;
  ForEachWord(needle, [&](uint64_t h) {
    if (bits_.empty()) {
      all = false;
      return;
    }
    for (int k = 0; k < kHashes; ++k) {
      size_t bit = BitOf(h, k, mask);
      all = all && (bits_[bit >> 6] & (uint64_t{1} << (bit & 63)));
    }
  });
  return all;
}

}  // namespace ntpsweep::scan
