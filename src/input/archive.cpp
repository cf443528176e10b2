#include "core/fd.h"
#include "input/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "input/disk.h"

namespace ntpsweep::input {
namespace {

constexpr size_t kReadBlock = 1u << 20;
// Image metadata (manifests, configs, indexes) kept for ResolveImage.
constexpr size_t kMaxKeptBytes = 4u << 20;
constexpr uint64_t kMaxKeptTotal = 64u << 20;  // per archive
// A gzip/zstd/... member whose decompressed content is one file: how libarchive names it.
constexpr std::string_view kRawName = "data";

struct ArchiveFree {
  void operator()(archive* a) const { archive_read_free(a); }
};
using ArchivePtr = std::unique_ptr<archive, ArchiveFree>;

Chain Child(const Chain& chain, std::string part) {
  Chain c = chain;
  c.push_back(std::move(part));
  return c;
}

std::string DirOf(const std::string& p) {
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? "" : p.substr(0, slash + 1);
}

std::string BaseOf(const std::string& p) {
  size_t slash = p.rfind('/');
  return slash == std::string::npos ? p : p.substr(slash + 1);
}

// The name of a compressed file's content: what gunzip would write ("ntp.conf.gz" ->
// "ntp.conf"), else the name stored in a gzip header, else "data".
std::string DecompressedName(const std::string& path, std::string_view head) {
  static const char* const kSuffixes[] = {".gz", ".tgz", ".bz2", ".xz", ".lzma", ".zst", ".zstd",
                                          ".lz4", ".Z", ".z", ".gzip"};
  std::string base = BaseOf(path);
  for (const char* s : kSuffixes) {
    std::string_view suffix(s);
    if (base.size() > suffix.size() && base.ends_with(suffix)) {
      std::string stem = base.substr(0, base.size() - suffix.size());
      if (suffix == ".tgz") stem += ".tar";
      return stem;
    }
  }
  // gzip: FLG bit 3 (FNAME) = a NUL-terminated name after the 10-byte header (and FEXTRA).
  if (head.size() > 10 && static_cast<unsigned char>(head[0]) == 0x1f &&
      static_cast<unsigned char>(head[1]) == 0x8b && (head[3] & 0x08)) {
    size_t p = 10;
    if (head[3] & 0x04) {
      if (head.size() < 12) return std::string(kRawName);
      p += 2 + (static_cast<unsigned char>(head[10]) | static_cast<unsigned char>(head[11]) << 8);
    }
    size_t end = head.find('\0', p);
    if (end != std::string_view::npos && end > p) {
      std::string name = BaseOf(std::string(head.substr(p, end - p)));
      if (!name.empty() && name != "." && name != "..") return name;
    }
  }
  return std::string(kRawName);
}

la_ssize_t ReadCallback(archive* a, void* data, const void** buf) {
  auto* src = static_cast<ByteSource*>(data);
  std::string_view block;
  if (!src->Next(&block)) {
    std::string e = src->error();
    archive_set_error(a, EIO, "%s", e.empty() ? "read error" : e.c_str());
    return -1;
  }
  *buf = block.data();
  return static_cast<la_ssize_t>(block.size());
}

la_int64_t SeekCallback(archive*, void* data, la_int64_t offset, int whence) {
  return static_cast<ByteSource*>(data)->Seek(offset, whence);
}

la_int64_t SkipCallback(archive*, void* data, la_int64_t request) {
  auto* src = static_cast<ByteSource*>(data);
  if (!src->seekable() || request <= 0) return 0;  // libarchive then reads and discards
  int64_t here = src->Seek(0, SEEK_CUR);
  if (here < 0 || src->Seek(request, SEEK_CUR) < 0) return 0;
  return request;
}

// The explicit list: what ntpsweep promises to read, nothing a future libarchive adds.
void EnableFormats(archive* a, bool raw) {
  archive_read_support_filter_gzip(a);
  archive_read_support_filter_bzip2(a);
  archive_read_support_filter_xz(a);
  archive_read_support_filter_lzma(a);
  archive_read_support_filter_zstd(a);
  archive_read_support_filter_lz4(a);
  archive_read_support_filter_compress(a);
  archive_read_support_filter_rpm(a);
  archive_read_support_format_tar(a);
  archive_read_support_format_cpio(a);
  archive_read_support_format_zip(a);
  archive_read_support_format_7zip(a);
  archive_read_support_format_iso9660(a);
  archive_read_support_format_ar(a);
  archive_read_support_format_xar(a);
  // A compressed stream may hold a single file (ntp.conf.gz): read it as one member.
  if (raw) archive_read_support_format_raw(a);
}

// Replays the first bytes of a source (read for sniffing) before the rest of it.
class PeekSource : public ByteSource {
 public:
  explicit PeekSource(ByteSource& inner) : inner_(inner) {}

  // Reads until `n` bytes are held or the source ends. False on a read error.
  bool Fill(size_t n) {
    while (head_.size() < n && !inner_eof_) {
      std::string_view b;
      if (!inner_.Next(&b)) return false;
      if (b.empty()) {
        inner_eof_ = true;
        break;
      }
      head_.append(b.data(), b.size());
    }
    return true;
  }
  std::string_view head() const { return head_; }

  bool Next(std::string_view* block) override {
    if (!replayed_) {
      replayed_ = true;
      if (!head_.empty()) {
        *block = head_;
        return true;
      }
    }
    if (inner_eof_) {
      *block = {};
      return true;
    }
    if (!inner_.Next(block)) return false;
    if (block->empty()) inner_eof_ = true;
    return true;
  }
  bool at_eof() const override { return replayed_ && inner_eof_; }
  std::string error() const override { return inner_.error(); }
  bool limited() const override { return inner_.limited(); }

 private:
  ByteSource& inner_;
  std::string head_;
  bool replayed_ = false;
  bool inner_eof_ = false;
};

// The data of the current member of an archive, with sparse holes filled and the per-entry and
// per-input limits applied.
class MemberSource : public ByteSource {
 public:
  MemberSource(archive* a, InputScan& scan, const Chain& chain)
      : a_(a), scan_(scan), chain_(chain) {}

  bool Next(std::string_view* block) override {
    *block = {};
    if (eof_ || limited_) return true;
    if (!pending_) {
      const void* buf = nullptr;
      size_t len = 0;
      la_int64_t off = 0;
      int r = archive_read_data_block(a_, &buf, &len, &off);
      if (r == ARCHIVE_EOF) {
        eof_ = true;
        return true;
      }
      if (r < ARCHIVE_WARN) {
        const char* e = archive_error_string(a_);
        error_ = e ? e : "read error";
        failed_ = true;
        return false;
      }
      pending_ = static_cast<const char*>(buf);
      pending_len_ = len;
      pending_off_ = off < 0 ? pos_ : static_cast<uint64_t>(off);
    }
    if (pending_off_ > pos_) {  // a hole in a sparse member reads as zeros
      static const char kZeros[65536] = {};
      *block = std::string_view(kZeros, std::min<uint64_t>(sizeof kZeros, pending_off_ - pos_));
    } else {
      *block = std::string_view(pending_, pending_len_);
      pending_ = nullptr;
    }
    pos_ += block->size();
    produced_ += block->size();
    if (!scan_.Produce(block->size(), chain_)) {
      limited_ = true;
      *block = {};
      return true;
    }
    if (produced_ > scan_.limits().max_entry_bytes) {
      limited_ = true;
      entry_limit_ = true;
      size_t keep = block->size() - static_cast<size_t>(produced_ - scan_.limits().max_entry_bytes);
      *block = block->substr(0, keep);
    }
    return true;
  }
  bool at_eof() const override { return eof_; }
  std::string error() const override { return error_; }
  bool limited() const override { return limited_; }
  bool failed() const { return failed_; }
  bool entry_limit() const { return entry_limit_; }

  // Reads to the end of the member through the limits (decompressing what must be).
  bool Drain() {
    limited_ = false;
    std::string_view b;
    while (!eof_) {
      if (!Next(&b)) return false;
      if (limited_ || scan_.stopped()) return true;
    }
    return true;
  }

 private:
  archive* a_;
  InputScan& scan_;
  const Chain& chain_;
  const char* pending_ = nullptr;
  size_t pending_len_ = 0;
  uint64_t pending_off_ = 0;
  uint64_t pos_ = 0;
  uint64_t produced_ = 0;
  bool eof_ = false;
  bool limited_ = false;
  bool entry_limit_ = false;
  bool failed_ = false;
  std::string error_;
};

void AddBinary(InputScan& scan, const Chain& chain, const std::string& path, std::string_view head) {
  // The worker counts it as binary from the bytes up to its first NUL (all that shows it is
  // binary: no 8 KiB copy per member); the rest is never read.
  Entry e;
  e.location.chain = chain;
  e.path = path;
  e.data.assign(head.substr(0, head.find('\0') + 1));
  e.properties = scan.properties();
  scan.sink().Add(std::move(e));
}

// Whether skipping the rest of a member costs nothing but I/O: no decompression at this level.
bool CheapSkip(archive* a) {
  int base = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;
  return archive_filter_count(a) <= 1 &&
         (base == ARCHIVE_FORMAT_TAR || base == ARCHIVE_FORMAT_CPIO || base == ARCHIVE_FORMAT_AR);
}

// Reads the whole source into memory, up to `cap`. False when it is larger (or unreadable).
bool Buffer(ByteSource& src, uint64_t cap, std::string* out, std::string* error) {
  std::string_view b;
  for (;;) {
    if (!src.Next(&b)) {
      *error = src.error();
      return false;
    }
    if (b.empty()) return !src.limited();
    if (out->size() + b.size() > cap) {
      *error = "larger than the random-access buffer (--max-buffer " + HumanBytes(cap) + ")";
      return false;
    }
    out->append(b.data(), b.size());
  }
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// InputScan

InputScan::InputScan(const WalkOptions& options, EntrySink& sink, uint64_t input_size)
    : options_(options), sink_(sink), input_size_(input_size) {
  amendment_.all_layers = options.all_layers;
}

InputScan::~InputScan() {
  if (!amendment_.empty()) sink_.Amend(std::move(amendment_));
}

void InputScan::Note(Notice::Level level, std::string id, const Chain& where, std::string message) {
  sink_.Report(Notice{level, std::move(id), Location{where}, 0, 0, std::move(message)});
}

bool InputScan::Produce(uint64_t n, const Chain& where) {
  if (stopped_) return false;
  produced_ += n;
  const Limits& l = options_.limits;
  if (produced_ > l.max_input_bytes) {
    stopped_ = true;
    Note(Notice::Level::kWarning, "limit-input-size", where,
         Location{where}.Render() + ": stopped reading this input after " +
             HumanBytes(l.max_input_bytes) + " decompressed (--max-input-size)");
    return false;
  }
  uint64_t base = std::max(input_size_, consumed_);
  if (produced_ > Limits::kRatioFloor && base > 0 && produced_ / base >= l.max_ratio) {
    stopped_ = true;
    Note(Notice::Level::kWarning, "limit-ratio", where,
         Location{where}.Render() + ": stopped reading this input: " + HumanBytes(produced_) +
             " decompressed from " + HumanBytes(base) + " is more than " +
             std::to_string(l.max_ratio) + " times its size (a decompression bomb?) (--max-ratio)");
    return false;
  }
  return true;
}

void InputScan::Consume(uint64_t n) {
  consumed_ += n;
  if (options_.progress) options_.progress->AddBytes(n);
}

// ---------------------------------------------------------------------------------------------
// Sources

FdSource::FdSource(int fd, bool seekable, InputScan* scan)
    : fd_(fd), seekable_(seekable), scan_(scan) {}

bool FdSource::Next(std::string_view* block) {
  if (buffer_.size() != kReadBlock) buffer_.resize(kReadBlock);
  for (;;) {
    ssize_t n = read(fd_, buffer_.data(), buffer_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error_ = std::strerror(errno);
      return false;
    }
    if (n == 0) eof_ = true;
    if (scan_) scan_->Consume(static_cast<uint64_t>(n));
    *block = std::string_view(buffer_.data(), static_cast<size_t>(n));
    return true;
  }
}

int64_t FdSource::Seek(int64_t offset, int whence) {
  if (!seekable_) return -1;
  off_t r = lseek(fd_, offset, whence);
  if (r >= 0) eof_ = false;
  return r;
}

bool MemorySource::Next(std::string_view* block) {
  size_t n = std::min(kReadBlock, data_.size() - std::min(pos_, data_.size()));
  *block = std::string_view(data_).substr(std::min(pos_, data_.size()), n);
  pos_ += n;
  return true;
}

int64_t MemorySource::Seek(int64_t offset, int whence) {
  int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? static_cast<int64_t>(pos_)
                                                             : static_cast<int64_t>(data_.size());
  int64_t p = base + offset;
  if (p < 0) return -1;
  pos_ = static_cast<size_t>(p);
  return p;
}

bool LimitedSource::Next(std::string_view* block) {
  *block = {};
  if (limited_) return true;
  if (!inner_.Next(block)) return false;
  produced_ += block->size();
  if (!scan_.Produce(block->size(), chain_)) {
    limited_ = true;
    *block = {};
  } else if (produced_ > scan_.limits().max_entry_bytes) {
    limited_ = entry_limit_ = true;
    *block = block->substr(0, block->size() - static_cast<size_t>(produced_ - scan_.limits().max_entry_bytes));
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Names

std::string NormalizeMemberName(std::string_view name, bool* unsafe) {
  *unsafe = false;
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

// ---------------------------------------------------------------------------------------------
// Reading content

void ScanContent(InputScan& scan, ByteSource& src, const Chain& chain, const std::string& path,
                 int depth, LayerIndex* layer, std::string* keep) {
  const Limits& limits = scan.limits();
  PeekSource peek(src);
  if (!peek.Fill(kSniffBytes) ||
      (NeedsIsoProbe(peek.head()) && !peek.Fill(kIsoProbeBytes))) {
    scan.Note(Notice::Level::kWarning, "unreadable-entry", chain,
              "cannot read " + Location{chain}.Render() + ": " + src.error());
    return;
  }
  std::string_view head = peek.head();
  Sniffed s = Sniff(head);
  std::string where = Location{chain}.Render();
  auto too_deep = [&] {
    scan.Note(Notice::Level::kWarning, "limit-depth", chain,
              where + ": " + s.format + " nested deeper than " + std::to_string(limits.max_depth) +
                  " levels is not opened (--max-depth)");
  };
  switch (s.kind) {
    case ContentKind::kArchive:
    case ContentKind::kCompressed:
      if (depth >= limits.max_depth) return too_deep();
      return WalkArchive(scan, peek, chain, path, depth + 1, s, head, layer);
    case ContentKind::kSevenZip:
    case ContentKind::kDisk: {
      if (depth >= limits.max_depth) return too_deep();
      // Both need random access: held in memory within a cap, never spilled to disk.
      std::string data, error;
      if (!Buffer(peek, limits.max_buffer_bytes, &data, &error)) {
        scan.Note(Notice::Level::kWarning,
                  peek.limited() || error.find("--max-buffer") != std::string::npos
                      ? "limit-buffer"
                      : "unreadable-entry",
                  chain, where + ": " + s.format + " needs random access and was not read: " + error);
        return;
      }
      if (s.kind == ContentKind::kDisk) return ScanDiskMemory(scan, std::move(data), chain, s, depth + 1);
      MemorySource mem(std::move(data));
      std::string first = mem.data().substr(0, kSniffBytes);
      return WalkArchive(scan, mem, chain, path, depth + 1, s, first, layer);
    }
    case ContentKind::kVmdk:
    case ContentKind::kVhd:
    case ContentKind::kVhdx:
      scan.Note(Notice::Level::kWarning, "unsupported-nested-disk", chain,
                where + ": a " + s.format +
                    " disk image read from a stream (an archive member, a file inside a disk "
                    "image, stdin) is not opened: its reader needs a file; scan the file itself");
      return;
    case ContentKind::kUnsupported:
      scan.Note(Notice::Level::kWarning, "unsupported-format", chain,
                where + ": " + s.format + " is not supported; nothing inside it was scanned");
      return;
    case ContentKind::kPlain:
      break;
  }
  if (HasNul(head)) return AddBinary(scan, chain, path, head);
  Entry e;
  e.location.chain = chain;
  e.path = path;
  e.properties = scan.properties();
  // One byte more than is matched, so that the worker reports the cut (entry-truncated).
  uint64_t want = limits.max_file_bytes + 1;
  e.data.assign(head.substr(0, std::min<uint64_t>(head.size(), want)));
  std::string_view b;
  bool ok = true;
  if (!peek.Next(&b)) ok = false;  // the replayed head
  while (ok && e.data.size() < want) {
    if (!peek.Next(&b)) {
      ok = false;
      break;
    }
    if (b.empty()) break;
    e.data.append(b.data(), std::min<uint64_t>(b.size(), want - e.data.size()));
  }
  if (!ok)
    scan.Note(Notice::Level::kWarning, "unreadable-entry", chain,
              "cannot read all of " + where + ": " + src.error() + " (the part read was scanned)");
  if (keep && e.data.size() <= kMaxKeptBytes) *keep = e.data;
  scan.sink().Add(std::move(e));
}

void WalkArchive(InputScan& scan, ByteSource& src, const Chain& chain, const std::string& path,
                 int depth, const Sniffed& format, std::string_view head, LayerIndex* self) {
  const Limits& limits = scan.limits();
  std::string where = Location{chain}.Render();
  ArchivePtr a(archive_read_new());
  if (!a) {
    scan.Note(Notice::Level::kError, "archive-error", chain, where + ": out of memory");
    return;
  }
  EnableFormats(a.get(), format.kind == ContentKind::kCompressed);
  archive_read_set_callback_data(a.get(), &src);
  archive_read_set_read_callback(a.get(), ReadCallback);
  if (src.seekable()) {
    archive_read_set_seek_callback(a.get(), SeekCallback);
    archive_read_set_skip_callback(a.get(), SkipCallback);
  }
  if (archive_read_open1(a.get()) != ARCHIVE_OK) {
    const char* e = archive_error_string(a.get());
    scan.Note(Notice::Level::kWarning, "archive-error", chain,
              where + ": cannot read it as " + format.format + ": " + (e ? e : "unknown error"));
    return;
  }
  ImageProbe probe;
  uint64_t kept_bytes = 0;
  uint64_t entries = 0;
  bool member_failed = false;
  bool unsafe_reported = false;
  for (;;) {
    if (scan.stopped()) break;
    archive_entry* entry = nullptr;
    int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      if (member_failed) break;  // the member's read error was reported already
      const char* e = archive_error_string(a.get());
      std::string err = e ? e : "unknown error";
      bool tar = (archive_format(a.get()) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR;
      // Layers written by some tools (umoci 0.4) end without the two zero blocks: tolerated
      // when the stream ended exactly after a complete member.
      if (tar && entries > 0 && src.at_eof() && !src.limited() && err.find("Truncated") != std::string::npos)
        break;
      if (src.limited()) break;  // the parent's limit notice says why
      scan.Note(Notice::Level::kWarning, "archive-error", chain,
                where + ": " + err + (entries ? " (after " + std::to_string(entries) + " members)" : ""));
      break;
    }
    if (++entries > limits.max_entries) {
      scan.Note(Notice::Level::kWarning, "limit-entries", chain,
                where + ": more than " + std::to_string(limits.max_entries) +
                    " members; the rest were not read (--max-entries)");
      break;
    }
    if (r == ARCHIVE_RETRY) continue;  // libarchive skips a member it cannot make sense of
    scan.AddEntry();
    bool raw = archive_format(a.get()) == ARCHIVE_FORMAT_RAW;
    if (raw && archive_filter_count(a.get()) <= 1) {
      // No filter accepted the stream, so "raw" would hand back the same bytes, sniffed again.
      scan.Note(Notice::Level::kWarning, "archive-error", chain,
                where + ": not a valid " + format.format + " stream");
      break;
    }
    std::string name;
    if (raw) {
      name = DecompressedName(path, head);
    } else {
      // The stored bytes first: converting every name through the locale is a measurable cost,
      // and names are bytes to us. pax names that do not fit the locale come back as UTF-8.
      const char* n = archive_entry_pathname(entry);
      if (!n) n = archive_entry_pathname_utf8(entry);
      bool unsafe = false;
      name = NormalizeMemberName(n ? n : "", &unsafe);
      // "/" and "//" (an ar symbol table, long names) normalise to nothing: metadata, skipped.
      if (unsafe && !name.empty() && !unsafe_reported) {
        unsafe_reported = true;
        scan.Note(Notice::Level::kWarning, "archive-unsafe-name", chain,
                  where + ": member '" + std::string(n ? n : "") +
                      "' has an absolute name or '..' segments; such members are read as if "
                      "rooted in the archive (nothing is ever extracted)");
      }
    }
    if (name.empty()) continue;
    mode_t type = archive_entry_filetype(entry);
    const char* hardlink = archive_entry_hardlink(entry);
    bool has_size = archive_entry_size_is_set(entry);
    int64_t size = has_size ? archive_entry_size(entry) : -1;
    LayerEntry le{name, LayerEntry::Type::kFile};
    if (hardlink && size <= 0) {
      bool unsafe = false;
      std::string target = NormalizeMemberName(hardlink, &unsafe);
      le.type = LayerEntry::Type::kHardlink;
      if (self) self->entries.push_back(le);
      if (!target.empty() && target != name)
        scan.amendment().aliases.push_back({Child(chain, target), Child(chain, name)});
      continue;
    }
    if (type == AE_IFDIR) {
      le.type = LayerEntry::Type::kDir;
      if (self) self->entries.push_back(le);
      continue;
    }
    if (type == AE_IFLNK) {
      le.type = LayerEntry::Type::kSymlink;
      if (self) self->entries.push_back(le);
      const char* target = archive_entry_symlink(entry);
      if (target) probe.symlinks[name] = target;
      scan.sink().CountSkipped("symlink");
      continue;
    }
    if (type != AE_IFREG && type != 0) {
      le.type = LayerEntry::Type::kOther;
      if (self) self->entries.push_back(le);
      scan.sink().CountSkipped("special-file");
      continue;
    }
    if (self) self->entries.push_back(le);
    if (BaseOf(name).starts_with(".wh.")) continue;  // image whiteout: metadata, no content
    Chain child = Child(chain, name);
    std::string child_path = raw ? DirOf(path) + name : name;
    MemberSource member(a.get(), scan, child);
    LayerIndex nested;
    std::string keep;
    bool want_json = !raw && ImageProbe::WantsJson(name, has_size ? static_cast<uint64_t>(size) : 0);
    ScanContent(scan, member, child, child_path, depth, &nested, want_json ? &keep : nullptr);
    if (nested.is_tar) probe.layers[name] = std::move(nested);
    if (!keep.empty() && (kept_bytes += keep.size()) <= kMaxKeptTotal) probe.json[name] = std::move(keep);
    if (member.entry_limit())
      scan.Note(Notice::Level::kWarning, "limit-entry-size", child,
                Location{child}.Render() + ": only the first " + HumanBytes(limits.max_entry_bytes) +
                    " of this member were read (--max-entry-size)");
    if (member.failed()) {
      member_failed = true;  // the innermost reader that saw the error reported it
      break;
    }
    if (scan.stopped()) break;
    if (!member.at_eof()) {
      if (CheapSkip(a.get())) {
        if (archive_read_data_skip(a.get()) < ARCHIVE_WARN) {
          const char* e = archive_error_string(a.get());
          scan.Note(Notice::Level::kWarning, "archive-error", chain,
                    where + ": " + (e ? e : "read error") + " (in member " + name + ")");
          member_failed = true;
          break;
        }
      } else if (!member.Drain()) {
        member_failed = true;
        scan.Note(Notice::Level::kWarning, "archive-error", chain,
                  where + ": " + member.error() + " (in member " + name + ")");
        break;
      }
    }
  }
  if (self) self->is_tar = (archive_format(a.get()) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR;
  if (!probe.json.empty()) {
    auto image = ResolveImage(probe, chain, [&](const std::string& m) { return Child(chain, m); });
    if (image) {
      for (Notice& n : image->notices) scan.sink().Report(std::move(n));
      for (LayerRewrite& l : image->layers) scan.amendment().layers.push_back(std::move(l));
      return;  // the links at an image's root are its own plumbing (legacy layer.tar names)
    }
  }
  // A symbolic link to a file of the same archive reports that file's findings under its name.
  for (const auto& [link, target] : probe.symlinks) {
    std::string resolved = FollowLinks(probe.symlinks, link);
    if (!resolved.empty() && resolved != link)
      scan.amendment().aliases.push_back({Child(chain, resolved), Child(chain, link), "symlink"});
  }
}

// ---------------------------------------------------------------------------------------------
// Operands

namespace {

// Reads the first bytes of a file for sniffing (and the last 512, for a fixed VHD's footer).
bool SniffFile(int fd, uint64_t size, Sniffed* out) {
  std::string head(std::min<uint64_t>(size, kSniffBytes), '\0');
  ssize_t n = pread(fd, head.data(), head.size(), 0);
  if (n < 0) return false;
  head.resize(static_cast<size_t>(n));
  if (NeedsIsoProbe(head) && size > kSniffBytes) {
    head.resize(std::min<uint64_t>(size, kIsoProbeBytes));
    n = pread(fd, head.data(), head.size(), 0);
    if (n < 0) return false;
    head.resize(static_cast<size_t>(n));
  }
  *out = Sniff(head);
  if (out->kind == ContentKind::kPlain && HasNul(head) && size >= kVolumeProbeBytes) {
    // btrfs keeps its signature at 64 KiB: a bare volume image is named, not skipped as binary.
    std::string probe(kVolumeProbeBytes, '\0');
    if (pread(fd, probe.data(), probe.size(), 0) == static_cast<ssize_t>(probe.size()))
      if (std::string u = UnsupportedVolume(probe); !u.empty()) *out = {ContentKind::kUnsupported, u};
  }
  if (out->kind == ContentKind::kDisk || out->kind == ContentKind::kPlain) {
    // A fixed VHD is raw data followed by a 512-byte footer.
    if (size >= 1024 && size % 512 == 0 && HasNul(head)) {
      char tail[512];
      if (pread(fd, tail, sizeof tail, static_cast<off_t>(size - 512)) == 512 &&
          IsVhdFooter(std::string_view(tail, sizeof tail)))
        *out = {ContentKind::kVhd, "VHD (fixed)"};
    }
  }
  return true;
}

bool ReadsAsContainer(ContentKind k) { return k != ContentKind::kPlain; }

}  // namespace

bool OpenContainerFile(const std::string& fs_path, const std::string& display,
                       const WalkOptions& options, EntrySink& sink, bool operand) {
  Fd fd(open(fs_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY));
  if (fd.get() < 0) return false;  // the plain-file path reports it
  struct stat st;
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  uint64_t size = static_cast<uint64_t>(st.st_size);
  Sniffed s;
  if (!SniffFile(fd.get(), size, &s) || !ReadsAsContainer(s.kind)) return false;
  Chain chain{display};
  if (options.progress) options.progress->BeginInput(display, size);
  InputScan scan(options, sink, size);
  switch (s.kind) {
    case ContentKind::kDisk:
    case ContentKind::kVmdk:
    case ContentKind::kVhd:
    case ContentKind::kVhdx:
      ScanDiskFile(scan, fs_path, chain, s, operand);
      return true;
    case ContentKind::kUnsupported:
      // An operand nothing of which can be read is an input error (exit 2), like a FIFO; the
      // same file met in a directory is a warning.
      scan.Note(operand ? Notice::Level::kError : Notice::Level::kWarning, "unsupported-format", chain,
                display + ": " + s.format + " is not supported; nothing inside it was scanned");
      return true;
    default:
      break;
  }
  FdSource src(fd.get(), true, &scan);
  std::string head(std::min<uint64_t>(size, kSniffBytes), '\0');
  ssize_t n = pread(fd.get(), head.data(), head.size(), 0);
  head.resize(n > 0 ? static_cast<size_t>(n) : 0);
  WalkArchive(scan, src, chain, display, 1, s, head, nullptr);
  return true;
}

bool OpenArchiveOperand(const std::string& operand, const WalkOptions& options, EntrySink& sink) {
  struct stat st;
  if (stat(operand.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  return OpenContainerFile(operand, JoinDisplayPath(operand, ""), options, sink, /*operand=*/true);
}

bool OpenStdinOperand(const std::string& operand, const WalkOptions& options, EntrySink& sink) {
  if (operand != "-") return false;
  // A "-" file in the current directory is still stdin, as for tar and cat.
  if (options.progress) options.progress->BeginInput("stdin", 0);
  InputScan scan(options, sink, 0);
  FdSource src(STDIN_FILENO, false, &scan);
  ScanContent(scan, src, Chain{"-"}, "-", 0, nullptr, nullptr);
  return true;
}

}  // namespace ntpsweep::input
