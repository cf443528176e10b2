// The content-kind table and the two ways content reaches it: as a stream (an archive member,
// stdin, a file inside a disk image) or as a regular file (an operand, a file in a directory).
#include "input/dispatch.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>

#include "core/fd.h"
#include "core/file.h"
#include "input/archive.h"
#include "input/byte_order.h"
#include "input/disk.h"

namespace ntpsweep::input {
namespace {

// A text VMDK descriptor names its extents by path (`RW 8192 FLAT "disk-flat.vmdk" 0`), which
// could be any file of the machine running the scan (/etc/shadow, /dev/zero): never opened.
// The descriptor is said to be unfollowed, and its own text is scanned.
void NoteVmdkDescriptor(InputScan& scan, const Chain& chain, std::string_view text) {
  std::string named;
  int listed = 0;
  for (size_t p = 0; p < text.size() && listed < 3;) {
    size_t eol = text.find('\n', p);
    std::string_view line =
        text.substr(p, eol == std::string_view::npos ? std::string_view::npos : eol - p);
    p = eol == std::string_view::npos ? text.size() : eol + 1;
    size_t k = line.find_first_not_of(" \t");
    if (k == std::string_view::npos) continue;
    line.remove_prefix(k);
    if (!line.starts_with("RW ") && !line.starts_with("RDONLY ") && !line.starts_with("NOACCESS "))
      continue;
    size_t q = line.find('"'), r = q == std::string_view::npos ? q : line.find('"', q + 1);
    if (r == std::string_view::npos) continue;
    named += (listed++ ? ", " : "") + std::string(line.substr(q, r - q + 1));
  }
  scan.Note(
      Notice::Level::kWarning, "unsupported-format", chain,
      Location{chain}.Render() + ": a VMDK descriptor; the extent files it names" +
          (named.empty() ? std::string() : " (" + named + ")") +
          " are never opened, so the disk it describes was not scanned (scan a self-contained "
          "VMDK or the raw disk); the descriptor itself was scanned as text");
}

void ReadVmdkDescriptorFile(InputScan& scan, int fd, const std::string& fs_path, const Chain& chain,
                            const Sniffed& kind, bool operand) {
  (void)kind, (void)operand;
  std::string head(kSniffBytes, '\0');
  ssize_t n = pread(fd, head.data(), head.size(), 0);
  head.resize(n > 0 ? static_cast<size_t>(n) : 0);
  NoteVmdkDescriptor(scan, chain, head);
  Entry e;
  e.location.chain = chain;
  e.path = chain.back();
  e.fs_path = fs_path;
  scan.sink().Add(std::move(e));
}

// Adding a format is adding its reader file and a line here.
constexpr ContentReader kReaders[] = {
    {ContentKind::kArchive, WalkArchive, nullptr, ReadArchiveFile},
    {ContentKind::kCompressed, WalkArchive, nullptr, ReadArchiveFile},
    {ContentKind::kSevenZip, WalkArchive, ReadArchiveMemory, ReadArchiveFile},
    {ContentKind::kDisk, nullptr, ScanDiskMemory, ScanDiskFile},
    {ContentKind::kVmdk, nullptr, nullptr, ScanDiskFile},
    {ContentKind::kVhd, nullptr, nullptr, ScanDiskFile},
    {ContentKind::kVhdx, nullptr, nullptr, ScanDiskFile},
    {ContentKind::kVmdkDescriptor, nullptr, nullptr, ReadVmdkDescriptorFile},
};

// Small text kept for the image probe (manifests, configs, indexes).
constexpr size_t kMaxKeptBytes = 4u << 20;

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

}  // namespace

namespace {

// Whether ScanContent opens `s` (or names it unsupported) rather than reading it as text.
bool IsContainer(const Sniffed& s) {
  return s.kind != ContentKind::kPlain && s.kind != ContentKind::kVmdkDescriptor;
}

}  // namespace

std::string ContainerFormat(std::string_view head) {
  Sniffed s = Sniff(head);
  return IsContainer(s) ? s.format : std::string();
}

void CountNotOpened(EntrySink& sink, const WalkOptions& options, const std::string& where,
                    std::string_view format) {
  sink.CountSkipped(kArchiveNotOpened);
  if (options.verbose)
    options.verbose->Line("skip", where, std::string(format) + ", not opened (--archives off)");
}

const ContentReader* FindContentReader(ContentKind kind) {
  for (const ContentReader& r : kReaders)
    if (r.kind == kind) return &r;
  return nullptr;
}

void ScanContent(InputScan& scan, ByteSource& src, const Chain& chain, const std::string& path,
                 int depth, LayerIndex* layer, std::string* keep, bool part_of_parent) {
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
  // Rendered only for a notice: most members get none.
  auto where = [&] { return Location{chain}.Render(); };
  if (depth > 0 && !scan.options().open_archives && !part_of_parent && IsContainer(s)) {
    // --archives off: counted, not read (the operand itself, depth 0 or its own level, is).
    // The location is rendered for --verbose alone (2,504 .gz members of the rootfs tar).
    CountNotOpened(scan.sink(), scan.options(), scan.options().verbose ? where() : std::string(),
                   s.format);
    return;
  }
  auto too_deep = [&] {
    scan.Note(Notice::Level::kWarning, "limit-depth", chain,
              where() + ": " + s.format + " nested deeper than " +
                  std::to_string(limits.max_depth) + " levels is not opened (--max-depth)");
  };
  switch (s.kind) {
    case ContentKind::kUnsupported:
      scan.Note(Notice::Level::kWarning, "unsupported-format", chain,
                where() + ": " + s.format + " is not supported; nothing inside it was scanned");
      return;
    case ContentKind::kPlain:
      break;
    case ContentKind::kVmdkDescriptor:
      NoteVmdkDescriptor(scan, chain, head);
      break;  // and read as the text it is
    default: {
      // The readers keep the head while they read on: no longer a view of the first block.
      peek.Own();
      head = peek.head();
      const ContentReader* reader = FindContentReader(s.kind);
      if (!reader || (!reader->stream && !reader->memory)) {
        scan.Note(Notice::Level::kWarning, "unsupported-nested-disk", chain,
                  where() + ": a " + s.format +
                      " disk image read from a stream (an archive member, a file inside a disk "
                      "image, stdin) is not opened: its reader needs a file; scan the file itself");
        return;
      }
      if (depth >= limits.max_depth) return too_deep();
      if (scan.options().verbose) scan.options().verbose->Line("open", where(), s.format);
      if (!reader->memory)
        return reader->stream(scan, peek, chain, path, depth + 1, s, head, layer);
      // Random access: held in memory within a cap, never spilled to disk.
      std::string data, error;
      if (!Buffer(peek, limits.max_buffer_bytes, &data, &error)) {
        scan.Note(
            Notice::Level::kWarning,
            peek.limited() || error.find("--max-buffer") != std::string::npos ? "limit-buffer"
                                                                              : "unreadable-entry",
            chain, where() + ": " + s.format + " needs random access and was not read: " + error);
        return;
      }
      return reader->memory(scan, std::move(data), chain, path, depth + 1, s, layer);
    }
  }
  // UTF-16 text holds NULs too: the worker decodes it, as it does a file's (core/file.h).
  if (IsBinaryContent(head)) return AddBinary(scan, chain, path, head);
  Entry e;
  e.location.chain = chain;
  e.path = path;
  e.properties = scan.properties();
  e.archive_offset = scan.member_offset();
  e.archive_data_offset = scan.member_data_offset();
  e.costly_to_reread = scan.in_slow_stream();
  e.cheap_to_rewalk = scan.cheap_to_rewalk();
  e.sole_member = scan.sole_member() && chain.size() == 2;
  // One byte more than is matched, so that the worker reports the cut (entry-truncated).
  uint64_t want = limits.max_file_bytes + 1;
  // A plain member of a tar file: the worker reads it there, off this thread (not in a reading
  // again for linkage, unless its sink reads them too: it takes the bytes themselves).
  if (!keep && (!scan.options().only || scan.options().sink_reads_members) &&
      (peek.Defer(want, &e.member_file, &e.member_bytes) ||
       peek.DeferExtents(want, &e.member_file, &e.member_bytes, &e.member_extents)))
    return scan.sink().Add(std::move(e));
  // One allocation for the whole member when its size is known, not one per doubling.
  const uint64_t capacity = std::min<uint64_t>(src.size_hint(), want);
  e.data = peek.TakeHead(static_cast<size_t>(capacity));  // `head` ends here
  if (e.data.size() > want) e.data.resize(want);
  if (capacity > e.data.size()) e.data.reserve(capacity);
  std::string_view b;
  bool ok = true;
  while (ok && e.data.size() < want) {
    if (!peek.Next(&b)) {
      ok = false;
      break;
    }
    if (b.empty()) break;
    e.data.append(b.data(), std::min<uint64_t>(b.size(), want - e.data.size()));
  }
  if (!ok)
    scan.Note(
        Notice::Level::kWarning, "unreadable-entry", chain,
        "cannot read all of " + where() + ": " + src.error() + " (the part read was scanned)");
  if (keep && e.data.size() <= kMaxKeptBytes) *keep = e.data;
  scan.sink().Add(std::move(e));
}

namespace {

// A VHDX whose file type identifier ("vhdxfile" at offset 0) is damaged though its first header
// is sound (at 64 KiB: "head", a CRC-32C over its 4 KiB taken with that field zeroed, log version
// 0, version 1; MS-VHDX 2.2.2): Hyper-V reads it by its headers, libvhdi opens none without the
// identifier. `probe`: the first kVolumeProbeBytes.
bool DamagedVhdx(std::string_view probe) {
  constexpr size_t kHeader = 65536, kSize = 4096;
  static_assert(kHeader + kSize <= kVolumeProbeBytes);
  if (probe.size() < kHeader + kSize || probe.starts_with("vhdxfile") ||
      probe.substr(kHeader, 4) != "head" || Le(probe, kHeader + 64, 2) != 0 ||
      Le(probe, kHeader + 66, 2) != 1)
    return false;
  std::string header(probe.substr(kHeader, kSize));
  header.replace(4, 4, 4, '\0');  // the checksum field, taken as zeros
  return ReflectedCrc32(header, kCrc32c) == Le(probe, kHeader + 4, 4);
}

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
  if (out->kind == ContentKind::kPlain && LooksBinary(head) && size >= kVolumeProbeBytes) {
    // btrfs and UFS keep their magic past the head: a bare volume image is named or read, not
    // skipped as binary.
    std::string probe(kVolumeProbeBytes, '\0');
    if (pread(fd, probe.data(), probe.size(), 0) == static_cast<ssize_t>(probe.size())) {
      if (std::string u = UnsupportedVolume(probe); !u.empty()) *out = {ContentKind::kUnsupported, u};
      else if (std::string v = FarVolume(probe); !v.empty())
        *out = {ContentKind::kDisk, v};
      else if (DamagedVhdx(probe))
        *out = {ContentKind::kUnsupported,
                "VHDX whose file type identifier at offset 0 is damaged (its header at 64 KiB is "
                "sound; libvhdi opens no VHDX without the identifier)"};
    }
  }
  if (out->kind == ContentKind::kDisk || out->kind == ContentKind::kPlain) {
    // A fixed VHD is raw data followed by a 512-byte footer.
    if (size >= 1024 && size % 512 == 0 && LooksBinary(head)) {
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

bool MayBeContainer(std::string_view head, uint64_t size) {
  if (Sniff(head).kind != ContentKind::kPlain || NeedsIsoProbe(head)) return true;
  if (!LooksBinary(head)) return false;  // the probes below are for binary heads only
  return size >= kVolumeProbeBytes || (size >= 1024 && size % 512 == 0);
}

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
  if (!scan.Admit(chain)) return true;
  if (s.kind == ContentKind::kUnsupported) {
    // An operand nothing of which can be read is an input error (exit 2), like a FIFO; the
    // same file met in a directory is a warning.
    scan.Note(operand ? Notice::Level::kError : Notice::Level::kWarning, "unsupported-format",
              chain, display + ": " + s.format + " is not supported; nothing inside it was scanned");
    return true;
  }
  if (options.verbose) options.verbose->Line("open", display, s.format);
  FindContentReader(s.kind)->file(scan, fd.get(), fs_path, chain, s, operand);
  return true;
}

bool OpenArchiveOperand(const std::string& operand, const WalkOptions& options, EntrySink& sink) {
  struct stat st;
  if (stat(operand.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return false;
  // A link named as the operand is followed: OpenContainerFile opens with O_NOFOLLOW.
  std::string fs_path = operand;
  std::error_code ec;
  if (std::filesystem::is_symlink(operand, ec))
    fs_path = std::filesystem::canonical(operand, ec).string();
  if (ec) return false;
  return OpenContainerFile(fs_path, JoinDisplayPath(operand, ""), options, sink, /*operand=*/true);
}

bool OpenStdinOperand(const std::string& operand, const WalkOptions& options, EntrySink& sink) {
  if (operand != "-") return false;
  // A "-" file in the current directory is still stdin, as for tar and cat.
  if (options.progress) options.progress->BeginInput("stdin", 0);
  InputScan scan(options, sink, 0);
  if (!scan.Admit(Chain{"-"})) return true;
  FdSource src(STDIN_FILENO, false, &scan);
  ScanContent(scan, src, Chain{"-"}, "-", 0, nullptr, nullptr);
  return true;
}

}  // namespace ntpsweep::input
