// A 512-bit Bloom filter of the words of a text ([A-Za-z0-9_] runs, without regard to case):
// what linkage keeps of a file it may need later, to re-read only files that can name one of
// the findings' variables or files (scan/scan.cpp, ObserveDeferred).
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace ntpsweep::scan {

class TokenFilter {
 public:
  // Adds every word of `text`.
  void AddWords(std::string_view text);
  // False when some word of `needle` (split like a text) was never added: the text cannot
  // contain `needle`.
  bool MayContain(std::string_view needle) const;

 private:
  template <typename F>
  static void ForEachWord(std::string_view text, F&& f);
  void Add(uint64_t hash);
  bool Has(uint64_t hash) const;
  std::array<uint64_t, 8> bits_{};
};

}  // namespace ntpsweep::scan
