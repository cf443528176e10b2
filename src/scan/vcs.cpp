#include "scan/vcs.h"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <set>

#include "core/program.h"
#include "core/strings.h"

namespace ntpsweep::scan {
namespace {

namespace fs = std::filesystem;

std::string ToLower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Whether git could find a repository for `dir`: GIT_DIR is set, or `dir` or a directory above
// it (physically, as git walks after chdir) holds a `.git` entry or is itself a git directory
// (HEAD, objects, refs). False only when git would find none, so no process is started for it.
bool MayBeInRepository(const std::string& dir) {
  if (const char* git_dir = std::getenv("GIT_DIR"); git_dir && *git_dir) return true;
  std::error_code ec;
  fs::path p = fs::canonical(dir, ec);
  if (ec) return true;  // git reports it
  auto has = [](const fs::path& d, const char* name) {
    struct stat st;
    return lstat((d / name).c_str(), &st) == 0;
  };
  for (;;) {
    if (has(p, ".git") || (has(p, "HEAD") && has(p, "objects") && has(p, "refs"))) return true;
    if (!p.has_parent_path() || p.parent_path() == p) return false;
    p = p.parent_path();
  }
}

}  // namespace

std::string NormalizeRemoteUrl(const std::string& url_in) {
  std::string url = url_in;
  std::string scheme, rest;
  size_t sep = url.find("://");
  if (sep != std::string::npos) {
    scheme = ToLower(url.substr(0, sep));
    rest = url.substr(sep + 3);
    if (scheme == "ssh" || scheme == "git+ssh") scheme = "https";
  } else {
    // scp-like "user@host:path" (a ':' before any '/').
    size_t colon = url.find(':');
    size_t slash = url.find('/');
    if (colon == std::string::npos || colon == 0 || (slash != std::string::npos && slash < colon))
      return "";
    scheme = "https";
    rest = url.substr(0, colon) + "/" + url.substr(colon + 1);
  }
  if (scheme != "https" && scheme != "http" && scheme != "git") return "";
  size_t path_start = rest.find('/');
  std::string authority = rest.substr(0, path_start);
  std::string path = path_start == std::string::npos ? "" : rest.substr(path_start);
  size_t at = authority.rfind('@');
  if (at != std::string::npos) authority.erase(0, at + 1);  // never leak a token
  // ssh ports are not https ports.
  if (sep != std::string::npos && ToLower(url.substr(0, sep)).find("ssh") != std::string::npos) {
    size_t port = authority.rfind(':');
    if (port != std::string::npos) authority.erase(port);
  }
  if (authority.empty()) return "";
  if (path.ends_with(".git")) path.resize(path.size() - 4);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return scheme + "://" + authority + path;
}

std::optional<VcsInfo> DetectGit(const std::string& dir) {
  if (!MayBeInRepository(dir)) return std::nullopt;
  auto top = RunProgram(GitArgv(dir, {"rev-parse", "--show-toplevel"}));
  if (!top) return std::nullopt;
  VcsInfo info;
  info.toplevel = std::string(Chomp(*top));
  if (info.toplevel.empty()) return std::nullopt;
  if (auto rev = RunProgram(GitArgv(dir, {"rev-parse", "--verify", "-q", "HEAD"})))
    info.revision = std::string(Chomp(*rev));
  if (auto br = RunProgram(GitArgv(dir, {"symbolic-ref", "-q", "--short", "HEAD"})))
    info.branch = std::string(Chomp(*br));
  if (auto remote = RunProgram(GitArgv(dir, {"config", "--get", "remote.origin.url"})))
    info.repository_uri = NormalizeRemoteUrl(std::string(Chomp(*remote)));
  if (info.repository_uri.empty()) info.repository_uri = "file://" + info.toplevel + "/";
  return info;
}

std::vector<std::string> ChangedFiles(const std::string& dir, const std::string& rev) {
  std::string err;
  auto top = RunProgram(GitArgv(dir, {"rev-parse", "--show-toplevel"}), &err);
  if (!top) throw VcsError("--changed-since: " + dir + " is not inside a git work tree");
  std::string root(Chomp(*top));
  if (rev.empty() || rev[0] == '-')
    throw VcsError("--changed-since: '" + rev + "' is not a revision");
  if (!RunProgram(GitArgv(root, {"rev-parse", "--verify", "-q", rev + "^{commit}"})))
    throw VcsError("--changed-since: git does not know the revision '" + rev + "'");
  auto diff = RunProgram(GitArgv(root, {"diff", "--name-only", "-z", "--no-renames",
                                        "--no-ext-diff", "--no-textconv", rev, "--"}),
                         &err);
  if (!diff) throw VcsError("--changed-since: git diff failed: " + std::string(Chomp(err)));
  auto untracked =
      RunProgram(GitArgv(root, {"ls-files", "-z", "--others", "--exclude-standard"}), &err);
  if (!untracked)
    throw VcsError("--changed-since: git ls-files failed: " + std::string(Chomp(err)));
  std::set<std::string> files;
  for (const std::string* list : {&*diff, &*untracked})
    for (std::string_view name : SplitNul(*list)) {
      fs::path p = fs::path(root) / name;
      std::error_code ec;
      if (fs::is_regular_file(fs::symlink_status(p, ec)))
        files.insert(p.lexically_normal().string());
    }
  return {files.begin(), files.end()};
}

}  // namespace ntpsweep::scan
