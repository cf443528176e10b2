// A Bloom filter of the words of a text ([A-Za-z0-9_] runs, without regard to case): what
// linkage keeps of a file it may need later, to re-read only files that can name one of the
// findings' variables or files (scan/scan.cpp, ObserveDeferred). Sized by the text: 512 bits
// for a few dozen words, up to 32 Kibit for thousands (a fixed 512 bits filled up on a long
// changelog and said yes to every needle, so most deferred archive members were read again).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace ntpsweep::scan {

class TokenFilter {
 public:
  // Adds every word of `text`. The first call sizes the filter for its text; later calls add
  // to it at that size.
  void AddWords(std::string_view text);
  // False when some word of `needle` (split like a text) was never added: the text cannot
  // contain `needle`.
  bool MayContain(std::string_view needle) const;
  // Bits the filter holds (what it costs to keep).
  size_t bits() const { return bits_.size() * 64; }

  // A filter at the largest size from the start, for the words of many texts: one member's
  // filter merges into another's (scan/member_links.h keeps one per group of members).
  static TokenFilter Wide();
  // Adds every word `other` holds; both were made by Wide().
  void Merge(const TokenFilter& other);
  // How many of its bits are set (how full it is).
  size_t set_bits() const;

 private:
  template <typename F>
  static void ForEachWord(std::string_view text, F&& f);
  std::vector<uint64_t> bits_;  // a power of two of words, or empty before any word
};

}  // namespace ntpsweep::scan
