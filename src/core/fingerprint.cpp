#include "core/fingerprint.h"

#include <cstdio>
#include <map>

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

void AssignFingerprints(std::vector<Finding>* findings) {
  std::map<uint64_t, unsigned> seen;
  for (Finding& f : *findings) {
    std::string key(kFingerprintName);
    const std::string path = f.location.Render(), line = NormalizeLine(f.line_text);
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
