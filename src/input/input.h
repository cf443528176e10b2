// Inputs -> entries. An opener turns one command-line operand into entries (a file's bytes or
// where to read them, plus its location chain). Adding an input kind is adding an opener file
// and a line in the table in input.cpp.
#pragma once

#include <memory>
#include <mutex>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "core/fd.h"
#include "core/file_extent.h"
#include "core/types.h"
#include "input/container_rewrite.h"
#include "input/limits.h"
#include "input/progress.h"

namespace ntpsweep::input {

struct Entry {
  Location location;
  std::string path;     // the path rules see: operand-relative, '/'-separated
  std::string fs_path;  // when set, the worker reads the bytes from here
  std::string root;     // path prefix absolute config paths resolve under ("" for "/" or ".")
  std::string data;     // otherwise the bytes themselves
  // A walked file's directory, held open while its files wait: the worker opens the file by its
  // name in it (openat), not by its whole path. Null: open fs_path.
  std::shared_ptr<const Fd> dir;
  bool shadowed = false;  // deleted or replaced by an upper image layer: reported at note level
  // A file of a walked directory with --archives on: the worker that reads its head opens it as
  // an archive, image or disk when it is one (input/dispatch.h), on that worker's thread.
  bool may_be_container = false;
  // A member of an uncompressed tar operand: where its headers start in the file, so that
  // linkage can read it again alone (ReadTarMemberAt); -1 otherwise.
  int64_t archive_offset = -1;
  // And where its data starts, when it is a plain member (not sparse) read alone by pread
  // (TarMembers::ReadDataAt); -1 otherwise.
  int64_t archive_data_offset = -1;
  // A plain member of a tar file whose data the worker reads itself: `member_bytes` of it (the
  // member up to --max-file-size and a byte) by pread from `member_file` at archive_data_offset,
  // and `data` stays empty. The reading thread then parses headers alone (the copies of every
  // member's bytes and their allocations were a third of its work on rootfs.tar).
  std::shared_ptr<const Fd> member_file;
  uint64_t member_bytes = 0;
  // A file of a raw disk image whose data the worker reads itself: `member_bytes` of it from
  // these pieces of `member_file` (the image) in turn, not from archive_data_offset. The disk
  // walker then reads no more of it than its head (the sniff's).
  std::vector<FileExtent> member_extents;
  // Inside an operand that is a gzip, bzip2, xz, lzma or compress stream: read again only by
  // inflating all of it again.
  bool costly_to_reread = false;
  // A file of a disk image file: linkage walks the image again for it (its directories, and no
  // other file read), for less than keeping it or its words costs.
  bool cheap_to_rewalk = false;
  // The only member of a compressed file that is no archive (ntp.conf.gz -> ntp.conf): read
  // again by decompressing that file alone, whatever its compression.
  bool sole_member = false;
  // Facts about where the entry came from (layer digest, partition), copied to its findings.
  std::vector<std::pair<std::string, std::string>> properties;

  // The bytes of its content the worker has: held in `data`, or read by pread (member_file).
  uint64_t data_size() const { return member_file ? member_bytes : data.size(); }
};

class EntrySink {
 public:
  virtual ~EntrySink() = default;
  virtual void Add(Entry entry) = 0;
  virtual void Report(Notice notice) = 0;
  virtual void CountSkipped(std::string_view why) = 0;  // "symlink", "special-file", "excluded"
  // Facts known only after later entries were read (image layer order and shadowing, hard
  // links), applied to the findings once every entry was analysed.
  virtual void Amend(Amendment amendment) { (void)amendment; }
};

// A file of ntpsweep's own in this run (its config, ignore file, baseline, reports): never an
// entry, so the tool never reports itself. Found by name, confirmed by device and inode.
struct OwnFile {
  std::string name;  // the file name (no directory)
  uint64_t device = 0;
  uint64_t inode = 0;
};

// -v: one line per file read, skipped (and why), archive or image opened; shared by the walk
// and the workers, so each line is written whole.
class VerboseLog {
 public:
  explicit VerboseLog(std::ostream& out) : out_(out) {}
  // "read", "skip", "open" + the place + why or what (may be empty).
  void Line(std::string_view event, std::string_view where, std::string_view detail = {}) {
    std::lock_guard lock(mu_);
    out_ << "ntpsweep: " << event << ' ' << where;
    if (!detail.empty()) out_ << " (" << detail << ')';
    out_ << '\n';
  }

 private:
  std::mutex mu_;
  std::ostream& out_;
};

// A second reading of a few members (linkage needs their text after the pass, when their bytes
// are gone): the readers skip, unread, every member outside it and stop once it is complete.
class MemberFilter {
 public:
  virtual ~MemberFilter() = default;
  // Whether the member at `chain`, or a member inside it, is wanted.
  virtual bool Wants(const Chain& chain) const = 0;
  // True once every wanted member was read.
  virtual bool Done() const = 0;
};

struct WalkOptions {
  std::vector<std::string> exclude;  // globs matched against the entry path and each directory
  bool include_vcs = false;          // descend into .git, .hg, .svn
  Limits limits;                     // archives, images, disks: see input/limits.h
  bool open_archives = true;         // in directories, open archives, images and disks found
  bool all_layers = false;           // --layers all: report every image layer as it is
  Progress* progress = nullptr;      // stderr progress line, when shown
  std::vector<OwnFile> own_files;    // skipped, counted as "ntpsweep-file"
  ScanBudget* budget = nullptr;      // the scan's --max-total-bytes, shared; null: no total
  // Directory walks leave out what .gitignore and .ignore files name (--no-ignore: off).
  // Explicit file operands are always read; archives and images never consult them.
  bool read_ignore_files = true;
  VerboseLog* verbose = nullptr;     // -v; null: quiet
  const MemberFilter* only = nullptr;  // set: a re-read of these members alone
  // In such a re-read, the sink reads a plain tar member's bytes itself (Entry::member_file) as
  // the workers do, into a buffer it reuses; else the entry carries them.
  bool sink_reads_members = false;
  // Threads that list a directory walk's directories (the scan's jobs); 1: the caller's alone.
  unsigned listers = 1;
};

struct Opener {
  const char* name;
  // Returns false when the operand is not of this kind; true when it handled it (even with
  // notices reported).
  bool (*open)(const std::string& operand, const WalkOptions& options, EntrySink& sink);
};

const std::vector<Opener>& Openers();

// Tries every opener in turn; reports an error notice when none accepts the operand.
void OpenOperand(const std::string& operand, const WalkOptions& options, EntrySink& sink);

// Display path of `rel` under `operand`: "fixtures/demo" + "etc/ntp.conf", no "./" prefix.
std::string JoinDisplayPath(const std::string& operand, const std::string& rel);

}  // namespace ntpsweep::input
