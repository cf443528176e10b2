#include "input/member_path.h"

#include <vector>

namespace ntpsweep::input {

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}

namespace {

// No empty, "." or ".." segment: the name is its own normal form (most members of a tar).
bool IsNormal(std::string_view name) {
  if (name.empty() || name.front() == '/' || name.back() == '/') return false;
  for (size_t i = 0; i < name.size(); ++i) {
    bool starts = i == 0 || name[i - 1] == '/';
    if (name[i] == '/' && name[i + 1] == '/') return false;  // i + 1 < size: back() is not '/'
    if (starts && name[i] == '.') {
      size_t dots = i + 1 < name.size() && name[i + 1] == '.' ? 2 : 1;
      if (i + dots == name.size() || name[i + dots] == '/') return false;
    }
  }
  return true;
}

}  // namespace

std::string NormalizeMemberName(std::string_view name, bool* unsafe) {
  *unsafe = false;
  std::string_view rest = name;
  while (rest.starts_with("./")) rest.remove_prefix(2);  // `tar -C root .` writes "./etc/..."
  if (IsNormal(rest)) return std::string(rest);
  std::string out;
  size_t i = 0;
  if (name.starts_with('/')) *unsafe = true;
  while (i <= name.size()) {
    size_t j = name.find('/', i);
    if (j == std::string_view::npos) j = name.size();
    std::string_view seg = name.substr(i, j - i);
    if (seg == "..") {
      *unsafe = true;
      size_t slash = out.rfind('/');
      out.erase(slash == std::string::npos ? 0 : slash);  // never above the archive's root
    } else if (!seg.empty() && seg != ".") {
      if (!out.empty()) out += '/';
      out += seg;
    }
    i = j + 1;
  }
  return out;
}

std::string ResolveInsideRoot(const std::string& link, const std::string& target) {
  if (target.empty()) return "";
  std::string joined = target.starts_with('/') ? target : DirOf(link) + target;
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= joined.size()) {
    size_t j = joined.find('/', i);
    if (j == std::string::npos) j = joined.size();
    std::string seg = joined.substr(i, j - i);
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!seg.empty() && seg != ".") {
      parts.push_back(std::move(seg));
    }
    i = j + 1;
  }
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : "/") + p;
  return out;
}

std::string FollowLinks(const std::map<std::string, std::string>& links, const std::string& link) {
  std::string p = link;
  for (int hops = 0; hops < 8; ++hops) {
    auto it = links.find(p);
    if (it == links.end()) return p;
    p = ResolveInsideRoot(p, it->second);
    if (p.empty()) return "";
  }
  return "";
}

}  // namespace ntpsweep::input
