#include "core/fingerprint.h"

#include <cstdio>
#include <map>

#include "core/file.h"

namespace ntpsweep {

uint64_t Fnv1a64(std::string_view data, uint64_t seed) {
  uint64_t h = seed;
  for (unsigned char c : data) {
    h ^= c;
    h *= 0x100000001b3ull;
  }
  return h;
}

std::string NormalizeLine(std::string_view line) {
  std::string out;
  bool space = false;
  for (char c : line) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f') {
      space = !out.empty();
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

Location ScanRootLocation(const Location& location, const std::string& root) {
  Location out = location;
  if (!out.chain.empty()) out.chain.front() = ScanRootPath(out.chain.front(), root);
  return out;
}

void AssignFingerprints(std::vector<Finding>* findings, const std::string& root) {
  std::map<uint64_t, unsigned> seen;
  std::string outer, outer_at_root;  // the last outermost path and where it is from the root
  for (Finding& f : *findings) {
    std::string key(kFingerprintName);
    Location at_root = f.location;
    if (!root.empty() && !at_root.chain.empty()) {
      if (at_root.chain.front() != outer) {
        outer = at_root.chain.front();
        outer_at_root = ScanRootPath(outer, root);
      }
      at_root.chain.front() = outer_at_root;
    }
    const std::string path = at_root.Render(), line = NormalizeLine(f.line_text);
    for (const std::string* part : std::initializer_list<const std::string*>{&f.rule_id, &path, &f.matched, &line}) {
      key += '\0';
      key += *part;
    }
    uint64_t h = Fnv1a64(key);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%016llx:%u", static_cast<unsigned long long>(h), ++seen[h]);
    f.fingerprint = buf;
  }
}

}  // namespace ntpsweep
