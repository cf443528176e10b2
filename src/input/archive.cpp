#include "core/fd.h"
#include "input/archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>
#include <optional>

#include "core/file.h"
#include "input/archive_sniff.h"
#include "input/byte_order.h"
#include "input/decompress_ahead.h"
#include "input/dispatch.h"
#include "input/gzip_source.h"
#include "input/member_path.h"
#include "input/tar_headers.h"
#include "input/zip_overlap.h"

namespace ntpsweep::input {
namespace {

// Reads of an uncompressed tar, cpio or ar file: rootfs.tar's reads took 258 of its 316 MB in
// 1 MiB blocks, 176 MB in these (members not read are skipped by a seek).
constexpr size_t kPlainArchiveRead = 64u << 10;
// The smallest read of a file smaller than that (one grown since is read on in such reads).
constexpr size_t kSmallestRead = 4u << 10;
// A zstd file at least this large is decompressed on a thread of its own (DecompressAhead): for
// a smaller one, starting the thread costs more than it saves.
constexpr uint64_t kAheadBytes = 1u << 20;
// What a gzip stream is inflated past its reader's end to reach its last trailer (a tar's
// record padding is 10 KiB; more after the end is not inflated just to check it).
constexpr uint64_t kGzipReadOn = 1u << 20;
// A tar block: a header, or the unit members are padded to.
constexpr size_t kTarBlock = 512;
// What TarMembers::ReadDataAt reads of a member with its header (most are a few KiB).
constexpr size_t kFirstRead = 16u << 10;
// Image metadata (manifests, configs, indexes) kept for ResolveImage.
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

std::string_view BaseOf(std::string_view p) {
  size_t slash = p.rfind('/');
  return slash == std::string_view::npos ? p : p.substr(slash + 1);
}

// The name of a compressed file's content: what gunzip would write ("ntp.conf.gz" ->
// "ntp.conf"), else the name stored in a gzip header, else "data".
std::string DecompressedName(const std::string& path, std::string_view head) {
  static const char* const kSuffixes[] = {".gz", ".tgz", ".bz2", ".xz", ".lzma", ".zst", ".zstd",
                                          ".lz4", ".Z", ".z", ".gzip"};
  std::string_view base = BaseOf(path);
  for (const char* s : kSuffixes) {
    std::string_view suffix(s);
    if (base.size() > suffix.size() && base.ends_with(suffix)) {
      std::string stem(base.substr(0, base.size() - suffix.size()));
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
      std::string name(BaseOf(head.substr(p, end - p)));
      if (!name.empty() && name != "." && name != "..") return name;
    }
  }
  return std::string(kRawName);
}

// One archive's reading: its source, and what the ratio limit weighs its members against.
struct ArchiveInput {
  ByteSource* src;
  uint64_t size = 0;      // the archive's own size when known (a file, memory), else 0
  uint64_t pulled = 0;    // bytes of the archive read so far (a stream's size so far)
  uint64_t produced = 0;  // bytes of its members read so far, all members together
  bool over_ratio = false;
  const GzipSource* gz = nullptr;  // inflating src ahead of libarchive: it counts the stored bytes
  // The block ReadCallback gave last (valid until src's next read) and the end of the one before
  // (libarchive reads a header across two): what it was given past a tar's end is checked there.
  std::string_view last = {};
  std::string before = {};

  uint64_t packed() const { return size ? size : gz ? gz->pulled() : pulled; }
};

la_ssize_t ReadCallback(archive* a, void* data, const void** buf) {
  auto* in = static_cast<ArchiveInput*>(data);
  constexpr size_t kKeep = 2 * kTarBlock;
  if (!in->src->seekable()) {  // a seekable source is read again where the tar ends
    if (in->last.size() >= kKeep)
      in->before.assign(in->last.substr(in->last.size() - kKeep));
    else
      in->before = in->before.substr(in->before.size() -
                                     std::min(in->before.size(), kKeep - in->last.size())) +
                   std::string(in->last);
  }
  in->last = {};
  std::string_view block;
  if (!in->src->Next(&block)) {
    std::string e = in->src->error();
    // Where libarchive's own gzip filter fails without a message, so does ours.
    if (!e.empty() || !in->gz)
      archive_set_error(a, EIO, "%s", e.empty() ? "read error" : e.c_str());
    return -1;
  }
  in->pulled += block.size();
  in->last = block;
  *buf = block.data();
  return static_cast<la_ssize_t>(block.size());
}

la_int64_t SeekCallback(archive*, void* data, la_int64_t offset, int whence) {
  return static_cast<ArchiveInput*>(data)->src->Seek(offset, whence);
}

la_int64_t SkipCallback(archive*, void* data, la_int64_t request) {
  auto* in = static_cast<ArchiveInput*>(data);
  ByteSource* src = in->src;
  if (!src->seekable() || request <= 0) return 0;  // libarchive then reads and discards
  int64_t here = src->Seek(0, SEEK_CUR);
  if (here < 0) return 0;
  // A seek may pass the end; the skip must not, or a tar cut inside a member it skips would end
  // quietly at the next header instead of as a truncated archive (libarchive reads the rest).
  if (in->size) request = std::min<int64_t>(request, static_cast<int64_t>(in->size) - here);
  if (request <= 0 || src->Seek(request, SEEK_CUR) < 0) return 0;
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

// The data of the current member of an archive, with sparse holes filled and the per-entry and
// per-input limits applied.
class MemberSource : public ByteSource {
 public:
  // `tar`: the member's data is read from it (ReadTarHeader gave its headers), not from `a`.
  MemberSource(archive* a, SourceTarBlocks* tar, InputScan& scan, const Chain& chain,
               ArchiveInput& archive, uint64_t size)
      : a_(a), tar_(tar), scan_(scan), chain_(chain), archive_(archive), size_(size) {}

  bool Next(std::string_view* block) override {
    *block = {};
    if (eof_ || limited_) return true;
    if (!pending_) {
      const void* buf = nullptr;
      size_t len = 0;
      la_int64_t off = 0;
      int r = tar_ ? TarDataBlock(&buf, &len, &off) : archive_read_data_block(a_, &buf, &len, &off);
      if (r == ARCHIVE_EOF) {
        eof_ = true;
        return true;
      }
      if (r < ARCHIVE_WARN) {
        const char* e = tar_ ? nullptr : archive_error_string(a_);
        error_ = tar_ ? tar_->error() : e ? e : "read error";
        failed_ = true;
        return false;
      }
      // The block still counts; a zip member whose CRC does not match says so here, at its end.
      if (r == ARCHIVE_WARN && damage_.empty()) {
        const char* e = archive_error_string(a_);
        damage_ = e ? e : "damaged data";
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
    if (OverArchiveRatio(block->size())) {
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
  bool Defer(uint64_t want, std::shared_ptr<const Fd>* file, uint64_t* bytes) override {
    if (!file_ || eof_ || limited_ || failed_) return false;
    // A member over --max-entry-size is read here, for that limit's notice.
    if (size_ > scan_.limits().max_entry_bytes) return false;
    const uint64_t n = std::min(size_, want);
    if (n > produced_) {
      // The limits Next applies, to the bytes the worker will read.
      const uint64_t more = n - produced_;
      if (!scan_.Produce(more, chain_)) {
        limited_ = true;
        return false;
      }
      produced_ = n;
      if (OverArchiveRatio(more)) return false;
    }
    // What the reading thread now skips by a seek is read by the worker: the progress counts it
    // (as far as the worker reads).
    const uint64_t read_end = n < size_ ? data_offset_ + n : data_end_;
    if (int64_t here = archive_.src->Seek(0, SEEK_CUR);
        here >= 0 && read_end > static_cast<uint64_t>(here))
      scan_.Consume(read_end - static_cast<uint64_t>(here));
    *file = file_;
    *bytes = n;
    return true;
  }
  // The member's data lies whole in `file`, from `data_offset` (Entry::archive_data_offset) to
  // `data_end` (the end of its last block), so a worker can read it there itself (Defer).
  void set_file(std::shared_ptr<const Fd> file, uint64_t data_offset, uint64_t data_end) {
    file_ = std::move(file);
    data_offset_ = data_offset;
    data_end_ = data_end;
  }
  bool failed() const { return failed_; }
  // A warning libarchive gave with the data (a bad CRC): what was read is scanned, but damaged.
  const std::string& damage() const { return damage_; }
  bool entry_limit() const { return entry_limit_; }
  // The stored size, capped: a forged header must not make anyone reserve gigabytes.
  uint64_t size_hint() const override {
    return std::min<uint64_t>(size_, scan_.limits().max_entry_bytes);
  }

  // Reads to the end of the member through the limits (decompressing what must be).
  bool Drain() {
    limited_ = false;
    std::string_view b;
    while (!eof_) {
      if (!Next(&b)) return false;
      if (limited_ || scan_.stopped() || archive_.over_ratio) return true;
    }
    return true;
  }

 private:
  // Counts `n` more bytes against the archive as a whole (all its members together against its
  // own compressed size); true, and this member limited, when that is over --max-ratio.
  bool OverArchiveRatio(uint64_t n) {
    archive_.produced += n;
    const uint64_t packed = archive_.packed();
    if (archive_.produced <= Limits::kRatioFloor || packed == 0 ||
        archive_.produced / packed < scan_.limits().max_ratio)
      return false;
    archive_.over_ratio = limited_ = true;
    return true;
  }

  int TarDataBlock(const void** buf, size_t* len, la_int64_t* off) {
    if (tar_read_ == size_) return ARCHIVE_EOF;
    std::string_view piece;
    if (!tar_->Data(size_ - tar_read_, &piece)) return ARCHIVE_FATAL;
    *buf = piece.data();
    *len = piece.size();
    *off = static_cast<la_int64_t>(tar_read_);
    tar_read_ += piece.size();
    return ARCHIVE_OK;
  }

  archive* a_;
  SourceTarBlocks* tar_;
  uint64_t tar_read_ = 0;
  InputScan& scan_;
  const Chain& chain_;
  ArchiveInput& archive_;
  uint64_t size_;
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
  std::shared_ptr<const Fd> file_;
  uint64_t data_offset_ = 0, data_end_ = 0;
  std::string damage_;
};

// Whether a filter of `a` decompresses slowly (tens to hundreds of MB/s, not zstd's or lz4's GB/s).
bool SlowFilter(archive* a) {
  for (int i = 0; i < archive_filter_count(a); ++i) {
    int code = archive_filter_code(a, i);
    if (code == ARCHIVE_FILTER_GZIP || code == ARCHIVE_FILTER_BZIP2 || code == ARCHIVE_FILTER_XZ ||
        code == ARCHIVE_FILTER_LZMA || code == ARCHIVE_FILTER_LZIP ||
        code == ARCHIVE_FILTER_COMPRESS)
      return true;
  }
  return false;
}

// Where `docker save` (classic and >= 25), podman and OCI layouts keep layer blobs.
bool MayBeLayerBlob(const std::string& name) {
  bool at_root = name.find('/') == std::string::npos;
  return name.starts_with("blobs/") || BaseOf(name) == "layer.tar" ||
         (at_root && name.ends_with(".tar"));
}

// Whether skipping the rest of a member costs nothing but I/O: no decompression at this level.
// `filters` counts libarchive's and ours (GzipSource).
bool CheapSkip(archive* a, int filters) {
  int base = archive_format(a) & ARCHIVE_FORMAT_BASE_MASK;
  return filters <= 1 &&
         (base == ARCHIVE_FORMAT_TAR || base == ARCHIVE_FORMAT_CPIO || base == ARCHIVE_FORMAT_AR);
}

// A zstd operand decompressed by DecompressAhead, decompressed again from the file's start by a
// new one when the tar header reader hands the archive back to libarchive.
class AheadOperand : public ByteSource {
 public:
  AheadOperand(int fd, InputScan& scan, uint64_t stored_size)
      : stored_(fd, true, nullptr), scan_(scan), stored_size_(stored_size) {}
  // False when DecompressAhead does not take the stream (DecompressAhead::Open says which).
  bool Open() {
    ahead_ = DecompressAhead::Open(stored_, &scan_, stored_size_);
    return ahead_ != nullptr;
  }
  bool Rewind() {
    ahead_.reset();  // its thread reads stored_: ended first
    return stored_.Seek(0, SEEK_SET) == 0 && Open();
  }
  bool Next(std::string_view* block) override { return ahead_ && ahead_->Next(block); }
  bool at_eof() const override { return ahead_ && ahead_->at_eof(); }
  std::string error() const override { return ahead_ ? ahead_->error() : "read error"; }
  uint64_t stored_size() const { return stored_size_; }

 private:
  FdSource stored_;
  InputScan& scan_;
  uint64_t stored_size_;
  std::unique_ptr<DecompressAhead> ahead_;
};

// Whether a filter libarchive enables (EnableFormats) may bid on `head` where Sniff names none:
// its lzma bidder's weaker test (a first byte up to 224, a dictionary size it knows), lz4's
// legacy magic, zstd's and lz4's skippable frames. libarchive would stack it on a tar so headed.
bool FilterMayBid(std::string_view head) {
  if (head.size() < 5) return false;
  const auto magic = static_cast<uint32_t>(Le(head, 0, 4));
  if (magic == 0x184C2102u || (magic & 0xFFFFFFF0u) == 0x184D2A50u) return true;
  const auto dict = static_cast<uint32_t>(Le(head, 1, 4));
  const bool power = dict >= (1u << 12) && dict <= (1u << 27) && (dict & (dict - 1)) == 0;
  const bool rounded = dict >= (3u << 20) && dict <= 0x03F00000u && (dict & ((1u << 20) - 1)) == 0;
  return static_cast<unsigned char>(head[0]) <= 224 && (power || rounded);
}

// Whether the head of a tar operand is one libarchive reads as a tar, with no filter stacked on
// it; `stream`: decompressed, and so not sniffed yet (Sniff names the filters and the formats
// that come first: a cpio, a single file...).
bool TarToLibarchive(std::string_view head, bool stream) {
  if (!TarBidTakes(head) || FilterMayBid(head)) return false;
  const Sniffed sniffed = stream ? Sniff(head) : Sniffed{ContentKind::kArchive, "tar"};
  return sniffed.kind == ContentKind::kArchive && sniffed.format == "tar";
}

// A stream read on from where libarchive stopped: what it was given and did not read, then the
// rest.
class ResumeSource : public ByteSource {
 public:
  ResumeSource(ByteSource& src, std::string unread) : src_(src), unread_(std::move(unread)) {}
  bool Next(std::string_view* block) override {
    if (unread_.empty()) return src_.Next(block);
    held_ = std::move(unread_);
    unread_.clear();
    *block = held_;
    return true;
  }
  bool at_eof() const override { return unread_.empty() && src_.at_eof(); }
  std::string error() const override { return src_.error(); }
  bool limited() const override { return src_.limited(); }

 private:
  ByteSource& src_;
  std::string unread_, held_;
};

// Names data past a tar's end mark (the zero block at `end`), found at `past`: what neither tar
// nor libarchive reads.
void NoteDataPastTarEnd(InputScan& scan, const Chain& chain, const std::string& where, uint64_t end,
                        uint64_t entries, uint64_t past) {
  scan.Note(Notice::Level::kWarning, "archive-error", chain,
            where + ": the archive ends with the zero block at offset " + std::to_string(end) +
                " (after " + std::to_string(entries) + " members), but data follows at offset " +
                std::to_string(past) +
                " that was not read: a damaged archive, or archives concatenated (tar reads on "
                "only with --ignore-zeros)");
}

// After libarchive's tar reader met its end mark (the zero block at `end`, and the one after it
// when that is zeros too): the offset of data past it (DataPastTarEnd), or kNoDataPastTarEnd.
// Only where libarchive reads `in.src` itself, with no filter of its own.
uint64_t DataPastLibarchiveTarEnd(archive* a, ArchiveInput& in) {
  const la_int64_t read_to = archive_filter_bytes(a, 0);  // what its tar reader consumed
  if (archive_filter_count(a) != 1 || read_to < 0) return kNoDataPastTarEnd;
  const auto from = static_cast<uint64_t>(read_to);
  ByteSource& src = *in.src;
  if (src.seekable()) {
    if (src.Seek(read_to, SEEK_SET) != read_to) return kNoDataPastTarEnd;
    SourceTarBlocks blocks(src, TarBlocks::kUnknownSize);
    const uint64_t past = DataPastTarEnd(blocks);
    return past == kNoDataPastTarEnd ? past : from + past;
  }
  // A stream: libarchive holds what it read ahead of `from`, in the last blocks it was given.
  const uint64_t last_start = in.pulled - in.last.size();
  if (from > in.pulled || from + in.before.size() < last_start) return kNoDataPastTarEnd;
  std::string unread;
  if (from < last_start)
    unread.assign(in.before.substr(in.before.size() - static_cast<size_t>(last_start - from)));
  unread += in.last.substr(static_cast<size_t>(std::max(from, last_start) - last_start));
  ResumeSource rest(src, std::move(unread));
  SourceTarBlocks blocks(rest, TarBlocks::kUnknownSize);
  const uint64_t past = DataPastTarEnd(blocks);
  return past == kNoDataPastTarEnd ? past : from + past;
}

}  // namespace

namespace {

// WalkArchive; `tar_only`: the source is known to be a tar, read with no other format or filter
// enabled (registering and bidding them all cost more than reading one member again). `gz`: src
// is a GzipSource, the gzip filter libarchive would have run; `ahead`: src is a DecompressAhead's,
// the zstd filter it would have run. `file`: src reads this file, uncompressed (its plain
// members' data can be read by a worker: MemberSource::Defer). `rewind`: src is an operand
// decompressed on our side (gz, ahead) that it can read again from its start.
void Walk(InputScan& scan, ByteSource& src, const Chain& chain, const std::string& path, int depth,
          const Sniffed& format, std::string_view head, LayerIndex* self, bool tar_only,
          GzipSource* gz = nullptr, const AheadOperand* ahead = nullptr,
          const std::shared_ptr<const Fd>& file = nullptr,
          const std::function<bool()>& rewind = nullptr) {
  const Limits& limits = scan.limits();
  std::string where = Location{chain}.Render();
  ArchivePtr a(archive_read_new());
  if (!a) {
    scan.Note(Notice::Level::kError, "archive-error", chain, where + ": out of memory");
    return;
  }
  if (tar_only)
    archive_read_support_format_tar(a.get());
  else
    EnableFormats(a.get(), format.kind == ContentKind::kCompressed);
  ArchiveInput input{&src};
  input.gz = gz;
  ZipOverlap overlap;
  if (ahead) {
    input.size = ahead->stored_size();  // its file is being read by its thread
  } else if (ByteSource& stored = gz ? gz->inner() : src; stored.seekable()) {
    int64_t end = stored.Seek(0, SEEK_END);
    if (end > 0 && stored.Seek(0, SEEK_SET) == 0) input.size = static_cast<uint64_t>(end);
    // Members sharing stored bytes are refused unread: each would decompress the shared data
    // again (a zip bomb without nesting). The other members are read as usual.
    if (input.size && format.format == "zip")
      FindZipOverlaps(
          [&](uint64_t off, size_t len, std::string* out) { return src.ReadAt(off, len, out); },
          input.size, limits.max_buffer_bytes, &overlap);
  }
  archive_read_set_callback_data(a.get(), &input);
  archive_read_set_read_callback(a.get(), ReadCallback);
  if (src.seekable()) {
    archive_read_set_seek_callback(a.get(), SeekCallback);
    archive_read_set_skip_callback(a.get(), SkipCallback);
  }
  auto open = [&] {
    if (archive_read_open1(a.get()) == ARCHIVE_OK) return true;
    const char* e = archive_error_string(a.get());
    scan.Note(Notice::Level::kWarning, "archive-error", chain,
              where + ": cannot read it as " + format.format + ": " + (e ? e : "unknown error"));
    return false;
  };
  // An uncompressed tar file's headers are read here, not by libarchive (a quarter of the reading
  // thread's instructions on rootfs.tar), as long as ReadTarHeader understands each of them; so
  // are those of a tar operand decompressed on our side (gzip, zstd), read on as a stream.
  std::optional<SourceTarBlocks> own;
  const bool stream = rewind && (gz || ahead) && depth == 1 && !self && !tar_only;
  if (file && !tar_only && depth == 1 && !self && !gz && !ahead && input.size &&
      format.format == "tar" && src.seekable())
    own.emplace(src, input.size);
  else if (stream)
    own.emplace(src, TarBlocks::kUnknownSize);
  else if (!open())
    return;
  // The filters libarchive runs, ours (GzipSource, DecompressAhead) counted among them.
  auto filter_count = [&] { return archive_filter_count(a.get()) + (gz || ahead ? 1 : 0); };
  // Members read from under the operand's own slow filter are said to be costly to read again
  // (Entry): all of it would be inflated again. A small .gz inside a tar is cheap to re-read.
  int slow = depth == 1 && (gz || (!own && SlowFilter(a.get()))) ? 1 : 0;
  int filters = own ? (stream ? 2 : 1) : filter_count();
  struct SlowStream {
    InputScan& scan;
    int n;
    ~SlowStream() { scan.AddSlowStreams(-n); }
  } slow_stream{scan, slow};
  scan.AddSlowStreams(slow);
  ImageProbe probe;
  uint64_t kept_bytes = 0;
  uint64_t entries = 0;
  uint64_t refused = 0;                    // overlapping zip members
  constexpr uint64_t kNamedRefusals = 20;  // named one by one; the rest are counted
  bool member_failed = false;
  bool unsafe_reported = false;
  bool in_damage = false;  // since the last sound header, libarchive met only damaged ones
  const MemberFilter* only = scan.options().only;
  bool by_offset = false;  // decided at the first header, once libarchive knows the format
  TarHeader header;        // the member `own` read
  uint64_t next_header = 0;
  uint64_t replay = 0;  // members `own` gave before it handed back: libarchive skips them unread
  for (;;) {
    if (scan.stopped() || (only && only->Done())) break;
    archive_entry* entry = nullptr;
    int r = ARCHIVE_OK;
    if (own) {
      // The head must be a tar to libarchive's bidders.
      const bool bid = next_header != 0 || TarToLibarchive(own->Peek(), stream);
      TarStep step =
          bid && own->SkipTo(next_header) ? ReadTarHeader(*own, &header) : TarStep::kHandBack;
      if (step == TarStep::kEnd && entries > 0) {
        // libarchive reads on for a second zero block (as far into a stream: GzipSource::ReadOn);
        // here up to a record's padding, for what the end hides from both.
        const uint64_t end = own->position() - kTarBlock;
        if (const uint64_t past = DataPastTarEnd(*own); past != kNoDataPastTarEnd)
          NoteDataPastTarEnd(scan, chain, where, end, entries, past);
        break;
      }
      if (step != TarStep::kMember) {
        // libarchive reads the archive from its start, so that what it then says and gives is
        // its own; the members given already are only skipped (a stream is decompressed again).
        own.reset();
        replay = entries;
        if (stream ? !rewind() : src.Seek(0, SEEK_SET) != 0) {
          scan.Note(
              Notice::Level::kWarning, "archive-error", chain,
              where + ": cannot read it as " + format.format + ": " +
                  (stream ? "it could not be read again from its start" : std::strerror(errno)));
          return;
        }
        if (!open()) return;
        filters = filter_count();
        continue;
      }
      next_header = header.data_offset + ((header.size + kTarBlock - 1) & ~uint64_t{kTarBlock - 1});
    } else {
      r = archive_read_next_header(a.get(), &entry);
    }
    if (r == ARCHIVE_EOF) {
      // The same check as `own`'s above, where libarchive read the tar (a tar in an archive or
      // an image, one read from stdin): what its end hides is named, not lost unsaid. A member
      // read again alone (tar_only) was named at the first reading.
      if (!own && !tar_only && entries > 0 &&
          (archive_format(a.get()) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR) {
        const auto end = static_cast<uint64_t>(archive_read_header_position(a.get()));
        if (const uint64_t past = DataPastLibarchiveTarEnd(a.get(), input);
            past != kNoDataPastTarEnd)
          NoteDataPastTarEnd(scan, chain, where, end, entries, past);
      }
      break;
    }
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
    if (replay && r != ARCHIVE_RETRY) {
      --replay;
      if (archive_read_data_skip(a.get()) < ARCHIVE_WARN) {
        const char* e = archive_error_string(a.get());
        scan.Note(Notice::Level::kWarning, "archive-error", chain,
                  where + ": " + (e ? e : "read error"));
        member_failed = true;
        break;
      }
      continue;
    }
    if (++entries > limits.max_entries) {
      scan.Note(Notice::Level::kWarning, "limit-entries", chain,
                where + ": more than " + std::to_string(limits.max_entries) +
                    " members; the rest were not read (--max-entries)");
      break;
    }
    if (r == ARCHIVE_RETRY) {
      // libarchive skips a header it cannot make sense of (a tar checksum that does not match)
      // and tries the next block: whatever that member held is lost, so say where, once per run
      // of damaged blocks.
      --entries;
      if (!in_damage) {
        const char* e = archive_error_string(a.get());
        scan.Note(Notice::Level::kWarning, "archive-error", chain,
                  where + ": " + (e ? e : "a damaged member header") + " (after " +
                      std::to_string(entries) +
                      " members); what follows it up to the next sound header was skipped");
      }
      in_damage = true;
      continue;
    }
    in_damage = false;
    if (entries == 1)
      by_offset =
          depth == 1 && !self && src.seekable() && filters <= 1 &&
          (own || (archive_format(a.get()) & ARCHIVE_FORMAT_BASE_MASK) == ARCHIVE_FORMAT_TAR);
    scan.AddEntry();
    bool raw = !own && archive_format(a.get()) == ARCHIVE_FORMAT_RAW;
    if (raw && filters <= 1) {
      // No filter accepted the stream, so "raw" would hand back the same bytes, sniffed again.
      scan.Note(Notice::Level::kWarning, "archive-error", chain,
                where + ": not a valid " + format.format + " stream");
      break;
    }
    if (raw && archive_filter_code(a.get(), 0) == ARCHIVE_FILTER_RPM) {
      // No filter or format took what follows the rpm's headers: its payload is not where they
      // say (a damaged header) or in a compression libarchive does not read. Its bytes as one
      // file would only pass for a binary, skipped without a word.
      scan.Note(Notice::Level::kWarning, "archive-error", chain,
                where +
                    ": an rpm whose payload is no cpio archive libarchive reads (a damaged "
                    "header, or a payload compression it does not know); nothing in it was "
                    "scanned");
      break;
    }
    std::string name;
    bool unsafe_name = false;
    if (raw) {
      name = DecompressedName(path, head);
    } else {
      // The stored bytes first: converting every name through the locale is a measurable cost,
      // and names are bytes to us. pax names that do not fit the locale come back as UTF-8.
      const char* n = own ? header.name.c_str() : archive_entry_pathname(entry);
      if (!n) n = archive_entry_pathname_utf8(entry);
      if (n && overlap.names.count(n)) {
        if (++refused <= kNamedRefusals)
          scan.Note(Notice::Level::kWarning, "archive-error", Child(chain, n),
                    where + ": member " + n +
                        " shares its stored data with another member (overlapping zip entries, the "
                        "shape of a zip bomb); not read");
        continue;
      }
      bool& unsafe = unsafe_name;
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
    mode_t type = 0;
    const char* hardlink = nullptr;
    bool has_size = true;
    int64_t size = static_cast<int64_t>(header.size);
    if (!own) {
      type = archive_entry_filetype(entry);
      hardlink = archive_entry_hardlink(entry);
      has_size = archive_entry_size_is_set(entry);
      size = has_size ? archive_entry_size(entry) : -1;
    } else if (header.type == TarHeader::Type::kHardlink) {
      hardlink = header.link.c_str();  // a type of its own to libarchive: none
    } else {
      type = header.type == TarHeader::Type::kFile      ? AE_IFREG
             : header.type == TarHeader::Type::kDir     ? AE_IFDIR
             : header.type == TarHeader::Type::kSymlink ? AE_IFLNK
                                                        : AE_IFIFO;
    }
    // A whiteout named with '..' or from '/' points outside its layer: it deletes nothing below.
    if (unsafe_name && BaseOf(name).starts_with(".wh.")) continue;
    // A layer's entry list (only when the caller keeps one: a tar inside an image).
    auto list = [&](LayerEntry::Type t) {
      if (self) self->entries.push_back({name, t});
    };
    if (hardlink && size <= 0) {
      bool unsafe = false;
      std::string target = NormalizeMemberName(hardlink, &unsafe);
      list(LayerEntry::Type::kHardlink);
      if (!target.empty() && target != name)
        scan.amendment().aliases.push_back({Child(chain, target), Child(chain, name)});
      continue;
    }
    if (type == AE_IFDIR) {
      list(LayerEntry::Type::kDir);
      continue;
    }
    if (type == AE_IFLNK) {
      list(LayerEntry::Type::kSymlink);
      const char* target = own ? header.link.c_str() : archive_entry_symlink(entry);
      if (target) probe.symlinks[name] = target;
      scan.sink().CountSkipped("symlink");
      continue;
    }
    if (type != AE_IFREG && type != 0) {
      list(LayerEntry::Type::kOther);
      scan.sink().CountSkipped("special-file");
      continue;
    }
    list(LayerEntry::Type::kFile);
    if (BaseOf(name).starts_with(".wh.")) continue;  // image whiteout: metadata, no content
    Chain child = Child(chain, name);
    if (only && !only->Wants(child)) continue;  // its data is skipped with the next header
    std::string child_path = raw ? DirOf(path) + name : name;
    MemberSource member(a.get(), own ? &*own : nullptr, scan, child, input,
                        size > 0 ? static_cast<uint64_t>(size) : 0);
    LayerIndex nested;
    std::string keep;
    bool want_json = !raw && ImageProbe::WantsJson(name, has_size ? static_cast<uint64_t>(size) : 0);
    // With --archives off the operand is still read whole: what its compression holds (the tar
    // of a .tar.gz) and, at its own level, an image's layer blobs.
    bool operand_level = depth == scan.operand_depth();
    if (raw && operand_level) scan.DescendOperand();
    bool part_of_parent = raw || (operand_level && MayBeLayerBlob(name));
    // A member of the tar file itself can be found again by where its headers start, and a
    // plain one (not sparse, its size stored) also by where its data starts: the position the
    // headers were read to.
    scan.set_member_offset(!by_offset ? -1
                           : own      ? static_cast<int64_t>(header.header_offset)
                                      : archive_read_header_position(a.get()));
    const int64_t data_offset =
        by_offset && has_size && !hardlink && (own || archive_entry_sparse_count(entry) == 0)
            ? (own ? static_cast<int64_t>(header.data_offset) : archive_filter_bytes(a.get(), 0))
            : -1;
    scan.set_member_data_offset(data_offset);
    // A compressed file's one member, the file itself walked: read again by decompressing it.
    const bool sole = scan.sole_member();
    scan.set_sole_member(raw && chain.size() == 1);
    // A member cut short by the end of the file is read here, for the notice saying so.
    if (file && data_offset >= 0 && input.size >= static_cast<uint64_t>(data_offset) &&
        static_cast<uint64_t>(size) <= input.size - static_cast<uint64_t>(data_offset))
      member.set_file(file, static_cast<uint64_t>(data_offset),
                      static_cast<uint64_t>(data_offset) +
                          ((static_cast<uint64_t>(size) + kTarBlock - 1) & ~(kTarBlock - 1)));
    ScanContent(scan, member, child, child_path, depth, &nested, want_json ? &keep : nullptr,
                part_of_parent);
    scan.set_member_offset(-1);
    scan.set_member_data_offset(-1);
    scan.set_sole_member(sole);
    if (nested.is_tar) probe.layers[name] = std::move(nested);
    if (!keep.empty() && (kept_bytes += keep.size()) <= kMaxKeptTotal) probe.json[name] = std::move(keep);
    if (member.entry_limit())
      scan.Note(Notice::Level::kWarning, "limit-entry-size", child,
                Location{child}.Render() + ": only the first " + HumanBytes(limits.max_entry_bytes) +
                    " of this member were read (--max-entry-size)");
    auto note_damage = [&] {
      if (member.damage().empty()) return;
      scan.Note(Notice::Level::kWarning, "archive-error", child,
                where + ": " + member.damage() + " (in member " + name +
                    "); its content is damaged: what was read was scanned");
    };
    if (member.at_eof()) note_damage();
    if (member.failed()) {
      member_failed = true;  // the innermost reader that saw the error reported it
      break;
    }
    if (scan.stopped()) break;
    if (input.over_ratio) break;
    // A compressed file that is not an archive holds one stream: nothing after it to reach.
    if (raw) break;
    // A file read with own skips the rest with the next header; a stream drains it as libarchive
    // under a filter does (what it decompresses counts).
    if (!member.at_eof() && !input.over_ratio && (!own || stream)) {
      if (CheapSkip(a.get(), filters)) {
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
      } else if (member.at_eof()) {
        note_damage();
      }
    }
    if (input.over_ratio) break;
  }
  if (input.over_ratio)
    scan.Note(Notice::Level::kWarning, "limit-ratio", chain,
              where + ": stopped reading this archive: its members gave " +
                  HumanBytes(input.produced) + " from " + HumanBytes(input.packed()) +
                  " of archive, more than " + std::to_string(limits.max_ratio) +
                  " times its size (a decompression bomb?); its other members were not read "
                  "(--max-ratio)");
  // libarchive lists entries sharing one local header once: the central directory's count.
  if (overlap.members > std::min(refused, kNamedRefusals))
    scan.Note(
        Notice::Level::kWarning, "archive-error", chain,
        where + ": " + std::to_string(overlap.members) +
            " central-directory entries share stored data with others (overlapping zip entries, "
            "a zip bomb?); none of them was read" +
            (refused > kNamedRefusals
                 ? "; the first " + std::to_string(kNamedRefusals) + " are named above"
                 : ""));
  // Zero blocks read as the end of a tar: a file of nothing but zeros would otherwise pass as
  // scanned. An image layer may be empty by design (ENV-only layers), so layers are not named.
  if (entries == 0 && !self && !scan.stopped() && !src.limited())
    scan.Note(Notice::Level::kNote, "archive-empty", chain,
              where + ": " + format.format +
                  " with no members (an empty archive, or data that starts with zero blocks); "
                  "nothing in it was scanned");
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

// A file read from `base` on, as if it began there: one tar member found again by its offset.
class SliceSource : public ByteSource {
 public:
  SliceSource(int fd, uint64_t base, uint64_t size) : fd_(fd), base_(base), size_(size) {}
  bool Next(std::string_view* block) override {
    for (;;) {
      // The first read holds the headers and a small member whole; larger ones read on.
      size_t want = pos_ == 0 ? kFirstBlock : kBlock;
      ssize_t n = pread(fd_, buffer_.get(), want, static_cast<off_t>(base_ + pos_));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        error_ = std::strerror(errno);
        return false;
      }
      eof_ = n == 0;
      pos_ += static_cast<uint64_t>(n);
      *block = std::string_view(buffer_.get(), static_cast<size_t>(n));
      return true;
    }
  }
  bool at_eof() const override { return eof_; }
  std::string error() const override { return error_; }
  bool seekable() const override { return true; }
  int64_t Seek(int64_t offset, int whence) override {
    int64_t from = whence == SEEK_SET   ? 0
                   : whence == SEEK_CUR ? static_cast<int64_t>(pos_)
                                        : static_cast<int64_t>(size_ - base_);
    if (from + offset < 0) return -1;
    pos_ = static_cast<uint64_t>(from + offset);
    eof_ = false;
    return static_cast<int64_t>(pos_);
  }

 private:
  static constexpr size_t kBlock = 64u << 10;  // most members are small: no 1 MiB reads
  // Most members read again are configuration files of a few KiB: 64 KiB copied for each was
  // most of the bytes these reads moved.
  static constexpr size_t kFirstBlock = 16u << 10;
  int fd_;
  uint64_t base_, size_, pos_ = 0;
  // Not zero-filled: one per member read again, 64 KiB of memset each was a tenth of that read.
  std::unique_ptr<char[]> buffer_ = std::make_unique_for_overwrite<char[]>(kBlock);
  bool eof_ = false;
  std::string error_;
};

// The size of the regular file whose ustar header is `h` (512 bytes), when the header is sound
// (its checksum as libarchive takes it) and names one ('0', NUL, '7').
bool PlainMemberSize(std::string_view h, uint64_t* size) {
  constexpr size_t kType = 156;
  if (!TarChecksumOk(h)) return false;
  char type = h[kType];
  return (type == '0' || type == '\0' || type == '7') && TarOctal(h.substr(124, 12), size);
}

// The name a ustar (or pre-POSIX) header `h` holds, normalised as the walk's are: its prefix
// field (ustar only), '/', its name field.
std::string UstarName(std::string_view h) {
  auto field = [&](size_t at, size_t size) {
    std::string_view f = h.substr(at, size);
    return f.substr(0, f.find('\0'));
  };
  std::string stored(field(0, 100));
  if (h.substr(257, 6) == std::string_view("ustar\0", 6))  // GNU's "ustar " has no prefix
    if (std::string_view prefix = field(345, 155); !prefix.empty())
      stored = std::string(prefix) + "/" + stored;
  bool unsafe = false;
  return NormalizeMemberName(stored, &unsafe);
}

// The data of one plain tar member read by pread, with the limits a MemberSource applies (the
// archive's ratio aside: one member is never more than the rest of its file).
class PlainMemberSource : public ByteSource {
 public:
  // `first`: the member's first bytes, read already.
  PlainMemberSource(std::shared_ptr<const Fd> file, uint64_t offset, uint64_t size,
                    std::string_view first, InputScan& scan, const Chain& chain)
      : file_(std::move(file)),
        offset_(offset),
        size_(size),
        first_(first),
        first_size_(first.size()),
        scan_(scan),
        chain_(chain) {}
  bool Next(std::string_view* block) override {
    *block = {};
    if (eof_ || limited_) return true;
    if (pos_ == size_) {
      eof_ = true;
      return true;
    }
    if (!first_.empty()) {
      *block = first_.substr(0, static_cast<size_t>(std::min<uint64_t>(first_.size(), size_)));
      first_ = {};
    } else {
      if (!buffer_) buffer_ = std::make_unique_for_overwrite<char[]>(kBlock);
      size_t want = static_cast<size_t>(std::min<uint64_t>(kBlock, size_ - pos_));
      ssize_t n;
      do n = pread(file_->get(), buffer_.get(), want, static_cast<off_t>(offset_ + pos_));
      while (n < 0 && errno == EINTR);
      if (n <= 0) {
        error_ = n < 0 ? std::strerror(errno) : "the file ends inside the member";
        return false;
      }
      *block = std::string_view(buffer_.get(), static_cast<size_t>(n));
    }
    pos_ += block->size();
    if (!scan_.Produce(block->size(), chain_)) {
      limited_ = true;
      *block = {};
      return true;
    }
    if (pos_ > scan_.limits().max_entry_bytes) {
      limited_ = true;
      *block = block->substr(
          0, block->size() - static_cast<size_t>(pos_ - scan_.limits().max_entry_bytes));
    }
    return true;
  }
  bool at_eof() const override { return eof_; }
  std::string error() const override { return error_; }
  bool limited() const override { return limited_; }
  uint64_t size_hint() const override {
    return std::min<uint64_t>(size_, scan_.limits().max_entry_bytes);
  }
  // A member larger than the first read, for a sink that reads it itself into a buffer it
  // reuses (WalkOptions::sink_reads_members): a string per member, a few MiB for some, faulted
  // in its pages anew each time (2,271 of a rootfs.tar scan's 5,800 page faults). One the first
  // read holds whole is copied from there.
  bool Defer(uint64_t want, std::shared_ptr<const Fd>* file, uint64_t* bytes) override {
    if (eof_ || limited_ || size_ <= first_size_) return false;
    // A member over --max-entry-size is read here, for that limit's notice.
    if (size_ > scan_.limits().max_entry_bytes) return false;
    const uint64_t n = std::min(size_, want);
    // The limits Next applies, to the bytes the sink will read.
    if (n > pos_ && !scan_.Produce(n - pos_, chain_)) {
      limited_ = true;
      return false;
    }
    pos_ = std::max(pos_, n);
    *file = file_;
    *bytes = n;
    return true;
  }

 private:
  static constexpr size_t kBlock = 64u << 10;
  std::shared_ptr<const Fd> file_;
  uint64_t offset_, size_, pos_ = 0;
  std::string_view first_;
  size_t first_size_;
  InputScan& scan_;
  const Chain& chain_;
  std::unique_ptr<char[]> buffer_;
  bool eof_ = false;
  bool limited_ = false;
  std::string error_;
};

}  // namespace

namespace {

// WalkArchive; `operand`: src reads an operand file from its start (ReadArchiveFile), so a tar in
// its gzip stream can be read again from there (the tar header reader's hand-back).
void WalkStored(InputScan& scan, ByteSource& src, const Chain& chain, const std::string& path,
                int depth, const Sniffed& format, std::string_view head, LayerIndex* self,
                bool operand) {
  // gzip is inflated here with ISA-L (1.65x zlib's speed on rootfs.tar.gz); libarchive reads on.
  if (format.format == "gzip")
    if (std::unique_ptr<GzipSource> gz = GzipSource::Open(src, head)) {
      std::function<bool()> rewind;
      if (operand && src.seekable()) rewind = [g = gz.get()] { return g->Rewind(); };
      Walk(scan, *gz, chain, path, depth, format, head, self, false, gz.get(), nullptr, nullptr,
           rewind);
      // A tar's end mark comes before the last trailer: a little more is read to check it.
      if (!scan.stopped() && !src.limited()) gz->ReadOn(kGzipReadOn);
      if (std::string damage = gz->damage(); !damage.empty())
        scan.Note(Notice::Level::kWarning, "archive-error", chain,
                  Location{chain}.Render() + ": " + damage +
                      "; its content is damaged: what was read was scanned");
      return;
    }
  Walk(scan, src, chain, path, depth, format, head, self, false);
}

}  // namespace

void WalkArchive(InputScan& scan, ByteSource& src, const Chain& chain, const std::string& path,
                 int depth, const Sniffed& format, std::string_view head, LayerIndex* self) {
  WalkStored(scan, src, chain, path, depth, format, head, self, false);
}

TarMembers::TarMembers(const std::string& fs_path)
    : file_(std::make_shared<const Fd>(
          open(fs_path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY))) {
  const int fd = file_->get();
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return;
  size_ = static_cast<uint64_t>(st.st_size);
  head_.resize(kSniffBytes);
  ssize_t n = pread(fd, head_.data(), head_.size(), 0);
  head_.resize(n > 0 ? static_cast<size_t>(n) : 0);
  format_ = Sniff(head_);
  ok_ = format_.kind == ContentKind::kArchive;  // else the file changed since the pass
}

bool TarMembers::ReadAt(const std::string& display, uint64_t offset, const WalkOptions& options,
                        EntrySink& sink) const {
  if (!ok_ || offset >= size_) return false;
  InputScan scan(options, sink, size_ - offset);
  SliceSource src(file_->get(), offset, size_);
  Walk(scan, src, Chain{display}, display, 1, format_, head_, nullptr, true);
  return true;
}

bool TarMembers::PlainHeader(const std::string& display, std::string_view name, uint64_t offset,
                             uint64_t data_offset, uint64_t size, const MemberFilter* only,
                             std::string_view header, Chain* chain) const {
  uint64_t stored = 0;
  if (header.size() < kTarBlock || !PlainMemberSize(header.substr(0, kTarBlock), &stored) ||
      stored != size || size > size_ - data_offset)
    return false;
  // A header alone (no pax or GNU name before it) holds the name too: it must be this member's.
  const bool alone = data_offset == offset + kTarBlock;
  if (name.empty() && !alone) return false;
  *chain = Chain{display, alone ? UstarName(header.substr(0, kTarBlock)) : std::string(name)};
  return (name.empty() || chain->back() == name) && !chain->back().empty() &&
         (!only || only->Wants(*chain));
}

bool TarMembers::ReadDataAt(const std::string& display, std::string_view name, uint64_t offset,
                            uint64_t data_offset, uint64_t size, const WalkOptions& options,
                            EntrySink& sink) const {
  if (!ok_ || data_offset < offset + kTarBlock || data_offset > size_) return false;
  // Its own header and its first bytes in one read: most members read again are a few KiB,
  // and no more than the member (rootfs.tar: these reads took 21 MB for 5 MB of members).
  char first[kTarBlock + kFirstRead];
  const uint64_t at = data_offset - kTarBlock;
  const size_t want =
      static_cast<size_t>(std::min<uint64_t>({sizeof first, kTarBlock + size, size_ - at}));
  ssize_t n;
  do n = pread(file_->get(), first, want, static_cast<off_t>(at));
  while (n < 0 && errno == EINTR);
  Chain chain;
  if (n < static_cast<ssize_t>(kTarBlock) ||
      !PlainHeader(display, name, offset, data_offset, size, options.only,
                   std::string_view(first, static_cast<size_t>(n)), &chain))
    return false;
  InputScan scan(options, sink, size_ - offset);
  PlainMemberSource src(file_, data_offset, size,
                        std::string_view(first + kTarBlock, static_cast<size_t>(n) - kTarBlock),
                        scan, chain);
  scan.set_member_offset(static_cast<int64_t>(offset));
  scan.set_member_data_offset(static_cast<int64_t>(data_offset));
  ScanContent(scan, src, chain, chain.back(), 1, nullptr, nullptr, MayBeLayerBlob(chain.back()));
  return true;
}

bool TarMembers::ReadPlainData(const std::string& display, std::string_view name, uint64_t offset,
                               uint64_t data_offset, uint64_t size, const MemberFilter* only,
                               size_t limit, ReadBuffer* storage, std::string_view* data) const {
  if (!ok_ || data_offset < offset + kTarBlock || data_offset > size_) return false;
  const uint64_t at = data_offset - kTarBlock;
  const size_t want = kTarBlock + static_cast<size_t>(std::min<uint64_t>(size, limit));
  if (want > size_ - at) return false;
  storage->Reserve(want);
  storage->Prefault(want);
  int error = 0;
  Chain chain;
  if (PreadFull(file_->get(), at, storage->data(), want, &error) != want ||
      !PlainHeader(display, name, offset, data_offset, size, only,
                   std::string_view(storage->data(), kTarBlock), &chain))
    return false;
  *data = std::string_view(storage->data() + kTarBlock, want - kTarBlock);
  return true;
}

bool ReadTarMemberAt(const std::string& fs_path, const std::string& display, uint64_t offset,
                     const WalkOptions& options, EntrySink& sink) {
  return TarMembers(fs_path).ReadAt(display, offset, options, sink);
}

void ReadArchiveMemory(InputScan& scan, std::string data, const Chain& chain,
                       const std::string& path, int depth, const Sniffed& format,
                       LayerIndex* self) {
  MemorySource mem(std::move(data));
  std::string first = mem.data().substr(0, kSniffBytes);
  WalkArchive(scan, mem, chain, path, depth, format, first, self);
}

void ReadArchiveFile(InputScan& scan, int fd, const std::string& fs_path, const Chain& chain,
                     const Sniffed& format, bool operand) {
  (void)fs_path, (void)operand;  // libarchive reads the open descriptor; any failure is a notice
  // A member not read (a binary past its head) is skipped by a seek only past the block read.
  bool plain = format.kind == ContentKind::kArchive &&
               (format.format == "tar" || format.format == "cpio" || format.format == "ar");
  std::string head(kSniffBytes, '\0');
  ssize_t n = pread(fd, head.data(), head.size(), 0);
  head.resize(n > 0 ? static_cast<size_t>(n) : 0);
  struct stat st;
  if (format.format == "zstd" && fstat(fd, &st) == 0 &&
      static_cast<uint64_t>(st.st_size) >= kAheadBytes) {
    AheadOperand zstd(fd, scan, static_cast<uint64_t>(st.st_size));
    if (zstd.Open())
      return Walk(scan, zstd, chain, chain.front(), 1, format, head, nullptr, false, nullptr, &zstd,
                  nullptr, [&] { return zstd.Rewind(); });
    // Not a stream it takes: libarchive's own filter reads it from its start and says why.
    if (lseek(fd, 0, SEEK_SET) != 0) {
      scan.Note(Notice::Level::kWarning, "archive-error", chain,
                Location{chain}.Render() + ": cannot read it as zstd: " + std::strerror(errno));
      return;
    }
  }
  // Reads no larger than the file: a zeroed 1 MiB buffer for each small .gz of a walked directory
  // (its pages faulted in) was 42% of the instructions of the rootfs's scan with archives on.
  size_t read_size = plain ? kPlainArchiveRead : FdSource::kReadBlock;
  if (fstat(fd, &st) == 0 && st.st_size >= 0 && static_cast<uint64_t>(st.st_size) < read_size)
    read_size = std::max<size_t>(static_cast<size_t>(st.st_size), kSmallestRead);
  FdSource src(fd, true, &scan, read_size);
  if (format.format == "tar") {
    // Its text members are read by the workers (MemberSource::Defer), which may outlive `fd`.
    auto file = std::make_shared<const Fd>(fcntl(fd, F_DUPFD_CLOEXEC, 0));
    if (file->get() >= 0)
      return Walk(scan, src, chain, chain.front(), 1, format, head, nullptr, false, nullptr,
                  nullptr, file);
  }
  WalkStored(scan, src, chain, chain.front(), 1, format, head, nullptr, true);
}

}  // namespace ntpsweep::input
