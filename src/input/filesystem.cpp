// Plain files and directory trees. Symbolic links are never followed (they could leave the
// tree being scanned); FIFOs, sockets and devices are never opened.
#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "core/fd.h"
#include "core/file.h"
#include "core/glob.h"
#include "core/program.h"
#include "core/strings.h"
#include "input/container_layout.h"
#include "input/dispatch.h"
#include "input/ignore_files.h"
#include "input/input.h"

namespace ntpsweep::input {
namespace {

namespace fs = std::filesystem;

bool Excluded(const WalkOptions& options, std::string_view path) {
  for (const std::string& g : options.exclude)
    if (GlobMatch(g, path)) return true;
  return false;
}

// The pieces in one allocation: `x + "/" + y` made two (or grew once), for each of the paths
// the walk makes per entry.
template <class... Pieces>
std::string Concat(const Pieces&... pieces) {
  std::string s;
  s.reserve((std::string_view(pieces).size() + ...));
  (s.append(pieces), ...);
  return s;
}

Entry FileEntry(std::string_view display, std::string fs_path, const std::string& root = "") {
  Entry e;
  e.root = root;
  e.path = std::string(display);  // made at its size: assigned, it took the growth path
  // Its one part in a list of one: grown from empty, the list took the reallocating insert.
  e.location.chain.reserve(1);
  e.location.chain.emplace_back(display);
  e.fs_path = std::move(fs_path);
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

bool IsVcsDir(std::string_view name) {
  return name == ".git" || name == ".hg" || name == ".svn";
}

Notice Unreadable(const std::string& path, const std::string& why) {
  return Notice{Notice::Level::kWarning,           "unreadable-entry", Location{{path}}, 0, 0,
                "cannot read " + path + ": " + why};
}

// Directories held open for their files (Entry::dir), across every walk of the process: past
// MaxHeldDirs() a directory's files are opened by path, so that a wide queue or a deep tree
// never runs out of descriptors.
std::atomic<int> held_dirs{0};

int MaxHeldDirs() {
  static const int max = [] {
    rlimit limit{};
    // Half the limit: the queue's 4096 entries of a tree of small directories span hundreds.
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur == RLIM_INFINITY) return 4096;
    return static_cast<int>(std::clamp<rlim_t>(limit.rlim_cur / 2, 8, 4096));
  }();
  return max;
}

struct HeldDir : Fd {
  explicit HeldDir(int fd) : Fd(fd) { ++held_dirs; }
  ~HeldDir() { --held_dirs; }
  HeldDir(const HeldDir&) = delete;
  HeldDir& operator=(const HeldDir&) = delete;
};

// The names a walk looks for in each directory it lists (ListDirectory's `marks`).
constexpr unsigned kGitignore = 1, kIgnore = 2, kOciLayout = 4, kManifest = 8, kGit = 16;

unsigned MarkOf(std::string_view name) {
  if (name.empty() || (name[0] != '.' && name[0] != 'o' && name[0] != 'm')) return 0;
  return name == ".gitignore"      ? kGitignore
         : name == ".ignore"       ? kIgnore
         : name == ".git"          ? kGit
         : name == "oci-layout"    ? kOciLayout
         : name == "manifest.json" ? kManifest
                                   : 0;
}

// A directory's entries with their types as the kernel reports them (DT_UNKNOWN: ask lstat):
// the names back to back in one buffer, reused by a lister from one directory to the next (a
// string apiece and a list per directory were a quarter of the walk's allocations).
class Listing {
 public:
  struct Name {
    uint32_t at, size;
    unsigned char type;
  };
  // Empty; the memory of a huge directory is not kept for the small ones after it.
  void Clear() {
    bytes_.clear();
    names_.clear();
    if (names_.capacity() > kKeptNames) names_ = {}, bytes_ = {};
  }
  void Add(std::string_view name, unsigned char type) {
    names_.push_back(
        Name{static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(name.size()), type});
    bytes_.append(name);
  }
  // Deterministic order, whatever the file system says.
  void Sort() {
    std::sort(names_.begin(), names_.end(),
              [this](const Name& a, const Name& b) { return NameOf(a) < NameOf(b); });
  }
  std::string_view NameOf(const Name& n) const { return {bytes_.data() + n.at, n.size}; }
  const std::vector<Name>& names() const { return names_; }
  bool empty() const { return names_.empty(); }

 private:
  static constexpr size_t kKeptNames = 1u << 14;
  std::string bytes_;
  std::vector<Name> names_;
};

// getdents64 on the open descriptor: fdopendir's fstat and 32 KiB DIR allocation per directory
// cost a tree of small directories 6% of its CPU.
// `marks` gets the MarkOf bits of the names listed: four searches of the sorted list per
// directory were 6% of a tree of small directories' walk.
bool ListDirectory(int fd, Listing* out, unsigned* marks, std::string* error) {
  alignas(dirent64) char block[32768];
  for (;;) {
    ssize_t n = getdents64(fd, block, sizeof block);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      *error = std::strerror(errno);
      return false;
    }
    if (n == 0) return true;
    for (ssize_t at = 0; at < n;) {
      const auto* d = reinterpret_cast<const dirent64*>(block + at);
      std::string_view name = d->d_name;
      if (name != "." && name != "..") {
        *marks |= MarkOf(name);
        out->Add(name, d->d_type);
      }
      at += d->d_reclen;
    }
  }
}

void Skip(const WalkOptions& options, EntrySink& sink, std::string_view why,
          const std::string& display, std::string_view detail = {}) {
  sink.CountSkipped(why);
  if (options.verbose) options.verbose->Line("skip", display, detail.empty() ? why : detail);
}

// A directory's .gitignore then .ignore (the later wins), read when the walk lists one (`marks`:
// its MarkOf bits).
bool ReadIgnoreFiles(const std::string& dir_fs, const std::string& display_dir, unsigned marks,
                     EntrySink& sink, std::vector<IgnorePattern>* out) {
  constexpr size_t kMaxIgnoreFile = 1u << 20;
  bool any = false;
  for (const char* name : {".gitignore", ".ignore"}) {
    if (!(marks & MarkOf(name))) continue;
    std::string path = dir_fs + "/" + name, error;
    ReadBuffer text;
    std::string_view data;
    bool truncated = false, binary = false;
    uint64_t size = 0;
    std::string shown = display_dir == "." ? name : display_dir + "/" + name;
    struct stat st {};
    if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    if (!ReadFile(path, kMaxIgnoreFile, &text, &data, &truncated, &binary, &error, &size)) {
      sink.Report(Unreadable(shown, error + " (its patterns are not applied)"));
      continue;
    }
    for (IgnorePattern& p : ParseIgnorePatterns(data, shown)) {
      p.from_gitignore = name[1] == 'g';
      out->push_back(std::move(p));
    }
    any = true;
  }
  return any;
}

// An ignore layer shared by the directories below its own (each holds its nearest), which keep
// it and the layers above it alive for as long as one of them waits to be listed.
struct SharedLayer {
  IgnoreLayer layer;
  std::shared_ptr<const SharedLayer> above;
};

// A git work tree met by a walk (a directory holding `.git`) and the files git tracks in it,
// asked of git once, on the first path a .gitignore leaves out: git's ignore rules apply to
// untracked files only, and a committed file is read whatever a .gitignore says.
class WorkTree {
 public:
  // `strip`: the directory inside the walk, with '/' ("" for the walk's root).
  WorkTree(std::string dir_fs, std::string strip)
      : dir_fs_(std::move(dir_fs)), strip_(std::move(strip)) {}

  // Whether git tracks the file `rel` (relative to the walk's root), or a file below the
  // directory `rel`. False, with `*error` set once, when git cannot tell.
  bool Tracks(std::string_view rel, bool is_dir, std::string* error) const {
    std::call_once(loaded_, [&] { Load(error); });
    if (!rel.starts_with(strip_)) return false;
    rel.remove_prefix(strip_.size());
    auto it = std::lower_bound(tracked_.begin(), tracked_.end(), rel);
    if (it == tracked_.end()) return false;
    if (*it == rel) return true;  // a file, or a submodule's directory
    return is_dir && it->size() > rel.size() && it->starts_with(rel) && (*it)[rel.size()] == '/';
  }
  const std::string& dir_fs() const { return dir_fs_; }

 private:
  void Load(std::string* error) const {
    auto out = RunGitIn(dir_fs_, {"ls-files", "-z", "-c"}, error);
    if (!out) return;
    listing_ = std::move(*out);
    tracked_ = SplitNul(listing_);
    std::sort(tracked_.begin(), tracked_.end());
  }

  std::string dir_fs_, strip_;
  mutable std::once_flag loaded_;
  mutable std::string listing_;                    // git's output, NUL-separated
  mutable std::vector<std::string_view> tracked_;  // into listing_, sorted
};

// A directory waiting to be listed: where it is, its nearest ignore layer, and the open
// directory it is in (openat), or none. Its path inside the walk is that of dir_fs below the
// operand (RelOf).
struct DirTask {
  std::string dir_fs;
  const IgnoreLayer* ignores = nullptr;
  std::shared_ptr<const SharedLayer> keep;  // owns `ignores` when a walked directory made it
  std::shared_ptr<const Fd> parent;         // may be null: open dir_fs by path
  bool is_operand = false;
  std::shared_ptr<const WorkTree> work_tree;  // the nearest one it lies in; null: none
  // Walked into although a .gitignore line (this one) leaves it out, for the files git tracks
  // in it: everything else in it stays out.
  const IgnorePattern* ignored_by = nullptr;
};

// The directories of one walk, listed by several threads: a shared stack, so that each lister
// goes depth first and the directories waiting are those beside the paths being walked, as
// with one lister (not the tree's width). Each directory's entries are given in sorted order;
// the order of entries across directories listed at once is not fixed, and nothing after the
// sink depends on it (findings and notices are sorted).
class DirStack {
 public:
  void Push(std::vector<DirTask>* children) {
    {
      std::lock_guard lock(mu_);
      // Reversed: the first child in sorted order is the next one taken.
      for (auto it = children->rbegin(); !abandoned_ && it != children->rend(); ++it)
        tasks_.push_back(std::move(*it));
      --busy_;
    }
    children->clear();
    changed_.notify_all();
  }
  // The next directory to list, or false once none is left and no lister can add one.
  bool Take(DirTask* out) {
    std::unique_lock lock(mu_);
    changed_.wait(lock, [&] { return !tasks_.empty() || busy_ == 0; });
    if (tasks_.empty()) return false;
    *out = std::move(tasks_.back());
    tasks_.pop_back();
    ++busy_;
    return true;
  }
  // A lister that failed: the others stop once they are done with their directory.
  void Abandon() {
    {
      std::lock_guard lock(mu_);
      tasks_.clear();
      abandoned_ = true;
      --busy_;
    }
    changed_.notify_all();
  }
  explicit DirStack(DirTask root) { tasks_.push_back(std::move(root)); }

 private:
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<DirTask> tasks_;
  int busy_ = 0;  // listers between Take and Push: each may push more
  bool abandoned_ = false;  // a lister failed: nothing more is pushed
};

// What every lister of one walk shares, made once per walk.
struct WalkContext {
  const std::string& operand;
  const WalkOptions& options;
  EntrySink& sink;
  // What a path relative to the operand is shown under (JoinDisplayPath(operand, rel) is
  // display_prefix + rel) and the root files carry.
  std::string display_prefix, root;
  // Set by the first lister that could not ask git what it tracks: one notice per walk.
  mutable std::atomic<bool> git_failed{false};
};

// A directory's path relative to the operand: "" for the operand, else its dir_fs past the
// operand and a '/' (the walk makes each dir_fs as its parent's, '/' and its name).
std::string_view RelOf(const WalkContext& walk, const DirTask& task) {
  return task.is_operand ? std::string_view()
                         : std::string_view(task.dir_fs).substr(walk.operand.size() + 1);
}

// Whether a path a .gitignore line leaves out is read all the same, as git tracks it.
bool TrackedByGit(const WalkContext& walk, const WorkTree* work_tree, std::string_view rel,
                  bool is_dir) {
  if (!work_tree) return false;
  std::string error;
  bool tracked = work_tree->Tracks(rel, is_dir, &error);
  if (!error.empty() && !walk.git_failed.exchange(true)) {
    std::string shown = JoinDisplayPath(walk.operand, "");
    walk.sink.Report(Notice{Notice::Level::kWarning, "git-unavailable", Location{{shown}}, 0, 0,
                            "cannot ask git which files it tracks in " + work_tree->dir_fs() +
                                " (" + error +
                                "): .gitignore leaves out committed files there too"});
  }
  return tracked;
}

// Lists one directory: its files to the sink in sorted order, its subdirectories to `children`.
// `names` and `display` are the lister's, reused from one directory to the next.
void ListOne(const WalkContext& walk, DirTask task, std::vector<DirTask>* children, Listing* names,
             std::string* display) {
  const WalkOptions& options = walk.options;
  EntrySink& sink = walk.sink;
  const std::string& display_prefix = walk.display_prefix;
  const std::string_view rel = RelOf(walk, task);
  names->Clear();
  std::string error;
  constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW;
  unsigned marks = 0;
  bool listed = false;
  std::shared_ptr<const Fd> fd;  // held open for its files and subdirectories; may be null
  {
    const char* leaf = task.dir_fs.c_str() + task.dir_fs.rfind('/') + 1;
    Fd opened(task.parent ? openat(task.parent->get(), leaf, kDirFlags)
                          : open(task.dir_fs.c_str(), kDirFlags));
    if (opened.get() < 0) error = std::strerror(errno);
    task.parent.reset();  // its files may be read and closed before this directory's are
    listed = opened.get() >= 0 && ListDirectory(opened.get(), names, &marks, &error);
    if (listed && held_dirs.load() < MaxHeldDirs())
      fd = std::make_shared<HeldDir>(opened.release());
  }  // not held: closed before its files are given
  names->Sort();
  // Its marker files are looked for in the listing: two failed opens per directory cost a
  // tree of small directories a tenth of its walk. (A directory below the operand only: the
  // operand itself was offered to the image-layout opener already.)
  if (!task.is_operand && options.open_archives &&
      (!listed || (marks & (kOciLayout | kManifest))) &&
      ScanImageLayoutDir(task.dir_fs, Concat(display_prefix, rel), options, sink))
    return;
  if (!listed) {
    sink.Report(Unreadable(JoinDisplayPath(walk.operand, std::string(rel)), error));
    if (names->empty()) return;
  }
  const IgnoreLayer* ignores = task.ignores;
  std::shared_ptr<const SharedLayer> keep = std::move(task.keep);
  std::shared_ptr<const WorkTree> work_tree = std::move(task.work_tree);
  if (options.read_ignore_files && (marks & kGit))
    work_tree = std::make_shared<WorkTree>(task.dir_fs, rel.empty() ? "" : Concat(rel, "/"));
  // Made only for a directory that lists an ignore file: most list none.
  if (options.read_ignore_files && (marks & (kGitignore | kIgnore))) {
    auto here = std::make_shared<SharedLayer>();
    if (ReadIgnoreFiles(task.dir_fs, JoinDisplayPath(walk.operand, std::string(rel)), marks, sink,
                        &here->layer.patterns)) {
      here->layer.parent = ignores;
      here->layer.strip = rel.empty() ? "" : Concat(rel, "/");
      here->above = std::move(keep);
      ignores = &here->layer;
      keep = std::move(here);
    }
  }
  for (const Listing::Name& entry : names->names()) {
    const std::string_view name = names->NameOf(entry);
    // The shown path is the prefix and the operand-relative path: one string, the latter a view
    // of it, made in the lister's buffer (a string apiece was a fifth of the walk's allocations;
    // a file's entry copies it).
    display->assign(display_prefix);
    if (!rel.empty()) display->append(rel).push_back('/');
    display->append(name);
    const std::string_view child_rel = std::string_view(*display).substr(display_prefix.size());
    std::string child_fs = Concat(task.dir_fs, "/", name);
    mode_t mode = 0;
    // readdir's type saves a stat per entry, as find and ripgrep do; some file systems omit it.
    switch (entry.type) {
      case DT_REG:
        mode = S_IFREG;
        break;
      case DT_DIR:
        mode = S_IFDIR;
        break;
      case DT_LNK:
        mode = S_IFLNK;
        break;
      case DT_FIFO:
        mode = S_IFIFO;
        break;
      case DT_SOCK:
        mode = S_IFSOCK;
        break;
      case DT_CHR:
        mode = S_IFCHR;
        break;
      case DT_BLK:
        mode = S_IFBLK;
        break;
      default:
        if (struct stat st; lstat(child_fs.c_str(), &st) == 0) {
          mode = st.st_mode;
        } else {
          sink.Report(Unreadable(*display, std::strerror(errno)));
          continue;
        }
    }
    if (!options.exclude.empty() &&
        (Excluded(options, *display) || (display_prefix.size() && Excluded(options, child_rel)))) {
      Skip(options, sink, "excluded", *display);
      continue;
    }
    const IgnorePattern* ignored_by = task.ignored_by;
    if (ignores) {
      const IgnorePattern* p = MatchIgnore(ignores, child_rel, S_ISDIR(mode));
      if (p && !p->negate && !p->from_gitignore) ignored_by = p;  // .ignore: not git's
      if (p && !p->negate && !ignored_by) ignored_by = p;
    }
    if (ignored_by && (!ignored_by->from_gitignore ||
                       !TrackedByGit(walk, work_tree.get(), child_rel, S_ISDIR(mode)))) {
      Skip(options, sink, "ignored", *display, "ignored by " + ignored_by->source);
      continue;
    }
    if (S_ISLNK(mode)) {
      Skip(options, sink, "symlink", *display, "symbolic link");
    } else if (S_ISDIR(mode)) {
      if (!options.include_vcs && IsVcsDir(name)) {
        Skip(options, sink, "vcs-directory", *display, "VCS directory; --include-vcs reads it");
        continue;
      }
      DirTask& child = children->emplace_back();
      child.dir_fs = std::move(child_fs);
      child.ignores = ignores;
      child.keep = keep;
      child.parent = fd;
      child.work_tree = work_tree;
      child.ignored_by = ignored_by;
    } else if (S_ISREG(mode)) {
      if (IsOwnFile(options, name, child_fs)) {
        Skip(options, sink, "ntpsweep-file", *display, "ntpsweep's own file");
        continue;
      }
      // Archives, images and disk images found in the tree are read in place (input/archive.h)
      // by the worker that reads the file's head: no second open here, and both cores decompress.
      Entry e = FileEntry(*display, std::move(child_fs), walk.root);
      e.dir = fd;
      e.may_be_container = options.open_archives;
      sink.Add(std::move(e));
    } else {
      Skip(options, sink, "special-file", *display, "FIFO, socket or device");
    }
  }
}

// Takes directories until none is left. Rethrown by Walk: a lister must not end the process.
void Lister(const WalkContext& walk, DirStack& stack, std::exception_ptr* failure) {
  std::vector<DirTask> children;
  Listing names;
  std::string display;
  for (DirTask task; stack.Take(&task);) {
    try {
      ListOne(walk, std::move(task), &children, &names, &display);
    } catch (...) {
      *failure = std::current_exception();
      children.clear();
      stack.Abandon();
      return;
    }
    stack.Push(&children);
  }
}

// Depth first, in sorted order within each directory, with an explicit stack of directories
// (a tree thousands of directories deep costs heap, not the thread's stack), by
// options.listers threads: one lister left the scan's workers waiting on a tree of small files.
void Walk(const std::string& operand, const WalkOptions& options, EntrySink& sink,
          const IgnoreLayer* above, bool in_work_tree) {
  WalkContext walk{operand, options, sink, JoinDisplayPath(operand, "x"),
                   JoinDisplayPath(operand, "")};
  walk.display_prefix.pop_back();
  if (walk.root == "." || walk.root == "/") walk.root.clear();
  DirTask root;
  root.dir_fs = operand;
  root.ignores = above;
  root.is_operand = true;
  if (in_work_tree) root.work_tree = std::make_shared<WorkTree>(operand, "");
  DirStack stack(std::move(root));
  std::vector<std::exception_ptr> failures(std::max(1u, options.listers));
  std::vector<std::thread> helpers;
  for (size_t i = 1; i < failures.size(); ++i) {
    try {
      helpers.emplace_back(Lister, std::cref(walk), std::ref(stack), &failures[i]);
    } catch (const std::system_error&) {  // no thread to be had: the listers there are do it
      break;
    }
  }
  Lister(walk, stack, &failures[0]);
  for (std::thread& t : helpers) t.join();
  for (const std::exception_ptr& f : failures)
    if (f) std::rethrow_exception(f);
}

// The ignore files of the directories above a walked directory operand, up to the root of
// the git work tree it lies in (none outside one), as a chain of layers owned by `storage`.
// `*in_work_tree`: whether such a work tree holds it.
const IgnoreLayer* AncestorIgnores(const std::string& operand, EntrySink& sink,
                                   std::vector<std::unique_ptr<IgnoreLayer>>* storage,
                                   bool* in_work_tree_out) {
  std::error_code ec;
  fs::path dir = fs::weakly_canonical(fs::absolute(operand, ec), ec);
  if (ec) return nullptr;
  std::vector<fs::path> above;  // nearest first
  bool in_work_tree = fs::exists(dir / ".git", ec);
  for (fs::path p = dir; !in_work_tree && p.has_parent_path() && p.parent_path() != p;) {
    p = p.parent_path();
    above.push_back(p);
    in_work_tree = fs::exists(p / ".git", ec);
  }
  if (!in_work_tree) return nullptr;
  *in_work_tree_out = true;
  const IgnoreLayer* chain = nullptr;
  for (auto it = above.rbegin(); it != above.rend(); ++it) {  // the work tree's root first
    auto layer = std::make_unique<IgnoreLayer>();
    if (!ReadIgnoreFiles(it->string(), it->string(), kGitignore | kIgnore, sink, &layer->patterns))
      continue;
    layer->parent = chain;
    layer->prepend = dir.lexically_relative(*it).string() + "/";
    chain = layer.get();
    storage->push_back(std::move(layer));
  }
  return chain;
}

void WalkOperand(const std::string& operand, const WalkOptions& options, EntrySink& sink) {
  std::vector<std::unique_ptr<IgnoreLayer>> storage;
  bool in_work_tree = false;
  const IgnoreLayer* above =
      options.read_ignore_files ? AncestorIgnores(operand, sink, &storage, &in_work_tree) : nullptr;
  Walk(operand, options, sink, above, in_work_tree);
}

bool OpenFilesystem(const std::string& operand, const WalkOptions& options, EntrySink& sink) {
  struct stat st;
  std::string display = JoinDisplayPath(operand, "");
  auto unreadable = [&] {
    sink.Report(Notice{Notice::Level::kError, "unreadable-input", Location{{display}}, 0, 0,
                       "cannot read " + display + ": " + std::strerror(errno)});
    return true;
  };
  // A named file or directory that exists but cannot be opened (its mode, an ACL) is an input
  // error like one that does not exist: a warning would let the scan pass with nothing read.
  auto opens = [&](bool dir) {
    Fd fd(
        open(operand.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | (dir ? O_DIRECTORY : O_NOCTTY)));
    return fd.get() >= 0;
  };
  if (lstat(operand.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return unreadable();
  }
  if (S_ISDIR(st.st_mode)) {
    if (!opens(true)) return unreadable();
    WalkOperand(operand, options, sink);
  } else if (S_ISREG(st.st_mode) &&
             IsOwnFile(options, fs::path(operand).filename().string(), operand)) {
    Skip(options, sink, "ntpsweep-file", display, "ntpsweep's own file");
  } else if (S_ISREG(st.st_mode)) {
    if (!opens(false)) return unreadable();
    sink.Add(FileEntry(display, operand));
  } else if (S_ISLNK(st.st_mode)) {
    // An operand named explicitly is the user's choice: follow it, but only for the operand.
    // Files are read and directories walked with O_NOFOLLOW: they get the path the link leads to.
    std::error_code ec;
    const bool resolves = stat(operand.c_str(), &st) == 0;
    const int why = errno;
    if (resolves && S_ISREG(st.st_mode)) {
      if (!opens(false)) return unreadable();
      fs::path target = fs::canonical(operand, ec);
      if (ec) return errno = ec.value(), unreadable();
      sink.Add(FileEntry(display, target.string()));
    } else if (S_ISDIR(st.st_mode)) {
      if (!opens(true)) return unreadable();
      WalkOperand(operand + "/", options, sink);  // a trailing '/' follows the link
    } else {
      sink.Report(Notice{
          Notice::Level::kError, "unsupported-input", Location{{display}}, 0, 0,
          display + ": a symbolic link " +
              (resolves        ? "to something that is not a file or directory"
               : why == ELOOP  ? "in a loop of links: it leads to no file"
               : why == ENOENT ? "to nothing: what it names does not exist"
                               : "that cannot be followed: " + std::string(std::strerror(why)))});
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
      {"stdin", OpenStdinOperand},               // "-": an archive or a file on stdin
      {"image-layout", OpenImageLayoutOperand},  // OCI layout or docker-save directory
      {"archive", OpenArchiveOperand},           // archives, compressed files, disk images
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
