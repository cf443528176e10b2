#include "core/line_hash.h"

#include <array>
#include <cstdio>
#include <set>
#include <unordered_map>

namespace ntpsweep {
namespace {

constexpr int kBlock = 100;
constexpr uint64_t kMod = 37;
constexpr uint32_t kEof = 65535;

// Decodes UTF-8 into UTF-16 code units, as Node's "utf8" stream decoding does: the WHATWG UTF-8
// decoder, where each maximal subpart of an ill-formed sequence (e.g. a truncated "\xE2\x82")
// becomes one U+FFFD and an unfinished sequence at the end of the input becomes one U+FFFD.
template <typename F>
void ForEachUtf16Unit(std::string_view s, F&& emit) {
  uint32_t cp = 0;
  int needed = 0;
  int seen = 0;
  unsigned char lower = 0x80;
  unsigned char upper = 0xBF;
  size_t i = 0;
  while (i < s.size()) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (needed == 0) {
      ++i;
      if (c < 0x80) {
        emit(c);
      } else if (c >= 0xC2 && c <= 0xDF) {
        needed = 1;
        cp = c & 0x1F;
      } else if (c >= 0xE0 && c <= 0xEF) {
        if (c == 0xE0) lower = 0xA0;
        if (c == 0xED) upper = 0x9F;
        needed = 2;
        cp = c & 0x0F;
      } else if (c >= 0xF0 && c <= 0xF4) {
        if (c == 0xF0) lower = 0x90;
        if (c == 0xF4) upper = 0x8F;
        needed = 3;
        cp = c & 0x07;
      } else {
        emit(0xFFFD);
      }
      continue;
    }
    if (c < lower || c > upper) {
      // Ill-formed: replace what was read so far and decode this byte afresh.
      cp = 0;
      needed = seen = 0;
      lower = 0x80;
      upper = 0xBF;
      emit(0xFFFD);
      continue;
    }
    ++i;
    lower = 0x80;
    upper = 0xBF;
    cp = (cp << 6) | (c & 0x3F);
    if (++seen < needed) continue;
    if (cp >= 0x10000) {
      cp -= 0x10000;
      emit(0xD800 + (cp >> 10));
      emit(0xDC00 + (cp & 0x3FF));
    } else {
      emit(cp);
    }
    cp = 0;
    needed = seen = 0;
  }
  if (needed != 0) emit(0xFFFD);
}

// Calls on_line(line, hash) for every line 1..N in order: the rolling hash of the 100
// characters from the line's start, as upload-sarif computes it.
template <typename F>
void RollLineHashes(std::string_view text, F&& on_line) {
  std::array<uint32_t, kBlock> window{};
  std::array<int64_t, kBlock> line_numbers;
  line_numbers.fill(-1);
  uint64_t hash = 0;  // unsigned arithmetic wraps exactly like the signed 64-bit Long it mirrors
  uint64_t first_mod = 1;
  for (int i = 0; i < kBlock; ++i) first_mod *= kMod;
  int index = 0;
  int64_t line_number = 0;
  bool line_start = true;
  bool prev_cr = false;

  auto output = [&] {
    on_line(static_cast<size_t>(line_numbers[index]), hash);
    line_numbers[index] = -1;
  };
  auto update = [&](uint32_t current) {
    uint32_t begin = window[index];
    window[index] = current;
    hash = kMod * hash + current - first_mod * begin;
    index = (index + 1) % kBlock;
  };
  auto process = [&](uint32_t current) {
    if (current == ' ' || current == '\t' || (prev_cr && current == '\n')) {
      prev_cr = false;
      return;
    }
    if (current == '\r') {
      current = '\n';
      prev_cr = true;
    } else {
      prev_cr = false;
    }
    if (line_numbers[index] != -1) output();
    if (line_start) {
      line_start = false;
      line_numbers[index] = ++line_number;
    }
    if (current == '\n') line_start = true;
    update(current);
  };
  ForEachUtf16Unit(text, process);
  process(kEof);
  for (int i = 0; i < kBlock; ++i) {
    if (line_numbers[index] != -1) output();
    update(0);
  }
}

std::string Render(uint64_t hash, int count) {
  char buf[24];
  std::snprintf(buf, sizeof buf, "%llx", static_cast<unsigned long long>(hash));
  return std::string(buf) + ":" + std::to_string(count);
}

}  // namespace

std::vector<std::string> PrimaryLocationLineHashes(std::string_view text) {
  std::vector<std::string> out;
  std::unordered_map<uint64_t, int> counts;
  RollLineHashes(text, [&](size_t line, uint64_t hash) {
    if (out.size() < line) out.resize(line);
    out[line - 1] = Render(hash, ++counts[hash]);
  });
  return out;
}

std::unordered_map<uint32_t, std::string> PrimaryLocationLineHashes(
    std::string_view text, const std::vector<uint32_t>& lines) {
  std::set<uint32_t> wanted(lines.begin(), lines.end());
  // Two passes keep memory to the wanted lines: their hashes first, then how often each of
  // those hashes occurs up to each wanted line.
  std::unordered_map<uint32_t, uint64_t> hash_of;
  RollLineHashes(text, [&](size_t line, uint64_t hash) {
    if (wanted.count(static_cast<uint32_t>(line))) hash_of[static_cast<uint32_t>(line)] = hash;
  });
  std::unordered_map<uint64_t, int> counts;
  for (const auto& [line, hash] : hash_of) counts[hash] = 0;
  std::unordered_map<uint32_t, std::string> out;
  RollLineHashes(text, [&](size_t line, uint64_t hash) {
    auto c = counts.find(hash);
    if (c == counts.end()) return;
    ++c->second;
    if (wanted.count(static_cast<uint32_t>(line)))
      out[static_cast<uint32_t>(line)] = Render(hash, c->second);
  });
  return out;
}

}  // namespace ntpsweep
