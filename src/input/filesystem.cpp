// Plain files and directory trees. Symbolic links are never followed (they could leave the
// tree being scanned); FIFOs, sockets and devices are never opened.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "core/fd.h"
#include "core/glob.h"
#include "input/container_layout.h"
#include "input/dispatch.h"
#include "input/input.h"

namespace ntpsweep::input {
namespace {

namespace fs = std::filesystem;

bool Excluded(const WalkOptions& options, const std::string& path) {
  for (const std::string& g : options.exclude)
    if (GlobMatch(g, path)) return true;
  return false;
}

Entry FileEntry(const std::string& display, const std::string& fs_path,
                const std::string& root = "") {
  Entry e;
  e.root = root;
  e.location.chain = {display};
  e.path = display;
  e.fs_path = fs_path;
  return e;
}

// One of ntpsweep's own files: a name it was loaded under, then the same device and inode.
bool IsOwnFile(const WalkOptions& options, std::string_view name, const std::string& fs_path) {
  for (const OwnFile& own : options.own_files) {
    struct stat st {};
    if (own.name == name && stat(fs_path.c_str(), &st) == 0 &&
        static_cast<uint64_t>(st.st_dev) == own.device &&
        static_cast<uint64_t>(st.st_ino) == own.inode)
      return true;
  }
  return false;
}

bool IsVcsDir(const std::string& name) { return name == ".git" || name == ".hg" || name == ".svn"; }

Notice Unreadable(const std::string& path, const std::string& why) {
  return Notice{Notice::Level::kWarning, "unreadable-entry", Location{{path}}, 0, 0,
                "cannot read " + path + ": " + why};
}

// A directory's entries with their types as readdir reports them (DT_UNKNOWN: ask lstat).
bool ListDirectory(const std::string& dir_fs, std::vector<std::pair<std::string, unsigned char>>* out,
                   std::string* error) {
  Fd fd(open(dir_fs.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW));
  std::unique_ptr<DIR, int (*)(DIR*)> dir(fd.get() < 0 ? nullptr : fdopendir(fd.get()), closedir);
  if (!dir) {
    *error = std::strerror(errno);
    return false;
  }
  fd.release();  // closedir closes it
  errno = 0;
  while (dirent* d = readdir(dir.get())) {
    std::string_view name = d->d_name;
    if (name != "." && name != "..") out->emplace_back(std::string(name), d->d_type);
    errno = 0;
  }
  if (errno) *error = std::strerror(errno);
  return errno == 0;
}

void Walk(const std::string& operand, const std::string& dir_fs, const std::string& rel,
          const WalkOptions& options, EntrySink& sink) {
  std::vector<std::pair<std::string, unsigned char>> names;
  std::string error;
  if (!ListDirectory(dir_fs, &names, &error)) {
    sink.Report(Unreadable(JoinDisplayPath(operand, rel), error));
    if (names.empty()) return;
  }
  std::sort(names.begin(), names.end());  // deterministic order, whatever the file system says
  for (const auto& [name, type] : names) {
    std::string child_rel = rel.empty() ? name : rel + "/" + name;
    std::string child_fs = dir_fs + "/" + name;
    std::string display = JoinDisplayPath(operand, child_rel);
    struct stat st {};
    // readdir's type saves a stat per entry, as find and ripgrep do; some file systems omit it.
    switch (type) {
      case DT_REG: st.st_mode = S_IFREG; break;
      case DT_DIR: st.st_mode = S_IFDIR; break;
      case DT_LNK: st.st_mode = S_IFLNK; break;
      case DT_FIFO: st.st_mode = S_IFIFO; break;
      case DT_SOCK: st.st_mode = S_IFSOCK; break;
      case DT_CHR: st.st_mode = S_IFCHR; break;
      case DT_BLK: st.st_mode = S_IFBLK; break;
      default:
        if (lstat(child_fs.c_str(), &st) != 0) {
          sink.Report(Unreadable(display, std::strerror(errno)));
          continue;
        }
    }
    if (Excluded(options, display) || Excluded(options, child_rel)) {
      sink.CountSkipped("excluded");
      continue;
    }
    if (S_ISLNK(st.st_mode)) {
      sink.CountSkipped("symlink");
    } else if (S_ISDIR(st.st_mode)) {
      if (!options.include_vcs && IsVcsDir(name)) {
        sink.CountSkipped("vcs-directory");
        continue;
      }
      if (options.open_archives && ScanImageLayoutDir(child_fs, display, options, sink)) continue;
      Walk(operand, child_fs, child_rel, options, sink);
    } else if (S_ISREG(st.st_mode)) {
      if (IsOwnFile(options, name, child_fs)) {
        sink.CountSkipped("ntpsweep-file");
        continue;
      }
      // Archives, images and disk images found in the tree are read in place (input/archive.h)
      // by the worker that reads the file's head: no second open here, and both cores decompress.
      std::string root = JoinDisplayPath(operand, "");
      Entry e = FileEntry(display, child_fs, root == "." || root == "/" ? "" : root);
      e.may_be_container = options.open_archives;
      sink.Add(std::move(e));
    } else {
      sink.CountSkipped("special-file");
    }
  }
}

bool OpenFilesystem(const std::string& operand, const WalkOptions& options, EntrySink& sink) {
  struct stat st;
  std::string display = JoinDisplayPath(operand, "");
  if (lstat(operand.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    sink.Report(Notice{Notice::Level::kError, "unreadable-input", Location{{display}}, 0, 0,
                       "cannot read " + display + ": " + std::strerror(errno)});
    return true;
  }
  if (S_ISDIR(st.st_mode)) {
    Walk(operand, operand, "", options, sink);
  } else if (S_ISREG(st.st_mode) &&
             IsOwnFile(options, fs::path(operand).filename().string(), operand)) {
    sink.CountSkipped("ntpsweep-file");
  } else if (S_ISREG(st.st_mode)) {
    sink.Add(FileEntry(display, operand));
  } else if (S_ISLNK(st.st_mode)) {
    // An operand named explicitly is the user's choice: follow it, but only for the operand.
    if (stat(operand.c_str(), &st) == 0 && S_ISREG(st.st_mode)) {
      sink.Add(FileEntry(display, operand));
    } else if (S_ISDIR(st.st_mode)) {
      Walk(operand, operand, "", options, sink);
    } else {
      sink.Report(Notice{Notice::Level::kError, "unsupported-input", Location{{display}}, 0, 0,
                         display + ": a symbolic link to something that is not a file or directory"});
    }
  } else {
    sink.Report(Notice{Notice::Level::kError, "unsupported-input", Location{{display}}, 0, 0,
                       display + ": not a regular file or directory (FIFOs, sockets and devices "
                                 "are never opened)"});
  }
  return true;
}

}  // namespace

std::string JoinDisplayPath(const std::string& operand, const std::string& rel) {
  std::string base = operand;
  while (base.size() > 1 && base.back() == '/') base.pop_back();
  while (base.starts_with("./") && base.size() > 2) base.erase(0, 2);
  if (base == ".") base.clear();
  if (rel.empty()) return base.empty() ? "." : base;
  if (base.empty()) return rel;
  return base == "/" ? "/" + rel : base + "/" + rel;
}

const std::vector<Opener>& Openers() {
  static const std::vector<Opener> table = {
      {"stdin", OpenStdinOperand},                // "-": an archive or a file on stdin
      {"image-layout", OpenImageLayoutOperand},   // OCI layout or docker-save directory
      {"archive", OpenArchiveOperand},            // archives, compressed files, disk images
      {"filesystem", OpenFilesystem},
  };
  return table;
}

void OpenOperand(const std::string& operand, const WalkOptions& options, EntrySink& sink) {
  for (const Opener& o : Openers())
    if (o.open(operand, options, sink)) return;
  sink.Report(Notice{Notice::Level::kError, "missing-input", Location{{operand}}, 0, 0,
                     operand + ": " + std::strerror(ENOENT)});
}

}  // namespace ntpsweep::input
