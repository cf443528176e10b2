#include <cstdio>

#include "core/file.h"
#include "report/report.h"

namespace ntpsweep::report {

Location RootLocations::Of(const Location& location) {
  Location out = location;
  if (root_.empty() || out.chain.empty()) return out;
  auto it = outer_.find(out.chain.front());
  if (it == outer_.end())
    it = outer_.emplace(out.chain.front(), ScanRootPath(out.chain.front(), root_)).first;
  out.chain.front() = it->second;
  return out;
}

std::string PathToUri(const std::string& path, bool* relative) {
  std::string out;
  *relative = path.empty() || path.front() != '/';
  if (!*relative) out = "file://";
  for (unsigned char c : path) {
    bool keep = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == '+' || c == '=' ||
                c == ',' || c == '@';
    // ':' is encoded too, so a first segment like "c:x" never reads as a URI scheme.
    if (keep) {
      out += static_cast<char>(c);
    } else {
      char buf[4];
      std::snprintf(buf, sizeof buf, "%%%02X", c);
      out += buf;
    }
  }
  return out;
}

}  // namespace ntpsweep::report
