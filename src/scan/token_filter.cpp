#include "scan/token_filter.h"

#include <array>
#include <bit>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ntpsweep::scan {
namespace {

// Bit i: byte i of the 64 at `p` is a word character ([A-Za-z0-9_]).
uint64_t WordMask(const unsigned char* p) {
#if defined(__SSE2__)
  uint64_t mask = 0;
  for (int k = 0; k < 4; ++k) {
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
    __m128i lower = _mm_or_si128(c, _mm_set1_epi8(0x20));  // bytes >= 0x80 compare negative
    __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(lower, _mm_set1_epi8('a' - 1)),
                                   _mm_cmplt_epi8(lower, _mm_set1_epi8('z' + 1)));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(c, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(c, _mm_set1_epi8('9' + 1)));
    __m128i word = _mm_or_si128(_mm_or_si128(letter, digit), _mm_cmpeq_epi8(c, _mm_set1_epi8('_')));
    mask |= uint64_t{static_cast<uint16_t>(_mm_movemask_epi8(word))} << (16 * k);
  }
  return mask;
#else
  uint64_t mask = 0;
  for (int i = 0; i < 64; ++i) {
    unsigned char c = p[i], lower = c | 0x20;
    bool word = (lower >= 'a' && lower <= 'z') || (c >= '0' && c <= '9') || c == '_';
    mask |= uint64_t{word} << i;
  }
  return mask;
#endif
}

// The hash of the word p[0..n) without regard to case, eight bytes at a time; `end` bounds
// what may be read. OR 0x20 lower-cases letters and keeps digits; '_' becomes 0x7f, still unique.
uint64_t HashWord(const unsigned char* p, size_t n, const unsigned char* end) {
  constexpr uint64_t kLower = 0x2020202020202020ull, kMul = 0xff51afd7ed558ccdull;
  uint64_t h = 0x9e3779b97f4a7c15ull ^ n;
  for (; n >= 8; p += 8, n -= 8) {
    uint64_t v;
    std::memcpy(&v, p, 8);
    h = (h ^ (v | kLower)) * kMul;
    h ^= h >> 29;
  }
  if (n) {
    uint64_t v = 0;
    if (end - p >= 8)
      std::memcpy(&v, p, 8);
    else
      std::memcpy(&v, p, n);
    uint64_t keep = (uint64_t{1} << (8 * n)) - 1;  // little- or big-endian alike: bytes kept
    if constexpr (std::endian::native == std::endian::big) keep = ~(~uint64_t{0} >> (8 * n));
    h = (h ^ ((v | kLower) & keep)) * kMul;
  }
  return h;
}

constexpr size_t kMinWords = 8;    // 512 bits
constexpr size_t kMaxWords = 512;  // 32 Kibit
constexpr int kHashes = 3;

// A final mix, so that every slice of the word hash is usable as a bit index.
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
  // Word starts and ends come from a 64-bit mask per 64 bytes: no branch per byte.
  const auto* base = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = base + text.size();
  size_t start = 0;
  uint64_t carry = 0;  // the byte before this block was a word character
  alignas(16) unsigned char tail[64];
  for (size_t block = 0; block < text.size(); block += 64) {
    uint64_t mask;
    if (text.size() - block >= 64) {
      mask = WordMask(base + block);
    } else {
      std::memset(tail, 0, sizeof tail);
      std::memcpy(tail, base + block, text.size() - block);
      mask = WordMask(tail);
    }
    uint64_t before = (mask << 1) | carry;  // bit i: byte i - 1 is a word character
    for (uint64_t edges = mask ^ before; edges; edges &= edges - 1) {
      size_t at = block + static_cast<size_t>(std::countr_zero(edges));
      if ((mask >> (at - block)) & 1)
        start = at;
      else
        f(Mix(HashWord(base + start, at - start, end)));
    }
    carry = mask >> 63;
  }
  if (carry) f(Mix(HashWord(base + start, text.size() - start, end)));
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

TokenFilter TokenFilter::Wide() {
  TokenFilter f;
  f.bits_.assign(kMaxWords, 0);
  return f;
}

void TokenFilter::Merge(const TokenFilter& other) {
  for (size_t i = 0; i < bits_.size() && i < other.bits_.size(); ++i) bits_[i] |= other.bits_[i];
}

size_t TokenFilter::set_bits() const {
  size_t set = 0;
  for (uint64_t w : bits_) set += static_cast<size_t>(std::popcount(w));
  return set;
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
