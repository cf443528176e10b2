#include "input/disk.h"
#include "core/counted.h"
#include "core/fd.h"
#include "core/file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <utility>
#include <vector>

#include "input/byte_order.h"
#include "input/dispatch.h"
#include "input/ext4_extents.h"
#include "input/ext_journal.h"
#include "input/member_path.h"
#include "input/xfs_extents.h"

// libbfio's handle API is only declared for users that say they have it.
#ifndef HAVE_LIBBFIO
#define HAVE_LIBBFIO 1
#endif
#include <libbfio.h>
#include <libfsxfs.h>
#include <libvslvm.h>
#include <tsk/libtsk.h>
// EXT2FS_INFO: the one-group descriptor cache PrimeTskGroup fills (TSK 4.11 misplaces META_BG's).
#include <tsk/fs/tsk_ext2fs.h>

#include <tsk/fs/tsk_ntfs.h>  // after libtsk.h, which it needs: NTFS_INFO, ntfs_dinode_lookup

namespace ntpsweep::input {
namespace {

constexpr size_t kFileBlock = 1u << 20;
constexpr int kMaxDirDepth = 256;  // a corrupt file system must not recurse without end

// ---------------------------------------------------------------------------------------------
// RAII for every library handle.

struct ImgClose {
  void operator()(TSK_IMG_INFO* p) const { tsk_img_close(p); }
};
struct VsClose {
  void operator()(TSK_VS_INFO* p) const { tsk_vs_close(p); }
};
struct FsClose {
  void operator()(TSK_FS_INFO* p) const { tsk_fs_close(p); }
};
using ImgPtr = std::unique_ptr<TSK_IMG_INFO, ImgClose>;
using VsPtr = std::unique_ptr<TSK_VS_INFO, VsClose>;
using FsPtr = std::unique_ptr<TSK_FS_INFO, FsClose>;

struct XfsVolumeFree {
  void operator()(libfsxfs_volume_t* p) const {
    libfsxfs_volume_close(p, nullptr);
    libfsxfs_volume_free(&p, nullptr);
  }
};
struct XfsEntryFree {
  void operator()(libfsxfs_file_entry_t* p) const { libfsxfs_file_entry_free(&p, nullptr); }
};
using XfsVolumePtr = std::unique_ptr<libfsxfs_volume_t, XfsVolumeFree>;
using XfsEntryPtr = std::unique_ptr<libfsxfs_file_entry_t, XfsEntryFree>;

struct LvmHandleFree {
  void operator()(libvslvm_handle_t* p) const {
    libvslvm_handle_close(p, nullptr);
    libvslvm_handle_free(&p, nullptr);
  }
};
struct LvmGroupFree {
  void operator()(libvslvm_volume_group_t* p) const { libvslvm_volume_group_free(&p, nullptr); }
};
struct LvmVolumeFree {
  void operator()(libvslvm_logical_volume_t* p) const { libvslvm_logical_volume_free(&p, nullptr); }
};
using LvmHandlePtr = std::unique_ptr<libvslvm_handle_t, LvmHandleFree>;
using LvmGroupPtr = std::unique_ptr<libvslvm_volume_group_t, LvmGroupFree>;
using LvmVolumePtr = std::unique_ptr<libvslvm_logical_volume_t, LvmVolumeFree>;

struct BfioHandleFree {
  void operator()(libbfio_handle_t* p) const { libbfio_handle_free(&p, nullptr); }
};
struct BfioPoolFree {
  void operator()(libbfio_pool_t* p) const { libbfio_pool_free(&p, nullptr); }
};
using BfioHandlePtr = std::unique_ptr<libbfio_handle_t, BfioHandleFree>;
using BfioPoolPtr = std::unique_ptr<libbfio_pool_t, BfioPoolFree>;

std::string TskError() {
  // tsk_error_get() is null when only the message was set (no error number): the message is
  // still TSK's own account of what went wrong.
  const char* e = tsk_error_get();
  std::string s;
  if (e) {
    s = e;
  } else {
    const char* text = tsk_error_get_errstr();
    const char* more = tsk_error_get_errstr2();
    if (text && *text) s = text;
    if (more && *more) s += (s.empty() ? "" : " ") + std::string(more);
    if (s.empty()) s = "no reason given by the Sleuth Kit";
  }
  tsk_error_reset();
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  for (char& c : s)
    if (c == '\n') c = ' ';
  return s;
}

template <typename E, typename F>
std::string LibError(E* error, F sprint) {
  if (!error) return "unknown error";
  char buf[512] = {};
  sprint(error, buf, sizeof buf);
  std::string s = buf;
  for (char& c : s)
    if (c == '\n') c = ' ';
  return s;
}

std::string FsxfsError(libfsxfs_error_t*& e) {
  std::string s = LibError(e, libfsxfs_error_sprint);
  libfsxfs_error_free(&e);
  return s;
}

std::string LvmError(libvslvm_error_t*& e) {
  std::string s = LibError(e, libvslvm_error_sprint);
  libvslvm_error_free(&e);
  return s;
}

// ---------------------------------------------------------------------------------------------
// Images TSK reads through our own callbacks: a file (pread), memory, a logical volume. A raw
// file goes through here rather than tsk_img_open so that TSK never looks for split segments
// (disk.001, disk.002) next to it: nothing but the operand is opened.

// The watchdog of one image: what TSK read from it (past its cache). A corrupt file system can
// make TSK read the same structures without end; once the budget is spent every read fails, so
// TSK unwinds, and the walk abandons the image with a notice. Progress, not wall time.
struct ReadMeter {
  uint64_t read = 0;
  uint64_t budget = UINT64_MAX;
  bool exhausted = false;
};

struct ExternalImage {
  TSK_IMG_INFO info;  // first member: TSK casts between the two
  std::function<ssize_t(TSK_OFF_T, char*, size_t)> read;
  // A raw image file, and where this image's first byte is in it (a volume's view is at its
  // partition's offset): a file's extents there can be read by pread alone (ExtentFileSource).
  std::shared_ptr<const Fd> file;
  uint64_t file_offset = 0;
  std::string memory;
  ImgPtr inner;  // a VMDK or VHD TSK opened itself, read through this one to be metered
  ReadMeter own_meter;
  ReadMeter* meter = &own_meter;  // a volume's view (OpenView) counts against its image's
};

ssize_t ExternalRead(TSK_IMG_INFO* img, TSK_OFF_T off, char* buf, size_t len) {
  auto* ext = reinterpret_cast<ExternalImage*>(img);
  if (off < 0 || off >= img->size) return 0;
  len = static_cast<size_t>(std::min<TSK_OFF_T>(static_cast<TSK_OFF_T>(len), img->size - off));
  ReadMeter& m = *ext->meter;
  if (m.exhausted || (m.read += len) > m.budget) {
    m.exhausted = true;
    return -1;
  }
  return ext->read(off, buf, len);
}

void ExternalClose(TSK_IMG_INFO* img) {
  std::unique_ptr<ExternalImage> owned(reinterpret_cast<ExternalImage*>(img));
}

ReadMeter* MeterOf(TSK_IMG_INFO* img) {
  return img->itype == TSK_IMG_TYPE_EXTERNAL ? reinterpret_cast<ExternalImage*>(img)->meter
                                             : nullptr;
}

void ExternalStat(TSK_IMG_INFO*, FILE*) {}

// What TSK may read from an image of `size` bytes before the watchdog abandons it: every byte
// many times over (file contents are read through TSK too), and a floor for small images.
constexpr uint64_t kReadFloor = 1ull << 30;
constexpr uint64_t kReadsPerByte = 16;

ImgPtr OpenExternal(std::unique_ptr<ExternalImage> ext, TSK_OFF_T size) {
  ExternalImage* raw = ext.get();
  raw->own_meter.budget =
      kReadFloor + kReadsPerByte * static_cast<uint64_t>(std::max<TSK_OFF_T>(size, 0));
  if (!tsk_img_open_external(raw, size, 512, ExternalRead, ExternalClose, ExternalStat))
    return nullptr;
  ext.release();  // TSK owns it now; ExternalClose frees it
  return ImgPtr(&raw->info);
}

ImgPtr OpenRawFile(const std::string& path, std::string* error) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
  if (fd < 0) {
    *error = std::strerror(errno);
    return nullptr;
  }
  auto file = std::make_shared<const Fd>(fd);
  struct stat st;
  if (fstat(fd, &st) != 0) {
    *error = std::strerror(errno);
    return nullptr;
  }
  auto ext = std::make_unique<ExternalImage>();
  ext->file = std::move(file);
  ext->read = [fd](TSK_OFF_T off, char* buf, size_t len) -> ssize_t {
    int error_number = 0;
    const size_t got = PreadFull(fd, static_cast<uint64_t>(off), buf, len, &error_number);
    return got < len && error_number ? -1 : static_cast<ssize_t>(got);
  };
  ImgPtr img = OpenExternal(std::move(ext), st.st_size);
  if (!img) *error = TskError();
  return img;
}

// A VMDK or VHD opened by TSK, wrapped so that its reads are metered like a raw image's.
ImgPtr WrapImage(ImgPtr inner) {
  auto ext = std::make_unique<ExternalImage>();
  TSK_IMG_INFO* raw = inner.get();
  TSK_OFF_T size = raw->size;
  ext->read = [raw](TSK_OFF_T off, char* buf, size_t len) -> ssize_t {
    return tsk_img_read(raw, off, buf, len);
  };
  ext->inner = std::move(inner);
  return OpenExternal(std::move(ext), size);
}

ImgPtr OpenMemory(std::string data) {
  auto ext = std::make_unique<ExternalImage>();
  ext->memory = std::move(data);
  const std::string* mem = &ext->memory;
  ext->read = [mem](TSK_OFF_T off, char* buf, size_t len) -> ssize_t {
    std::memcpy(buf, mem->data() + off, len);
    return static_cast<ssize_t>(len);
  };
  TSK_OFF_T size = static_cast<TSK_OFF_T>(ext->memory.size());
  return OpenExternal(std::move(ext), size);
}

// One volume of an image as an image of its own, so that TSK's file system detection cannot
// read past the volume (on an empty or unknown volume it read the rest of the disk, some
// megabytes per volume, until the budget was spent). Its reads count against the image's meter.
ImgPtr OpenView(TSK_IMG_INFO* img, TSK_OFF_T off, TSK_OFF_T len) {
  if (img->itype != TSK_IMG_TYPE_EXTERNAL || off < 0 || len <= 0 || len > img->size - off)
    return nullptr;
  auto* parent = reinterpret_cast<ExternalImage*>(img);
  auto ext = std::make_unique<ExternalImage>();
  ext->read = [parent, off](TSK_OFF_T at, char* buf, size_t n) -> ssize_t {
    return parent->read(off + at, buf, n);
  };
  ext->meter = parent->meter;
  ext->file = parent->file;
  ext->file_offset = parent->file_offset + static_cast<uint64_t>(off);
  return OpenExternal(std::move(ext), len);
}

// A volume's view (OpenView) with its ext journal's replayed blocks laid over what is read. It
// has no raw file: a pread of a file's extents would read around the replay.
ImgPtr OpenJournaledView(TSK_IMG_INFO* view, std::shared_ptr<const JournalReplay> replay) {
  auto* parent = reinterpret_cast<ExternalImage*>(view);
  auto ext = std::make_unique<ExternalImage>();
  ext->read = [parent, replay = std::move(replay)](TSK_OFF_T at, char* buf, size_t n) -> ssize_t {
    const ssize_t got = parent->read(at, buf, n);
    auto raw = [parent](uint64_t o, char* b, size_t len) {
      return parent->read(static_cast<TSK_OFF_T>(o), b, len) == static_cast<ssize_t>(len);
    };
    if (got > 0 &&
        !ApplyJournal(*replay, raw, static_cast<uint64_t>(at), buf, static_cast<size_t>(got)))
      return -1;
    return got;
  };
  ext->meter = parent->meter;
  return OpenExternal(std::move(ext), view->size);
}

// The raw image file under `img` and where `img` starts in it; null when it is none (a VMDK,
// a VHD, an image in memory, a logical volume).
const std::shared_ptr<const Fd>* RawFileOf(TSK_IMG_INFO* img, uint64_t* offset) {
  if (img->itype != TSK_IMG_TYPE_EXTERNAL) return nullptr;
  const auto* ext = reinterpret_cast<const ExternalImage*>(img);
  if (!ext->file) return nullptr;
  *offset = ext->file_offset;
  return &ext->file;
}

// Why a read of the image failed: its read budget spent, named, or TSK's own reason.
std::string ReadFailure(TSK_IMG_INFO* img) {
  const ReadMeter* m = MeterOf(img);
  if (!m || !m->exhausted) return TskError();
  tsk_error_reset();
  return "the image's read budget of " + HumanBytes(m->budget) +
         " (1 GiB plus 16 times the image's size; there is no option to raise it) is spent";
}

ssize_t ReadImage(TSK_IMG_INFO* img, TSK_OFF_T off, char* buf, size_t len) {
  return tsk_img_read(img, off, buf, len);
}

// Whole byte ranges of `img` from `base` on, for the file system readers of our own (ext4, its
// journal, XFS): true only when all the bytes were read; TSK's error is cleared, as each reader
// names its own trouble.
std::function<bool(uint64_t, char*, size_t)> WholeReader(TSK_IMG_INFO* img, TSK_OFF_T base) {
  return [img, base](uint64_t off, char* buf, size_t len) {
    const bool whole =
        ReadImage(img, base + static_cast<TSK_OFF_T>(off), buf, len) == static_cast<ssize_t>(len);
    if (!whole) tsk_error_reset();
    return whole;
  };
}

// ---------------------------------------------------------------------------------------------
// A libbfio handle over a byte range of a TSK image, for libfsxfs and libvslvm.

struct BfioRange {
  TSK_IMG_INFO* img;
  int64_t base;
  int64_t size;
  int64_t pos = 0;
};

int BfioFree(intptr_t** h, libbfio_error_t**) {
  std::unique_ptr<BfioRange> owned(reinterpret_cast<BfioRange*>(*h));
  *h = nullptr;
  return 1;
}
int BfioClone(intptr_t** dst, intptr_t* src, libbfio_error_t**) {
  *dst = reinterpret_cast<intptr_t*>(
      std::make_unique<BfioRange>(*reinterpret_cast<BfioRange*>(src)).release());
  return 1;
}
int BfioOpen(intptr_t*, int, libbfio_error_t**) {
  return 1;
}
int BfioClose(intptr_t*, libbfio_error_t**) {
  return 0;
}
ssize_t BfioRead(intptr_t* h, uint8_t* buf, size_t size, libbfio_error_t**) {
  auto* r = reinterpret_cast<BfioRange*>(h);
  if (r->pos >= r->size) return 0;
  size_t n = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(size), r->size - r->pos));
  ssize_t got = tsk_img_read(r->img, r->base + r->pos, reinterpret_cast<char*>(buf), n);
  if (got < 0) {
    tsk_error_reset();
    return -1;
  }
  r->pos += got;
  return got;
}
ssize_t BfioWrite(intptr_t*, const uint8_t*, size_t, libbfio_error_t**) {
  return -1;
}  // read-only
off64_t BfioSeek(intptr_t* h, off64_t off, int whence, libbfio_error_t**) {
  auto* r = reinterpret_cast<BfioRange*>(h);
  int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? r->pos : r->size;
  if (base + off < 0) return -1;
  r->pos = base + off;
  return r->pos;
}
int BfioExists(intptr_t*, libbfio_error_t**) {
  return 1;
}
int BfioIsOpen(intptr_t*, libbfio_error_t**) {
  return 1;
}
int BfioGetSize(intptr_t* h, size64_t* size, libbfio_error_t**) {
  *size = static_cast<size64_t>(reinterpret_cast<BfioRange*>(h)->size);
  return 1;
}

BfioHandlePtr MakeBfio(TSK_IMG_INFO* img, int64_t base, int64_t size) {
  auto range = std::make_unique<BfioRange>(BfioRange{img, base, size});
  libbfio_handle_t* h = nullptr;
  // MANAGED: the handle frees the range (BfioFree) when it is freed.
  if (libbfio_handle_initialize(&h, reinterpret_cast<intptr_t*>(range.get()), BfioFree, BfioClone,
                                BfioOpen, BfioClose, BfioRead, BfioWrite, BfioSeek, BfioExists,
                                BfioIsOpen, BfioGetSize, LIBBFIO_FLAG_IO_HANDLE_MANAGED,
                                nullptr) != 1)
    return nullptr;
  range.release();
  return BfioHandlePtr(h);
}

// ---------------------------------------------------------------------------------------------
// File contents as ByteSources.

// A file of a volume, read in blocks by `read(pos, buf, want, &error)` (TSK or libfsxfs) into
// the walker's buffer. The first block is the sniff's alone: a binary file needs no more, and a
// whole first 1 MiB of each was read (and a fresh buffer zeroed) for 8 KiB.
template <typename ReadFn>
class VolumeFileSource : public ByteSource {
 public:
  VolumeFileSource(std::string& buf, uint64_t size, ReadFn read)
      : buf_(buf), size_(size), read_(std::move(read)) {}
  bool Next(std::string_view* block) override {
    *block = {};
    if (pos_ >= size_) return true;
    if (buf_.size() < kFileBlock) buf_.resize(kFileBlock);  // once per walker
    size_t want =
        static_cast<size_t>(std::min<uint64_t>(pos_ == 0 ? kSniffBytes : kFileBlock, size_ - pos_));
    ssize_t n = read_(pos_, buf_.data(), want, &error_);
    if (n <= 0) {
      if (n == 0) error_ = "unexpected end of file data";
      return false;
    }
    pos_ += static_cast<uint64_t>(n);
    *block = std::string_view(buf_.data(), static_cast<size_t>(n));
    return true;
  }
  bool at_eof() const override { return pos_ >= size_; }
  std::string error() const override { return error_; }
  uint64_t size_hint() const override { return size_; }

 private:
  std::string& buf_;
  uint64_t size_;
  uint64_t pos_ = 0;
  ReadFn read_;
  std::string error_;
};

// A file of a raw image whose extents are known exactly (`extents` cover its `size` bytes in
// turn): read by pread from the image file, with no library and no cache between, into the
// walker's buffer. A text file is handed to a worker to read there (DeferExtents) once its head
// is sniffed, as a plain tar member is.
class ExtentFileSource : public ByteSource {
 public:
  ExtentFileSource(std::string& buf, std::shared_ptr<const Fd> file,
                   std::vector<FileExtent> extents, uint64_t size)
      : buf_(buf), file_(std::move(file)), extents_(std::move(extents)), size_(size) {}
  bool Next(std::string_view* block) override {
    *block = {};
    if (pos_ >= size_) return true;
    if (buf_.size() < kFileBlock) buf_.resize(kFileBlock);  // once per walker
    size_t want =
        static_cast<size_t>(std::min<uint64_t>(pos_ == 0 ? kSniffBytes : kFileBlock, size_ - pos_));
    size_t got = 0;
    while (got < want) {
      while (piece_ < extents_.size() && piece_at_ + extents_[piece_].length <= pos_) {
        piece_at_ += extents_[piece_].length;
        ++piece_;
      }
      if (piece_ == extents_.size()) break;
      const FileExtent& e = extents_[piece_];
      const uint64_t in = pos_ - piece_at_;
      const size_t n = static_cast<size_t>(std::min<uint64_t>(want - got, e.length - in));
      int error_number = 0;
      if (e.zero)
        std::memset(buf_.data() + got, 0, n);
      else if (PreadFull(file_->get(), e.offset + in, buf_.data() + got, n, &error_number) != n) {
        error_ = error_number ? std::strerror(error_number)
                              : "the disk image ends at byte " + std::to_string(e.offset + in);
        return false;
      }
      got += n;
      pos_ += n;
    }
    if (got == 0) {
      error_ = "unexpected end of file data";
      return false;
    }
    *block = std::string_view(buf_.data(), got);
    return true;
  }
  bool at_eof() const override { return pos_ >= size_; }
  std::string error() const override { return error_; }
  uint64_t size_hint() const override { return size_; }
  bool DeferExtents(uint64_t want, std::shared_ptr<const Fd>* file, uint64_t* bytes,
                    std::vector<FileExtent>* extents) override {
    const uint64_t n = std::min(size_, want);
    extents->clear();
    for (uint64_t at = 0; const FileExtent& e : extents_) {
      if (at >= n) break;
      extents->push_back(e);
      extents->back().length = std::min(e.length, n - at);
      at += e.length;
    }
    *file = file_;
    *bytes = n;
    return true;
  }

 private:
  std::string& buf_;
  std::shared_ptr<const Fd> file_;
  std::vector<FileExtent> extents_;
  uint64_t size_;
  uint64_t pos_ = 0;
  size_t piece_ = 0;       // the extent pos_ is in
  uint64_t piece_at_ = 0;  // where that extent starts in the file
  std::string error_;
};

// Adds `length` bytes of a file at `offset` of the image (or zeros) to its extents, joined to
// the last one when they follow it.
void AddExtent(std::vector<FileExtent>* extents, uint64_t offset, uint64_t length, bool zero) {
  if (length == 0) return;
  if (!extents->empty()) {
    FileExtent& last = extents->back();
    if (last.zero == zero && (zero || last.offset + last.length == offset)) {
      last.length += length;
      return;
    }
  }
  extents->push_back({zero ? 0 : offset, length, zero});
}

// ---------------------------------------------------------------------------------------------
// The walk: image -> partition table -> volumes -> (LVM -> volumes) -> file systems -> files.

// Where a volume's files go: `base` is the chain up to the disk (or the PV's partition), and
// `volume` ("p1", "lvm/vg0/root", "" for an unpartitioned image) prefixes file paths.
struct VolumeName {
  Chain base;
  std::string volume;
  std::vector<std::pair<std::string, std::string>> properties;

  Chain FileChain(const std::string& path) const {
    Chain c = base;
    c.push_back(volume.empty() ? path : volume + "/" + path);
    return c;
  }
  Chain WithVolume() const {
    Chain c = base;
    if (!volume.empty()) c.push_back(volume);
    return c;
  }
};

class DiskWalker {
 public:
  // `from_file`: the image is a file, which linkage can walk again (Entry::cheap_to_rewalk).
  DiskWalker(InputScan& scan, int depth, bool from_file)
      : scan_(scan), depth_(depth), from_file_(from_file) {}

  void ScanImage(TSK_IMG_INFO* img, const Chain& chain) {
    std::string head(static_cast<size_t>(std::min<TSK_OFF_T>(img->size, kSniffBytes)), '\0');
    ssize_t got = ReadImage(img, 0, head.data(), head.size());
    head.resize(got > 0 ? static_cast<size_t>(got) : 0);
    std::string table = Sniff(head).format;
    // The sniffed table type is opened directly: TSK's own detection also tries the other
    // types (and leaks a little doing so in 4.11).
    TSK_VS_TYPE_ENUM type = table == "GPT"   ? TSK_VS_TYPE_GPT
                            : table == "MBR" ? TSK_VS_TYPE_DOS
                                             : TSK_VS_TYPE_DETECT;
    VsPtr vs(type == TSK_VS_TYPE_DETECT ? nullptr : tsk_vs_open(img, 0, type));
    std::string gpt_error;
    if (!vs && type == TSK_VS_TYPE_GPT) {
      gpt_error = TskError();
      vs.reset(tsk_vs_open(img, 0, TSK_VS_TYPE_DETECT));  // e.g. 4 KiB sectors
      // Detection falls back to the protective MBR, whose one partition is the whole disk:
      // that is the GPT rejected, not a DOS disk.
      if (vs && vs->vstype != TSK_VS_TYPE_GPT) vs.reset();
    }
    if (!vs) {
      std::string why = gpt_error.empty() ? TskError() : gpt_error;
      tsk_error_reset();
      if (table == "MBR" || table == "GPT") {
        // TSK refuses a whole table when one entry is out of range: say so, and read the
        // primary DOS entries directly so that the sane partitions are still scanned.
        scan_.Note(Notice::Level::kWarning, "partition-table-error", chain,
                   Location{chain}.Render() + ": the Sleuth Kit rejected the " + table +
                       " partition table (" + why + "); its entries were read one by one");
        if (table == "MBR")
          ScanDosEntries(img, chain, head);
        else
          ScanGptEntries(img, chain);
        return;
      }
      ScanVolume(img, 0, img->size, VolumeName{chain, "", {}});
      return;
    }
    int logical = 0;
    table = tsk_vs_type_toname(vs->vstype);
    std::set<int64_t> read_slots;
    std::vector<ScannedExtent> scanned;
    GptTable gpt;
    if (vs->vstype == TSK_VS_TYPE_GPT) ReadGpt(img, &gpt, vs->is_backup != 0);
    for (TSK_PNUM_T i = 0; i < vs->part_count; ++i) {
      const TSK_VS_PART_INFO* part = tsk_vs_part_get(vs.get(), i);
      if (!part || !(part->flags & TSK_VS_PART_FLAG_ALLOC)) continue;
      int64_t slot = SlotOf(part, gpt);
      read_slots.insert(slot);
      // Linux numbering: the table slot + 1; DOS logical partitions count from 5.
      int64_t number =
          part->table_num == 0 || vs->vstype != TSK_VS_TYPE_DOS ? slot + 1 : 5 + logical++;
      std::string name = "p" + std::to_string(number);
      TSK_OFF_T start = BytesOf(part->start, vs->block_size);
      TSK_OFF_T len = BytesOf(part->len, vs->block_size);
      VolumeName vol{chain, name, {{"partition", name}, {"partitionTable", table}}};
      if (part->desc && *part->desc)
        vol.properties.emplace_back("partitionDescription", part->desc);
      if (NoteOverlap(scanned, start, len, vol)) continue;
      scanned.push_back({start, len, name});
      ScanPartition(img, start, len, vol);
      if (scan_.stopped()) return;
    }
    // TSK drops a GPT entry it does not like (one covering the whole disk, the table included)
    // without a word: name each such entry.
    if (vs->vstype == TSK_VS_TYPE_GPT)
      ReportDroppedGptEntries(img, chain, read_slots, vs->is_backup != 0);
    // TSK ends a looping or broken chain of extended boot records silently.
    if (vs->vstype == TSK_VS_TYPE_DOS) CheckEbrChains(img, chain, head);
  }

 private:
  struct ScannedExtent {
    TSK_OFF_T start, len;
    std::string name;
  };

  // A hostile table's sector numbers can overflow a byte offset (or turn negative as signed
  // numbers): such a start is past any end.
  static TSK_OFF_T BytesOf(uint64_t sectors, uint64_t sector_size) {
    uint64_t bytes = 0;
    if (__builtin_mul_overflow(sectors, sector_size, &bytes) ||
        bytes > static_cast<uint64_t>(std::numeric_limits<TSK_OFF_T>::max()))
      return std::numeric_limits<TSK_OFF_T>::max();
    return static_cast<TSK_OFF_T>(bytes);
  }

  // A hostile table's extents can reach past any offset: their ends saturate.
  static TSK_OFF_T EndOf(TSK_OFF_T from, TSK_OFF_T n) {
    TSK_OFF_T end = 0;
    return __builtin_add_overflow(from, n, &end) ? std::numeric_limits<TSK_OFF_T>::max() : end;
  }

  // Names a partition that shares sectors with one already scanned; true when it covers
  // exactly the same sectors (scanned once: the same files would be reported twice).
  bool NoteOverlap(const std::vector<ScannedExtent>& scanned, TSK_OFF_T start, TSK_OFF_T len,
                   const VolumeName& vol) {
    for (const ScannedExtent& e : scanned) {
      bool same = e.start == start && e.len == len;
      if (!same && (start >= EndOf(e.start, e.len) || e.start >= EndOf(start, len))) continue;
      std::string where = Location{vol.WithVolume()}.Render();
      if (same) {
        scan_.Note(Notice::Level::kWarning, "partition-overlap", vol.WithVolume(),
                   where + ": the partition covers the same sectors as " + e.name +
                       "; its files are reported once, under " + e.name);
        return true;
      }
      TSK_OFF_T from = std::max(start, e.start);
      TSK_OFF_T to = std::min(EndOf(start, len), EndOf(e.start, e.len));
      scan_.Note(Notice::Level::kWarning, "partition-overlap", vol.WithVolume(),
                 where + ": the partition overlaps " + e.name + " (bytes " + std::to_string(from) +
                     "-" + std::to_string(to - 1) +
                     "); both are scanned, so a file in the shared part may be read twice or "
                     "read as damaged");
      return false;
    }
    return false;
  }

  // Follows each extended partition's chain of boot records as TSK does and names a link that
  // loops back or leaves the extended partition: the logical partitions after it are not read.
  void CheckEbrChains(TSK_IMG_INFO* img, const Chain& chain, std::string_view head) {
    if (head.size() < 512) return;
    for (int i = 0; i < 4; ++i) {
      size_t e = 446 + 16 * static_cast<size_t>(i);
      unsigned char type = static_cast<unsigned char>(head[e + 4]);
      if (type != 0x05 && type != 0x0f && type != 0x85) continue;
      uint64_t base = Le(head, e + 8, 4), size = Le(head, e + 12, 4);
      std::set<uint64_t> seen;
      uint64_t at = base;
      std::string ext_name = "p" + std::to_string(i + 1);
      Chain ext = chain;
      ext.push_back(ext_name);
      auto broken = [&](const std::string& why) {
        scan_.Note(Notice::Level::kWarning, "partition-table-error", ext,
                   Location{ext}.Render() + ": the extended partition's chain of boot records " +
                       why + "; logical partitions after it are not read");
      };
      // A DOS disk holds at most a few hundred logical partitions in practice; 4096 bounds it.
      for (int hop = 0; hop < 4096; ++hop) {
        if (!seen.insert(at).second) {
          broken("loops back to sector " + std::to_string(at));
          break;
        }
        std::string ebr(512, '\0');
        if (at > static_cast<uint64_t>(img->size) / 512 - 1 ||
            ReadImage(img, static_cast<TSK_OFF_T>(at * 512), ebr.data(), ebr.size()) != 512) {
          tsk_error_reset();
          broken("links to sector " + std::to_string(at) + ", past the end of the image");
          break;
        }
        if (ebr[510] != '\x55' || ebr[511] != '\xaa') {
          if (at != base)
            broken("links to sector " + std::to_string(at) + ", which holds no boot record");
          break;
        }
        size_t link = 446 + 16;
        unsigned char link_type = static_cast<unsigned char>(ebr[link + 4]);
        uint64_t rel = Le(ebr, link + 8, 4);
        if (link_type != 0x05 && link_type != 0x0f && link_type != 0x85) break;
        if (rel >= size) {
          broken("links to sector " + std::to_string(base + rel) +
                 ", outside the extended "
                 "partition (sectors " +
                 std::to_string(base) + "-" + std::to_string(base + size - 1) + ")");
          break;
        }
        at = base + rel;
      }
    }
  }

  void ScanPartition(TSK_IMG_INFO* img, TSK_OFF_T start, TSK_OFF_T len, const VolumeName& vol) {
    std::string where = Location{vol.WithVolume()}.Render();
    if (len <= 0) {
      scan_.Note(Notice::Level::kWarning, "partition-out-of-range", vol.WithVolume(),
                 where +
                     ": the partition table gives it no sectors (its last sector comes before its "
                     "first); not scanned");
      return;
    }
    if (start < 0 || start >= img->size) {
      scan_.Note(Notice::Level::kWarning, "partition-out-of-range", vol.WithVolume(),
                 where + ": the partition starts at byte " + std::to_string(start) +
                     ", past the end of the " + std::to_string(img->size) +
                     "-byte image; not scanned");
      return;
    }
    if (len > img->size - start) {  // start < size here: no overflow
      scan_.Note(
          Notice::Level::kWarning, "partition-out-of-range", vol.WithVolume(),
          where + ": the partition table says it ends at byte " +
              (len > std::numeric_limits<TSK_OFF_T>::max() - start ? std::string("past 2^63")
                                                                   : std::to_string(start + len)) +
              ", past the end of the " + std::to_string(img->size) +
              "-byte image; only the part inside was read");
      len = img->size - start;
    }
    ScanVolume(img, start, len, vol);
  }

  // The four primary entries of a DOS table, read without TSK (which rejected the table).
  void ScanDosEntries(TSK_IMG_INFO* img, const Chain& chain, const std::string& head) {
    if (head.size() < 512) return;
    for (int i = 0; i < 4 && !scan_.stopped(); ++i) {
      size_t e = 446 + 16 * static_cast<size_t>(i);
      unsigned char type = static_cast<unsigned char>(head[e + 4]);
      uint64_t first = Le(head, e + 8, 4), count = Le(head, e + 12, 4);
      if (type == 0 || count == 0) continue;
      std::string name = "p" + std::to_string(i + 1);
      VolumeName vol{chain, name, {{"partition", name}, {"partitionTable", "dos"}}};
      if (type == 0x05 || type == 0x0f || type == 0x85) {
        scan_.Note(Notice::Level::kWarning, "partition-table-error", vol.WithVolume(),
                   Location{vol.WithVolume()}.Render() +
                       ": an extended partition in a rejected table is not followed");
        continue;
      }
      ScanPartition(img, BytesOf(first, 512), BytesOf(count, 512), vol);
    }
  }

  // A GPT read without TSK (which rejected it): the header and entry array checked against
  // their CRCs, each entry checked against the disk, and every sane entry scanned.
  struct GptEntry {
    uint32_t index;
    uint64_t first, last;
  };
  struct GptTable {
    uint32_t sector = 0;
    bool backup = false;  // read from the copy at the disk's last sector
    uint64_t first_usable = 0, last_usable = 0;
    std::vector<GptEntry> entries;
    std::vector<std::string> problems;  // CRC mismatches, for the notice
  };

  // The primary header is at LBA 1, the backup at the disk's last sector.
  static bool ReadGpt(TSK_IMG_INFO* img, GptTable* t, bool backup = false) {
    for (uint32_t sector : {512u, 4096u}) {
      TSK_OFF_T at = backup ? (img->size / sector - 1) * sector : sector;
      std::string h(sector, '\0');
      if (at < static_cast<TSK_OFF_T>(sector) ||
          ReadImage(img, at, h.data(), h.size()) != static_cast<ssize_t>(h.size()) ||
          h.compare(0, 8, "EFI PART") != 0)
        continue;
      tsk_error_reset();
      *t = GptTable{};
      t->sector = sector;
      t->backup = backup;
      uint32_t header_size = static_cast<uint32_t>(Le(h, 12, 4));
      if (header_size >= 92 && header_size <= sector) {
        std::string copy = h.substr(0, header_size);
        copy.replace(16, 4, 4, '\0');
        if (ReflectedCrc32(copy, kCrc32) != Le(h, 16, 4))
          t->problems.push_back("the header's CRC does not match");
      }
      t->first_usable = Le(h, 40, 8);
      t->last_usable = Le(h, 48, 8);
      uint64_t array_lba = Le(h, 72, 8), count = Le(h, 80, 4), size = Le(h, 84, 4);
      if (size < 128 || size > 4096 || count == 0 || count > 4096) {
        t->problems.push_back("the header describes no readable entry array");
        return true;
      }
      std::string array(static_cast<size_t>(count * size), '\0');
      if (ReadImage(img, static_cast<TSK_OFF_T>(array_lba * sector), array.data(), array.size()) !=
          static_cast<ssize_t>(array.size())) {
        tsk_error_reset();
        t->problems.push_back("the entry array lies outside the image");
        return true;
      }
      if (ReflectedCrc32(array, kCrc32) != Le(h, 88, 4))
        t->problems.push_back("the entry array's CRC does not match");
      for (uint32_t i = 0; i < count; ++i) {
        std::string_view e = std::string_view(array).substr(static_cast<size_t>(i * size),
                                                            static_cast<size_t>(size));
        if (e.substr(0, 16).find_first_not_of('\0') == std::string_view::npos) continue;  // unused
        t->entries.push_back({i, Le(e, 32, 8), Le(e, 40, 8)});
      }
      return true;
    }
    tsk_error_reset();
    return false;
  }

  // TSK 4.11 keeps the slot in an int8_t, so GPT entry 129 reads as -128: the entry of the
  // table read here that starts at the same sector and agrees in the low byte is the slot.
  static int64_t SlotOf(const TSK_VS_PART_INFO* part, const GptTable& gpt) {
    auto low = static_cast<uint8_t>(part->slot_num);
    for (const GptEntry& e : gpt.entries)
      if (e.first == part->start && static_cast<uint8_t>(e.index) == low) return e.index;
    return low;
  }

  // What keeps a GPT entry from being read, or "" when it can be.
  static std::string GptEntryProblem(const GptTable& t, const GptEntry& e, TSK_OFF_T disk_size) {
    uint64_t sectors = static_cast<uint64_t>(disk_size) / t.sector;
    if (e.first > e.last)
      return "its first sector " + std::to_string(e.first) + " comes after its last " +
             std::to_string(e.last);
    if (e.first >= sectors)
      return "it starts at sector " + std::to_string(e.first) + ", past the end of the " +
             std::to_string(sectors) + "-sector disk";
    if (e.last >= sectors)
      return "it runs to sector " + std::to_string(e.last) + ", past the end of the " +
             std::to_string(sectors) + "-sector disk";
    if (e.first < t.first_usable || (t.last_usable && e.last > t.last_usable))
      return "it covers sectors " + std::to_string(e.first) + "-" + std::to_string(e.last) +
             ", the partition table's own included (outside the usable sectors " +
             std::to_string(t.first_usable) + "-" + std::to_string(t.last_usable) + ")";
    return "";
  }

  // The primary table when it is whole, else a whole backup (as TSK and the kernel fall back);
  // `primary_problem` says what was wrong with the primary, "" when it was used.
  static bool ReadSoundestGpt(TSK_IMG_INFO* img, GptTable* t, std::string* primary_problem) {
    GptTable primary, backup;
    bool has_primary = ReadGpt(img, &primary);
    if (has_primary && primary.problems.empty()) {
      *t = std::move(primary);
      return true;
    }
    *primary_problem = has_primary ? JoinProblems(primary) : kNoPrimaryGpt;
    if (ReadGpt(img, &backup, true) && (backup.problems.empty() || !has_primary)) {
      *t = std::move(backup);
      return true;
    }
    if (!has_primary) return false;
    *t = std::move(primary);
    return true;
  }

  static constexpr const char* kNoPrimaryGpt = "no GPT header at sector 1";

  static std::string JoinProblems(const GptTable& t) {
    std::string all;
    for (const std::string& p : t.problems) all += (all.empty() ? "" : "; ") + p;
    return all;
  }

  void NoteGptDamage(const Chain& chain, const GptTable& t, const std::string& primary_problem) {
    std::string where = Location{chain}.Render();
    if (t.backup)
      scan_.Note(
          Notice::Level::kWarning, "partition-table-error", chain,
          where + ": the primary GPT is damaged (" + primary_problem +
              "); the partitions were read from the backup table at the end of the disk" +
              (t.problems.empty() ? "" : ", which is damaged too (" + JoinProblems(t) + ")"));
    else if (!t.problems.empty())
      scan_.Note(Notice::Level::kWarning, "partition-table-error", chain,
                 where + ": GPT: " + JoinProblems(t) + " (the entries were read all the same)");
  }

  void ScanGptEntries(TSK_IMG_INFO* img, const Chain& chain) {
    std::string where = Location{chain}.Render();
    GptTable t;
    std::string primary_problem;
    if (!ReadSoundestGpt(img, &t, &primary_problem)) {
      scan_.Note(Notice::Level::kWarning, "partition-table-error", chain,
                 where + ": no GPT header at sector 1 nor at the end of the disk; nothing scanned");
      return;
    }
    NoteGptDamage(chain, t, primary_problem);
    for (const GptEntry& e : t.entries) {
      if (scan_.stopped()) return;
      std::string name = "p" + std::to_string(e.index + 1);
      VolumeName vol{chain, name, {{"partition", name}, {"partitionTable", "gpt"}}};
      if (std::string problem = GptEntryProblem(t, e, img->size); !problem.empty()) {
        scan_.Note(Notice::Level::kWarning, "partition-out-of-range", vol.WithVolume(),
                   Location{vol.WithVolume()}.Render() + ": GPT entry " +
                       std::to_string(e.index + 1) + " is not read: " + problem);
        continue;
      }
      ScanPartition(img, BytesOf(e.first, t.sector), BytesOf(e.last - e.first + 1, t.sector), vol);
    }
  }

  // TSK checks no CRC and reads the backup table without a word when the primary header is
  // gone: say what it read, then name each entry of that table it did not list.
  void ReportDroppedGptEntries(TSK_IMG_INFO* img, const Chain& chain,
                               const std::set<int64_t>& read_slots, bool tsk_read_backup) {
    GptTable t, primary;
    std::string primary_problem;
    if (tsk_read_backup) {
      if (!ReadGpt(img, &t, true)) return;
      primary_problem = ReadGpt(img, &primary) ? JoinProblems(primary) : kNoPrimaryGpt;
    } else if (!ReadGpt(img, &t)) {
      return;
    }
    NoteGptDamage(chain, t, primary_problem);
    for (const GptEntry& e : t.entries) {
      if (read_slots.count(static_cast<int64_t>(e.index))) continue;
      std::string name = "p" + std::to_string(e.index + 1);
      std::string problem = GptEntryProblem(t, e, img->size);
      Chain at = chain;
      at.push_back(name);
      scan_.Note(
          Notice::Level::kWarning, "partition-out-of-range", at,
          Location{at}.Render() + ": GPT entry " + std::to_string(e.index + 1) +
              " is not read: " + (problem.empty() ? "the Sleuth Kit did not list it" : problem));
    }
  }

  // An ext2/3/4 superblock TSK accepts but cannot walk (it then finds nothing, silently):
  // what is wrong with it, or "" when its geometry is sane.
  static std::string ExtGeometryProblem(std::string_view p) {
    if (p.size() < 2048) return "";
    uint64_t log_block = Le(p, 1024 + 24, 4), first_data = Le(p, 1024 + 20, 4);
    uint64_t rev = Le(p, 1024 + 76, 4), inode_size = rev >= 1 ? Le(p, 1024 + 88, 2) : 128;
    if (log_block > 6)
      return "a block size field of " + std::to_string(log_block) +
             " (2^(10+n) bytes, n at most 6)";
    uint64_t block = 1024ull << log_block;
    if ((block == 1024) != (first_data == 1))
      return "a block size of " + std::to_string(block) +
             " bytes that does not fit its first data block " + std::to_string(first_data) +
             " (1 for 1 KiB blocks, else 0)";
    if (inode_size < 128 || inode_size > block || (inode_size & (inode_size - 1)) != 0)
      return "an inode size of " + std::to_string(inode_size) +
             " bytes (a power of two from 128 to the " + std::to_string(block) +
             "-byte block size)";
    if (Le(p, 1024 + 40, 4) == 0 || Le(p, 1024 + 32, 4) == 0)
      return "no inodes or blocks per group";
    return "";
  }

  void ScanVolume(TSK_IMG_INFO* img, TSK_OFF_T off, TSK_OFF_T len, const VolumeName& vol) {
    Chain self = vol.WithVolume();
    std::string where = Location{self}.Render();
    std::string probe(static_cast<size_t>(std::min<TSK_OFF_T>(len, kVolumeProbeBytes)), '\0');
    ssize_t got = ReadImage(img, off, probe.data(), probe.size());
    if (got < 0) {
      scan_.Note(Notice::Level::kWarning, "disk-error", self,
                 where + ": cannot read: " + ReadFailure(img));
      return;
    }
    probe.resize(static_cast<size_t>(got));
    if (std::string u = UnsupportedVolume(probe); !u.empty()) {
      bool swap = u == "swap space";
      scan_.Note(
          swap ? Notice::Level::kNote : Notice::Level::kWarning,
          swap ? "skipped-volume" : "unsupported-format", self,
          where + ": " + u +
              (swap ? ": nothing to scan" : " is not supported; nothing inside it was scanned"));
      return;
    }
    for (size_t label = 0; label < 2048; label += 512)  // an LVM label sits in one of sectors 0-3
      if (probe.size() >= label + 8 && probe.compare(label, 8, "LABELONE") == 0)
        return ScanLvm(img, off, len, vol);
    if (probe.size() >= 4 && probe.compare(0, 4, "XFSB") == 0) return ScanXfs(img, off, len, vol);
    if (Sniff(probe).format == "ext") {
      if (std::string problem = ExtGeometryProblem(probe); !problem.empty()) {
        scan_.Note(Notice::Level::kWarning, "corrupt-file-system", self,
                   where + ": an ext2/3/4 file system whose superblock gives " + problem +
                       "; nothing scanned");
        return;
      }
    }
    if (std::string problem = NtfsMftRecordZeroProblem(img, off, len, probe); !problem.empty()) {
      scan_.Note(Notice::Level::kWarning, "corrupt-file-system", self,
                 where + ": an NTFS file system whose " + problem +
                     " (a corrupt MFT record, which the Sleuth Kit would load whole); nothing "
                     "scanned");
      return;
    }
    ImgPtr view = OpenView(img, off, len);  // outlives fs
    TSK_IMG_INFO* fs_img = view ? view.get() : img;
    ImgPtr journaled = view && Sniff(probe).format == "ext"
                           ? ReplayExtJournal(view.get(), probe, vol)
                           : nullptr;  // outlives fs
    if (journaled) fs_img = journaled.get();
    FsPtr fs(tsk_fs_open_img(fs_img, view ? 0 : off, TSK_FS_TYPE_DETECT));
    if (!fs) {
      std::string why = TskError();
      bool empty = probe.find_first_not_of('\0') == std::string::npos;
      std::string kind = Sniff(probe).format;
      if (kind == "ext" || kind == "FAT/NTFS") {
        scan_.Note(Notice::Level::kWarning, "corrupt-file-system", self,
                   where + ": " + (kind == "ext" ? "an ext2/3/4" : "a FAT/NTFS") +
                       " file system whose superblock cannot be read (" + why +
                       "); nothing scanned");
        return;
      }
      scan_.Note(Notice::Level::kNote, "no-file-system", self,
                 where + ": " +
                     (empty ? "the volume is empty (all zeros)"
                            : "no file system recognised (" + why + ")") +
                     "; nothing scanned");
      return;
    }
    VolumeName v = vol;
    v.properties.emplace_back("filesystem", tsk_fs_type_toname(fs->ftype));
    ScanTsk(fs.get(), fs_img, len, v);
  }

  // An ext3/4 volume not unmounted cleanly (the image of a running system: an AMI export, a
  // snapshot) whose journal holds committed changes: a view with them replayed, as mounting would
  // replay them; null when there is nothing to replay or it cannot be done (then named).
  ImgPtr ReplayExtJournal(TSK_IMG_INFO* view, std::string_view probe, const VolumeName& vol) {
    constexpr uint64_t kCompatHasJournal = 0x4, kIncompatRecover = 0x4;
    constexpr size_t kSb = 1024;
    if (probe.size() < kSb + 1024 || !(Le(probe, kSb + 0x60, 4) & kIncompatRecover) ||
        !(Le(probe, kSb + 0x5C, 4) & kCompatHasJournal))
      return nullptr;
    Chain self = vol.WithVolume();
    auto not_replayed = [&](const std::string& why) {
      scan_.Note(Notice::Level::kWarning, "disk-error", self,
                 Location{self}.Render() +
                     ": the file system was not unmounted cleanly and its journal was not "
                     "replayed (" +
                     why + "): a file changed in its last moments may be read in its older state");
    };
    if (Le(probe, kSb + 0xE4, 4) != 0 || Le(probe, kSb + 0xE0, 4) == 0) {
      not_replayed("the journal is on another device");
      return nullptr;
    }
    Ext4Volume::ReadFn read = WholeReader(view, 0);
    Ext4Volume volume;
    Ext4Inode journal;
    auto replay = std::make_shared<JournalReplay>();
    std::string error;
    if (!volume.Open(read, static_cast<uint64_t>(view->size), &error))
      return nullptr;  // TSK names the superblock's trouble
    if (!volume.LoadAnyInode(Le(probe, kSb + 0xE0, 4), &journal, &error) ||
        !ReadJournal(read, volume.block_size(),
                     static_cast<uint64_t>(view->size) / volume.block_size(), journal.extents,
                     replay.get(), &error)) {
      not_replayed("its journal: " + error);
      return nullptr;
    }
    if (replay->blocks.empty()) return nullptr;
    scan_.Note(
        Notice::Level::kNote, "journal-replayed", self,
        Location{self}.Render() + ": the file system was not unmounted cleanly: its journal held " +
            Counted(replay->transactions, "committed transaction", "committed transactions") +
            " (" + Counted(replay->blocks.size(), "block", "blocks") +
            ") not yet written to it, replayed in memory before reading, as mounting would" +
            (replay->fast_commit ? " (fast-commit records are not replayed)" : ""));
    return OpenJournaledView(view, std::move(replay));
  }

  // ---- ext2/3/4 and the rest of TSK's file systems. Our own walk rather than
  // tsk_fs_dir_walk: every directory is weighed before TSK reads it (a corrupt size makes TSK
  // build a run list for gigabytes, block by block), and the image's read meter is checked
  // between entries.
  struct FileClose {
    void operator()(TSK_FS_FILE* f) const { tsk_fs_file_close(f); }
  };
  struct DirClose {
    void operator()(TSK_FS_DIR* d) const { tsk_fs_dir_close(d); }
  };
  using FilePtr = std::unique_ptr<TSK_FS_FILE, FileClose>;
  using DirPtr = std::unique_ptr<TSK_FS_DIR, DirClose>;

  // A directory holds at most this many blocks (and never more than its volume): more is a
  // corrupt inode, and TSK's run list for it would grow with every block.
  static constexpr uint64_t kMaxDirBlocks = 16384;
  static uint64_t MaxDirBytes(uint64_t volume_bytes, uint64_t block_bytes) {
    return std::min<uint64_t>(volume_bytes, kMaxDirBlocks * block_bytes);
  }

  struct TskWalk {
    TSK_FS_INFO* fs = nullptr;
    const VolumeName* vol = nullptr;
    ReadMeter* meter = nullptr;
    uint64_t entries = 0;
    uint64_t max_dir_bytes = 0;
    uint64_t volume_bytes = 0;
    std::set<TSK_INUM_T> path;  // directories on the current path: a loop guard
    std::map<std::string, std::string> links;
    bool abandoned = false;
    std::unique_ptr<Ext4Volume> ext4;  // for extent trees TSK cannot map (Ext4Of)
    bool ext4_failed = false;
    // Entries naming an inode of no file type (ext4: a zeroed inode; FAT: garbage attributes)
    // or none TSK can read: named once per volume (ScanTsk), with the first one's path.
    uint64_t untyped = 0;
    std::string first_untyped;
    // Directories that list no "." (ext2/3/4 and UFS: none; FAT12/16/32: none but the root):
    // their data zeroed, lost, or a file's (garbage attributes): named as above.
    uint64_t dotless = 0;
    std::string first_dotless;
  };

  void CountUntyped(TskWalk& w, const std::string& path) {
    if (w.untyped++ == 0) w.first_untyped = path;
  }

  bool Abandon(TskWalk& w) {
    if (w.abandoned) return true;
    if (!w.meter || !w.meter->exhausted) return false;
    w.abandoned = true;
    scan_.Note(Notice::Level::kWarning, "disk-error", w.vol->WithVolume(),
               Location{w.vol->WithVolume()}.Render() +
                   ": abandoned: the file system made the Sleuth Kit read " +
                   HumanBytes(w.meter->read) + " from the image, more than its budget of " +
                   HumanBytes(w.meter->budget) +
                   " (a corrupt file system that loops?); the files read so far were scanned");
    return true;
  }

  // False, with a notice, when a file's metadata claims more than can be read safely.
  bool SizeIsSane(const TSK_FS_FILE* f, const std::string& path, bool dir, TskWalk& w) {
    TSK_OFF_T size = f->meta->size;
    // Block-mapped contents (no extents) make TSK walk every indirect block up to the size.
    bool mapped = f->meta->content_type == TSK_FS_META_CONTENT_TYPE_DEFAULT;
    uint64_t cap = dir ? w.max_dir_bytes : mapped ? w.volume_bytes : UINT64_MAX;
    if (size >= 0 && static_cast<uint64_t>(size) <= cap) return NtfsIsSane(f, path, dir, w);
    Chain at = path.empty() ? w.vol->WithVolume() : w.vol->FileChain(path);
    scan_.Note(
        Notice::Level::kWarning, "disk-error", at,
        Location{at}.Render() + ": " + (path.empty() ? "the root directory's inode" : "its inode") +
            " claims " + std::to_string(size) + " bytes for a " + (dir ? "directory" : "file") +
            " on a " + std::to_string(w.volume_bytes) + "-byte volume (a corrupt inode); not read");
    return false;
  }

  // TSK 4.11 reads every block group's descriptor from the table after the superblock, which
  // META_BG leaves for groups past s_first_meta_bg: it would look up those groups' inodes in the
  // wrong place and lose their files silently. Before it looks one up, its one-group descriptor
  // cache is given the right descriptor, which it then uses as if it had read it.
  void PrimeTskGroup(TskWalk& w, TSK_INUM_T inum) {
    Ext4Volume* ext4 = Ext4Of(w);
    std::string error;
    const Ext4GroupDescriptor* desc =
        ext4 && ext4->meta_bg() ? ext4->DescriptorOf(inum, &error) : nullptr;
    if (!desc || !desc->moved) return;
    auto* ext2fs = reinterpret_cast<EXT2FS_INFO*>(w.fs);
    auto field = [](const uint8_t* at, int bytes) {  // little-endian: Ext4Of read it so
      return Le(std::string_view(reinterpret_cast<const char*>(at), bytes), 0, bytes);
    };
    const uint64_t raw_size = field(ext2fs->fs->s_desc_size, 2);
    // TSK's own choice of the 64-bit layout (ext2fs_group_load).
    const bool wide = w.fs->ftype == TSK_FS_TYPE_EXT4 &&
                      (field(ext2fs->fs->s_feature_incompat, 4) & EXT2FS_FEATURE_INCOMPAT_64BIT) &&
                      raw_size >= 64;
    const size_t size = std::max<size_t>(static_cast<size_t>(raw_size),
                                         wide ? sizeof(ext4fs_gd) : sizeof(ext2fs_gd));
    void*& buf = wide ? reinterpret_cast<void*&>(ext2fs->ext4_grp_buf)
                      : reinterpret_cast<void*&>(ext2fs->grp_buf);
    if (!buf) buf = std::calloc(1, size);  // TSK frees it with free() when the volume closes
    if (!buf) return;
    std::memset(buf, 0, size);
    std::memcpy(buf, desc->bytes.data(), std::min(size, desc->bytes.size()));
    ext2fs->grp_num = static_cast<EXT2_GRPNUM_T>(desc->group);
  }

  // NTFS compresses 16 clusters at a time; TSK 4.11 allocates and zeroes two buffers of the
  // unit an attribute claims (up to 65,536 clusters: 8 GiB with 64 KiB clusters).
  static constexpr uint32_t kNtfsCompressionUnit = 16;

  // What in a NTFS file's attributes would make TSK 4.11 balloon, or "": a compression unit over
  // NTFS's, or a directory index larger than a directory can be (TSK copies it whole into one
  // buffer, sparse runs as zeros, before it reads a name).
  static std::string NtfsAttrProblem(const TSK_FS_FILE* f, bool dir, const TskWalk& w) {
    if (!TSK_FS_TYPE_ISNTFS(w.fs->ftype) || !f->meta->attr) return "";
    for (const TSK_FS_ATTR* a = f->meta->attr->head; a; a = a->next) {
      if (!(a->flags & TSK_FS_ATTR_INUSE) || !(a->flags & TSK_FS_ATTR_NONRES)) continue;
      if ((a->flags & TSK_FS_ATTR_COMP) && a->nrd.compsize > kNtfsCompressionUnit)
        return "a compression unit of " + std::to_string(a->nrd.compsize) +
               " clusters, where NTFS uses " + std::to_string(kNtfsCompressionUnit);
      if (dir && a->type == TSK_FS_ATTR_TYPE_NTFS_IDXALLOC &&
          (a->nrd.allocsize < 0 || static_cast<uint64_t>(a->nrd.allocsize) > w.max_dir_bytes))
        return "a directory index of " + std::to_string(a->nrd.allocsize) +
               " bytes, more than the " + std::to_string(w.max_dir_bytes) +
               " a directory may take here";
    }
    return "";
  }

  // False, with a notice, when an NTFS file's attributes claim what TSK must not act on.
  bool NtfsIsSane(const TSK_FS_FILE* f, const std::string& path, bool dir, TskWalk& w) {
    std::string problem = NtfsAttrProblem(f, dir, w);
    if (problem.empty()) return true;
    Chain at = path.empty() ? w.vol->WithVolume() : w.vol->FileChain(path);
    scan_.Note(Notice::Level::kWarning, "disk-error", at,
               Location{at}.Render() + ": " +
                   (path.empty() ? "the root directory's MFT record" : "its MFT record") +
                   " claims " + problem + " (a corrupt MFT record); not read");
    return false;
  }

  // What in an NTFS volume's MFT would make TSK 4.11 balloon, or "": a record with a
  // non-resident attribute list, which TSK copies whole into one buffer (sparse runs as zeros)
  // when it loads the record. TSK loads every record when it first opens a directory (its map of
  // orphans), so all are weighed before: each read raw, fixups applied, by TSK itself.
  static std::string NtfsMftProblem(const TskWalk& w) {
    if (!TSK_FS_TYPE_ISNTFS(w.fs->ftype)) return "";
    auto* ntfs = reinterpret_cast<NTFS_INFO*>(w.fs);
    std::string record(ntfs->mft_rsize_b, '\0');
    if (record.size() < 64) return "";  // TSK refuses such a volume itself
    // last_inum is TSK's $OrphanFiles, no record.
    for (TSK_INUM_T inum = w.fs->first_inum; inum < w.fs->last_inum; ++inum) {
      if (w.meter && w.meter->exhausted) return "";  // Abandon() says so
      if (ntfs_dinode_lookup(ntfs, record.data(), inum) != TSK_OK) {
        tsk_error_reset();
        continue;  // TSK skips it too
      }
      if (std::string p = NtfsAttributeListClaim(record, inum, w.max_dir_bytes); !p.empty())
        return p;
    }
    return "";
  }

  // What MFT record `inum` (fixups applied) claims past `limit` for a non-resident attribute
  // list, or "".
  static std::string NtfsAttributeListClaim(std::string_view r, uint64_t inum, uint64_t limit) {
    for (uint64_t at = Le(r, 0x14, 2), n = 0; at + 0x38 <= r.size() && n < 256; ++n) {
      uint64_t type = Le(r, at, 4), length = Le(r, at + 4, 4);
      if (type == 0xFFFFFFFF || length < 16 || length > r.size() - at) break;
      if (type == 0x20 && r[at + 8] != 0 && Le(r, at + 0x30, 8) > limit)
        return "MFT record " + std::to_string(inum) + " claims an attribute list of " +
               std::to_string(Le(r, at + 0x30, 8)) + " bytes, more than the " +
               std::to_string(limit) + " one may take here";
      at += length;
    }
    return "";
  }

  // NtfsMftProblem for the $MFT's own record (0), read from the boot sector's geometry before
  // TSK opens the volume: tsk_fs_open_img loads that record, attribute list and all, so a corrupt
  // claim there allocated and zeroed gigabytes before any walk could weigh it.
  static std::string NtfsMftRecordZeroProblem(TSK_IMG_INFO* img, TSK_OFF_T off, TSK_OFF_T len,
                                              std::string_view boot) {
    if (boot.size() < 512 || boot.substr(3, 8) != "NTFS    ") return "";
    const uint64_t sector = Le(boot, 0x0B, 2), per_cluster = Le(boot, 0x0D, 1);
    if (sector == 0 || sector > 4096 || per_cluster == 0 || per_cluster > 0x80 ||
        (per_cluster & (per_cluster - 1)) != 0)
      return "";  // a geometry TSK refuses itself
    const uint64_t cluster = sector * per_cluster;
    const auto size_field = static_cast<int8_t>(boot[0x40]);
    const uint64_t record_bytes = size_field > 0     ? static_cast<uint64_t>(size_field) * cluster
                                  : size_field > -32 ? 1ull << -size_field
                                                     : 0;
    const uint64_t mft = Le(boot, 0x30, 8);
    if (record_bytes < 512 || record_bytes > 65536 || mft >= static_cast<uint64_t>(len) / cluster)
      return "";  // TSK refuses such a volume itself
    std::string record(static_cast<size_t>(record_bytes), '\0');
    if (ReadImage(img, off + static_cast<TSK_OFF_T>(mft * cluster), record.data(), record.size()) !=
        static_cast<ssize_t>(record.size())) {
      tsk_error_reset();
      return "";  // TSK names it
    }
    if (record.compare(0, 4, "FILE") != 0) return "";
    // The update sequence: the last two bytes of every 512-byte stride are kept in its array.
    const uint64_t usa = Le(record, 0x04, 2), count = Le(record, 0x06, 2);
    if (count == 0 || usa + 2 * count > record.size() || (count - 1) * 512 > record.size())
      return "";
    for (uint64_t i = 1; i < count; ++i) {
      record[i * 512 - 2] = record[usa + 2 * i];
      record[i * 512 - 1] = record[usa + 2 * i + 1];
    }
    return NtfsAttributeListClaim(record, 0, MaxDirBytes(static_cast<uint64_t>(len), cluster));
  }

  // False, with a notice, when TSK must not open inode `inum`: TSK 4.11 allocates and zeroes a
  // buffer of an inline-data inode's claimed size when it opens it (ext4_load_attrs_inline), so a
  // corrupt size would take gigabytes. Inline data lives inside the inode: more is corruption.
  bool TskMayOpen(TskWalk& w, TSK_INUM_T inum, const std::string& path) {
    Ext4Volume* ext4 = Ext4Of(w);
    Ext4InodeHead head;
    std::string error;
    if (!ext4 || !ext4->ReadInodeHead(inum, &head, &error)) return true;  // TSK says why
    if (!head.inline_data() || head.size <= ext4->inode_size()) {
      PrimeTskGroup(w, inum);
      return true;
    }
    Chain at = path.empty() ? w.vol->WithVolume() : w.vol->FileChain(path);
    scan_.Note(
        Notice::Level::kWarning, "disk-error", at,
        Location{at}.Render() + ": " + (path.empty() ? "the root directory's inode" : "its inode") +
            " claims " + std::to_string(head.size) + " bytes of inline data, more than its " +
            std::to_string(ext4->inode_size()) + "-byte inode holds (a corrupt inode); not read");
    return false;
  }

  // NTFS keeps its own files in MFT records 0-15 ($MFT, $LogFile, $Boot, $Extend...), named in
  // the root: not the system's files ($MFT repeats small files' text, $Boot looks like a disk).
  static constexpr TSK_INUM_T kNtfsFirstUserRecord = 16;

  // True, counted as a special file, for an entry that is the file system's metadata.
  bool IsFsMetadata(const TskWalk& w, const TSK_FS_NAME& entry) {
    if (!TSK_FS_TYPE_ISNTFS(w.fs->ftype) || entry.meta_addr >= kNtfsFirstUserRecord) return false;
    scan_.sink().CountSkipped("special-file");
    return true;
  }

  // TSK 4.11 leaves `meta->link` empty for a target kept in an extent-mapped block (ext4, over
  // 60 bytes): read it as the link's content. Empty when it cannot be read.
  static std::string LinkTargetOf(TSK_FS_FILE* f) {
    TSK_OFF_T size = f->meta->size;
    if (size <= 0 || size > 4096) return {};  // PATH_MAX: a longer target is a corrupt inode
    std::string target(static_cast<size_t>(size), '\0');
    ssize_t n = tsk_fs_file_read(f, 0, target.data(), target.size(), TSK_FS_FILE_READ_FLAG_NONE);
    if (n != size) {
      tsk_error_reset();
      return {};
    }
    target.resize(std::strlen(target.c_str()));
    return target;
  }

  void WalkTskDir(TSK_INUM_T inum, const std::string& prefix, int depth, TskWalk& w) {
    if (depth > kMaxDirDepth || Abandon(w)) return;
    PrimeTskGroup(w, inum);
    DirPtr dir(tsk_fs_dir_open_meta(w.fs, inum));
    if (!dir) {
      Chain at = w.vol->FileChain(prefix.empty() ? "." : prefix);
      std::string why = TskError();
      if (Abandon(w) || WalkExt4Dir(inum, prefix, depth, w, &why)) return;
      scan_.Note(Notice::Level::kWarning, "disk-error", prefix.empty() ? w.vol->WithVolume() : at,
                 Location{prefix.empty() ? w.vol->WithVolume() : at}.Render() + ": cannot read " +
                     (prefix.empty() ? std::string("the root directory") : "this directory") +
                     ": " + why);
      return;
    }
    size_t count = tsk_fs_dir_getsize(dir.get());
    bool dot = false;
    for (size_t i = 0; i < count; ++i) {
      if (scan_.stopped() || Done() || Abandon(w)) return;
      // The name first: its inode is looked up (and checked) only for a live, real name.
      const TSK_FS_NAME* entry = tsk_fs_dir_get_name(dir.get(), i);
      if (!entry || !(entry->flags & TSK_FS_NAME_FLAG_ALLOC))
        continue;  // deleted: not the system's
      std::string name = entry->name ? entry->name : "";
      dot = dot || name == ".";
      if (name.empty() || name == "." || name == "..") continue;
      if (IsFsMetadata(w, *entry)) continue;
      if (!TskMayOpen(w, entry->meta_addr, prefix.empty() ? name : prefix + "/" + name)) continue;
      FilePtr f(tsk_fs_dir_get(dir.get(), i));
      if (!f || !f->name || !f->meta) {
        tsk_error_reset();
        CountUntyped(w, prefix.empty() ? name : prefix + "/" + name);
        continue;
      }
      if (!VisitTskFile(std::move(f), name, prefix, depth, w)) return;
    }
    const TSK_FS_TYPE_ENUM type = w.fs->ftype;
    // An ext4 directory kept inline in its inode stores its parent's number, no "." entry.
    const bool inline_dir =
        dir->fs_file && dir->fs_file->meta &&
        dir->fs_file->meta->content_type == TSK_FS_META_CONTENT_TYPE_EXT4_INLINE;
    if (!dot && !inline_dir &&
        (TSK_FS_TYPE_ISEXT(type) || TSK_FS_TYPE_ISFFS(type) ||
         ((type == TSK_FS_TYPE_FAT12 || type == TSK_FS_TYPE_FAT16 ||
           type == TSK_FS_TYPE_FAT32) &&  // exFAT's directories hold no "."
          !prefix.empty())))
      if (w.dotless++ == 0) w.first_dotless = prefix.empty() ? "/" : prefix;
  }

  // The ext4 reader of this walk's volume, opened on first use; null when it is not ext4.
  Ext4Volume* Ext4Of(TskWalk& w) {
    if (!TSK_FS_TYPE_ISEXT(w.fs->ftype) || w.ext4_failed) return nullptr;
    if (w.ext4) return w.ext4.get();
    auto ext4 = std::make_unique<Ext4Volume>();
    std::string error;
    if (!ext4->Open(WholeReader(w.fs->img_info, w.fs->offset), w.volume_bytes, &error)) {
      w.ext4_failed = true;
      return nullptr;
    }
    w.ext4 = std::move(ext4);
    return w.ext4.get();
  }

  // A directory TSK cannot open, read through its extent tree (TSK 4.11 fails on a tree of two
  // or more leaf blocks: a directory of some thousands of files). False, with the reason, when
  // that cannot be done either.
  bool WalkExt4Dir(TSK_INUM_T inum, const std::string& prefix, int depth, TskWalk& w,
                   std::string* why) {
    Ext4Volume* ext4 = Ext4Of(w);
    if (!ext4) return false;
    Ext4Inode inode;
    std::vector<Ext4DirEntry> entries;
    std::string error;
    if (!ext4->LoadInode(inum, &inode, &error) || !ext4->ReadDir(inode, &entries, &error)) {
      if (Abandon(w)) return true;
      *why += "; read as ext4: " + error;
      return false;
    }
    for (const Ext4DirEntry& e : entries) {
      if (scan_.stopped() || Done() || Abandon(w)) return true;
      if (!TskMayOpen(w, e.inode, prefix.empty() ? e.name : prefix + "/" + e.name)) continue;
      FilePtr f(tsk_fs_file_open_meta(w.fs, nullptr, static_cast<TSK_INUM_T>(e.inode)));
      if (!f || !f->meta) {
        tsk_error_reset();
        Chain at = w.vol->FileChain(prefix.empty() ? e.name : prefix + "/" + e.name);
        scan_.Note(Notice::Level::kWarning, "disk-error", at,
                   Location{at}.Render() + ": cannot read its inode " + std::to_string(e.inode));
        continue;
      }
      if (!VisitTskFile(std::move(f), e.name, prefix, depth, w)) return true;
    }
    return true;
  }

  // One named file of a TSK walk: read, followed or counted. False when the walk must stop.
  bool VisitTskFile(FilePtr f, const std::string& name, const std::string& prefix, int depth,
                    TskWalk& w) {
    if (name.empty() || name == "." || name == "..") return true;
    std::string path = prefix.empty() ? name : prefix + "/" + name;
    if (++w.entries > scan_.limits().max_entries) {
      scan_.Note(Notice::Level::kWarning, "limit-entries", w.vol->WithVolume(),
                 Location{w.vol->WithVolume()}.Render() + ": more than " +
                     Counted(scan_.limits().max_entries, "file", "files") +
                     "; the rest were not read (--max-entries)");
      w.abandoned = true;
      return false;
    }
    scan_.AddEntry();
    switch (f->meta->type) {
      case TSK_FS_META_TYPE_REG: {
        if (!SizeIsSane(f.get(), path, false, w)) break;
        TSK_FS_FILE* file = f.get();
        if (ReadExt4FromImage(file, path, w) || ReadExt4File(file, path, w)) break;
        VolumeFileSource src(block_, static_cast<uint64_t>(f->meta->size),
                             [file](uint64_t pos, char* buf, size_t want, std::string* error) {
                               ssize_t n = tsk_fs_file_read(file, static_cast<TSK_OFF_T>(pos), buf,
                                                            want, TSK_FS_FILE_READ_FLAG_NONE);
                               if (n < 0) *error = TskError();
                               return n;
                             });
        ReadFile(src, w.vol->FileChain(path), path, *w.vol);
        break;
      }
      case TSK_FS_META_TYPE_LNK:
        if (f->meta->link)
          w.links[path] = f->meta->link;  // fast and slow symlinks alike
        else if (std::string target = LinkTargetOf(f.get()); !target.empty())
          w.links[path] = target;
        scan_.sink().CountSkipped("symlink");
        break;
      case TSK_FS_META_TYPE_DIR: {
        TSK_INUM_T child = f->meta->addr;
        if (!SizeIsSane(f.get(), path, true, w) || !w.path.insert(child).second) break;
        f.reset();  // one open file per level is enough
        WalkTskDir(child, path, depth + 1, w);
        w.path.erase(child);
        break;
      }
      case TSK_FS_META_TYPE_VIRT_DIR:  // TSK's $OrphanFiles: deleted files, not the system's
        break;
      case TSK_FS_META_TYPE_UNDEF:  // no device, pipe or socket: a damaged inode
        CountUntyped(w, path);
        break;
      default:
        scan_.sink().CountSkipped("special-file");
        break;
    }
    return true;
  }

  // An ext4 file of a raw image, its extent tree mapped here and its extents read by pread from
  // the image file (ExtentFileSource): no run list built by TSK, no copy through its cache, and
  // a text file read by a worker. False when it is no such file or its tree cannot be mapped.
  bool ReadExt4FromImage(TSK_FS_FILE* file, const std::string& path, TskWalk& w) {
    if (file->meta->content_type != TSK_FS_META_CONTENT_TYPE_EXT4_EXTENTS) return false;
    uint64_t image_at = 0;
    const std::shared_ptr<const Fd>* image = RawFileOf(w.fs->img_info, &image_at);
    Ext4Volume* ext4 = image ? Ext4Of(w) : nullptr;
    Ext4Inode inode;
    std::string error;
    if (!ext4 || !ext4->LoadInode(file->meta->addr, &inode, &error) ||
        inode.size != static_cast<uint64_t>(file->meta->size))
      return false;
    const uint64_t block = ext4->block_size();
    image_at += static_cast<uint64_t>(w.fs->offset);
    std::vector<FileExtent> extents;
    uint64_t pos = 0;
    for (const Ext4Extent& e : inode.extents) {
      const uint64_t start = e.logical * block;
      if (start >= inode.size) break;
      AddExtent(&extents, 0, start - pos, true);  // a hole before it
      const uint64_t length = std::min(e.count * block, inode.size - start);
      AddExtent(&extents, image_at + e.physical * block, length, e.zero);
      pos = start + length;
    }
    AddExtent(&extents, 0, inode.size - pos, true);
    ExtentFileSource src(block_, *image, std::move(extents), inode.size);
    ReadFile(src, w.vol->FileChain(path), path, *w.vol);
    return true;
  }

  // An ext4 file whose extent tree TSK cannot map, read through the tree itself; false when
  // TSK can read it (or it is no such file).
  bool ReadExt4File(TSK_FS_FILE* file, const std::string& path, TskWalk& w) {
    if (file->meta->content_type != TSK_FS_META_CONTENT_TYPE_EXT4_EXTENTS) return false;
    if (tsk_fs_file_attr_get(file)) return false;
    tsk_error_reset();
    Ext4Volume* ext4 = Ext4Of(w);
    auto inode = std::make_shared<Ext4Inode>();
    std::string error;
    if (!ext4 || !ext4->LoadInode(file->meta->addr, inode.get(), &error)) {
      Chain at = w.vol->FileChain(path);
      if (!Abandon(w))
        scan_.Note(Notice::Level::kWarning, "disk-error", at,
                   Location{at}.Render() + ": cannot map the file's extents" +
                       (error.empty() ? std::string() : ": " + error) + "; not read");
      return true;
    }
    VolumeFileSource src(block_, inode->size,
                         [ext4, inode](uint64_t pos, char* buf, size_t want, std::string* why) {
                           return ext4->Read(*inode, pos, buf, want, why);
                         });
    ReadFile(src, w.vol->FileChain(path), path, *w.vol);
    return true;
  }

  // False, with a notice, when TSK must not walk this NTFS volume (NtfsMftProblem).
  bool NtfsMftIsSane(TskWalk& w) {
    std::string problem = NtfsMftProblem(w);
    if (problem.empty()) return !Abandon(w);
    scan_.Note(Notice::Level::kWarning, "corrupt-file-system", w.vol->WithVolume(),
               Location{w.vol->WithVolume()}.Render() + ": an NTFS file system whose " + problem +
                   " (a corrupt MFT record, which the Sleuth Kit would load whole); nothing "
                   "scanned");
    return false;
  }

  void ScanTsk(TSK_FS_INFO* fs, TSK_IMG_INFO* img, TSK_OFF_T len, const VolumeName& vol) {
    TskWalk w;
    w.fs = fs;
    w.vol = &vol;
    w.meter = MeterOf(img);
    w.volume_bytes = static_cast<uint64_t>(len);
    w.max_dir_bytes = MaxDirBytes(w.volume_bytes, fs->block_size);
    if (!TskMayOpen(w, fs->root_inum, "") || !NtfsMftIsSane(w)) return;
    FilePtr root(tsk_fs_file_open_meta(fs, nullptr, fs->root_inum));
    if (!root || !root->meta) {
      scan_.Note(Notice::Level::kWarning, "corrupt-file-system", vol.WithVolume(),
                 Location{vol.WithVolume()}.Render() +
                     ": cannot read the root directory's inode: " + TskError() +
                     "; nothing scanned");
      return;
    }
    // A root inode that is no directory (a zeroed or overwritten inode table, group descriptors
    // pointing elsewhere) would be walked as an empty volume, and every file lost unsaid.
    if (root->meta->type != TSK_FS_META_TYPE_DIR) {
      scan_.Note(Notice::Level::kWarning, "corrupt-file-system", vol.WithVolume(),
                 Location{vol.WithVolume()}.Render() + ": its root directory's inode (" +
                     std::to_string(fs->root_inum) + ") is not a directory (" +
                     (root->meta->type == TSK_FS_META_TYPE_UNDEF
                          ? std::string("no type: zeroed or never written")
                          : "type " + std::to_string(static_cast<int>(root->meta->type))) +
                     "); nothing scanned");
      return;
    }
    if (!SizeIsSane(root.get(), "", true, w)) return;
    root.reset();
    w.path.insert(fs->root_inum);
    WalkTskDir(fs->root_inum, "", 0, w);
    AliasLinks(w.links, vol);
    const std::string where = Location{vol.WithVolume()}.Render();
    if (w.untyped)
      scan_.Note(Notice::Level::kWarning, "corrupt-file-system", vol.WithVolume(),
                 where + ": " +
                     Counted(w.untyped, "directory entry names", "directory entries name") +
                     " an inode of no file type, or one that cannot be read (zeroed or "
                     "garbage: a damaged file system), the first " +
                     w.first_untyped + "; not read");
    // A root of no names at all would pass for an empty volume.
    if (w.dotless)
      scan_.Note(Notice::Level::kWarning, "corrupt-file-system", vol.WithVolume(),
                 where + ": " + Counted(w.dotless, "directory lists", "directories list") +
                     " no \".\" entry, as every directory of this file system does (its data "
                     "zeroed, lost, or not a directory's: a damaged file system), the first " +
                     w.first_dotless + "; nothing in " + (w.dotless == 1 ? "it" : "them") +
                     " was scanned");
  }

  // ---- XFS
  void ScanXfs(TSK_IMG_INFO* img, TSK_OFF_T off, TSK_OFF_T len, const VolumeName& vol) {
    Chain self = vol.WithVolume();
    std::string where = Location{self}.Render();
    BfioHandlePtr bfio = MakeBfio(img, off, len);
    libfsxfs_volume_t* raw = nullptr;
    libfsxfs_error_t* err = nullptr;
    if (!bfio || libfsxfs_volume_initialize(&raw, &err) != 1) {
      scan_.Note(Notice::Level::kWarning, "disk-error", self,
                 where + ": cannot set up the XFS reader");
      if (err) libfsxfs_error_free(&err);
      return;
    }
    XfsVolumePtr volume(raw);
    if (libfsxfs_volume_open_file_io_handle(volume.get(), bfio.get(), LIBFSXFS_OPEN_READ, &err) !=
        1) {
      scan_.Note(Notice::Level::kWarning, "disk-error", self,
                 where + ": cannot read the XFS file system: " + FsxfsError(err));
      return;
    }
    libfsxfs_file_entry_t* root = nullptr;
    if (libfsxfs_volume_get_root_directory(volume.get(), &root, &err) != 1) {
      scan_.Note(Notice::Level::kWarning, "disk-error", self,
                 where + ": cannot read the XFS root directory: " + FsxfsError(err));
      return;
    }
    XfsEntryPtr root_ptr(root);
    VolumeName v = vol;
    v.properties.emplace_back("filesystem", "xfs");
    XfsWalk w;
    w.vol = &v;
    uint64_t image_at = 0;
    if (const std::shared_ptr<const Fd>* image = RawFileOf(img, &image_at)) {
      w.image = *image;
      w.volume_at = image_at + static_cast<uint64_t>(off);
      const int fd = w.image->get();
      const uint64_t base = w.volume_at;
      w.read = [fd, base](uint64_t at, char* buf, size_t n) {
        int error_number = 0;
        return PreadFull(fd, base + at, buf, n, &error_number) == n;
      };
    } else {  // a VMDK, a VHD, a logical volume: through TSK's image
      w.read = WholeReader(img, off);
    }
    std::string why;
    w.mapper = std::make_unique<XfsVolume>();
    if (!w.mapper->Open(w.read, static_cast<uint64_t>(len), &why))
      w.mapper.reset();  // libfsxfs reads it all
    else if (w.mapper->CheckLog(&why) == XfsVolume::LogState::kDirty)
      scan_.Note(Notice::Level::kWarning, "disk-error", self,
                 where + ": the XFS file system was not unmounted cleanly (" + why +
                     ") and its log is not replayed here: a file changed in its last moments "
                     "may be read in its older state");
    w.volume = volume.get();
    if (!w.mapper || !WalkXfsOwn(w.mapper->root_inode(), "", 0, w))
      WalkXfs(root_ptr.get(), "", 0, w);
    AliasLinks(w.links, v);
  }

  struct XfsWalk {
    const VolumeName* vol = nullptr;
    // The raw image file and where the volume starts in it, when its files' extents can be
    // mapped (XfsVolume) and read from there by pread.
    std::shared_ptr<const Fd> image;
    uint64_t volume_at = 0;
    std::unique_ptr<XfsVolume> mapper;
    XfsVolume::ReadFn read;               // the volume's bytes, for `mapper`
    libfsxfs_volume_t* volume = nullptr;  // for what XfsVolume does not read
    uint64_t entries = 0;
    std::set<uint64_t> seen;  // directory inodes on the current path: a loop guard
    std::map<std::string, std::string> links;
  };

  // False, with a notice, past --max-entries; else counts one entry.
  bool CountXfsEntry(XfsWalk& w) {
    if (++w.entries > scan_.limits().max_entries) {
      scan_.Note(Notice::Level::kWarning, "limit-entries", w.vol->WithVolume(),
                 Location{w.vol->WithVolume()}.Render() + ": more than " +
                     Counted(scan_.limits().max_entries, "file", "files") +
                     "; the rest were not read (--max-entries)");
      return false;
    }
    scan_.AddEntry();
    return true;
  }

  // A regular file whose extents XfsVolume maps, read by pread from a raw image (else through
  // the volume's reader); false when it cannot be mapped.
  bool ReadXfsExtents(uint64_t inum, uint64_t size, const std::string& path, XfsWalk& w) {
    std::vector<FileExtent> extents;
    std::string why;
    if (!w.mapper || !w.mapper->MapFile(inum, size, &extents, &why)) return false;
    if (w.image) {
      for (FileExtent& e : extents)
        if (!e.zero) e.offset += w.volume_at;
      ExtentFileSource src(block_, w.image, std::move(extents), size);
      ReadFile(src, w.vol->FileChain(path), path, *w.vol);
      return true;
    }
    VolumeFileSource src(
        block_, size,
        [&extents, &w](uint64_t pos, char* buf, size_t want, std::string* error) -> ssize_t {
          uint64_t start = 0;
          for (const FileExtent& e : extents) {
            if (pos < start + e.length) {
              const size_t n =
                  static_cast<size_t>(std::min<uint64_t>(want, start + e.length - pos));
              if (e.zero)
                std::memset(buf, 0, n);
              else if (!w.read(e.offset + (pos - start), buf, n))
                return *error = "cannot read the image", -1;
              return static_cast<ssize_t>(n);
            }
            start += e.length;
          }
          return 0;
        });
    ReadFile(src, w.vol->FileChain(path), path, *w.vol);
    return true;
  }

  // The libfsxfs entry of inode `inum`, for what XfsVolume does not read; null with a notice.
  XfsEntryPtr XfsEntryOf(uint64_t inum, const std::string& path, XfsWalk& w) {
    libfsxfs_file_entry_t* raw = nullptr;
    libfsxfs_error_t* err = nullptr;
    if (libfsxfs_volume_get_file_entry_by_inode(w.volume, inum, &raw, &err) == 1)
      return XfsEntryPtr(raw);
    Chain at = path.empty() ? w.vol->WithVolume() : w.vol->FileChain(path);
    scan_.Note(Notice::Level::kWarning, "disk-error", at,
               Location{at}.Render() + ": cannot read inode " + std::to_string(inum) + ": " +
                   FsxfsError(err));
    return nullptr;
  }

  // An XFS directory whose entries XfsVolume reads (kept in the inode or in blocks of a plain
  // extent list), and so on down: no libfsxfs lookups, whose inode cache cost most of the walk.
  // False when it cannot read this one, which libfsxfs then walks.
  bool WalkXfsOwn(uint64_t dir, const std::string& prefix, int depth, XfsWalk& w) {
    std::vector<XfsDirEntry> entries;
    std::string why;
    if (depth > kMaxDirDepth) return true;
    if (!w.mapper->ReadDir(dir, &entries, &why)) return false;
    for (const XfsDirEntry& e : entries) {
      if (scan_.stopped() || Done()) return true;
      std::string path = prefix.empty() ? e.name : prefix + "/" + e.name;
      XfsInodeInfo info;
      if (!w.mapper->Stat(e.inode, &info, &why)) {
        if (XfsEntryPtr entry = XfsEntryOf(e.inode, path, w))
          if (!VisitXfsEntry(entry.get(), e.name, prefix, depth, w)) return true;
        continue;
      }
      if (!CountXfsEntry(w)) return true;
      if (S_ISDIR(info.mode)) {
        if (!w.seen.insert(e.inode).second) continue;
        if (!WalkXfsOwn(e.inode, path, depth + 1, w))
          if (XfsEntryPtr entry = XfsEntryOf(e.inode, path, w))
            WalkXfs(entry.get(), path, depth + 1, w);
        w.seen.erase(e.inode);
      } else if (S_ISREG(info.mode)) {
        if (ReadXfsExtents(e.inode, info.size, path, w)) continue;
        if (XfsEntryPtr entry = XfsEntryOf(e.inode, path, w)) ReadXfsFile(entry.get(), path, w);
      } else if (S_ISLNK(info.mode)) {
        std::string target;
        if (w.mapper->ReadLink(e.inode, &target, &why)) {
          w.links[path] = std::move(target);
        } else if (XfsEntryPtr entry = XfsEntryOf(e.inode, path, w)) {
          if (std::string t = XfsLinkTarget(entry.get()); !t.empty()) w.links[path] = std::move(t);
        }
        scan_.sink().CountSkipped("symlink");
      } else {
        scan_.sink().CountSkipped("special-file");
      }
    }
    return true;
  }

  void ReadXfsFile(libfsxfs_file_entry_t* raw, const std::string& path, XfsWalk& w) {
    size64_t size = 0;
    libfsxfs_file_entry_get_size(raw, &size, nullptr);
    VolumeFileSource src(block_, size,
                         [raw](uint64_t pos, char* buf, size_t want, std::string* error) {
                           libfsxfs_error_t* err = nullptr;
                           ssize_t n = libfsxfs_file_entry_read_buffer_at_offset(
                               raw, buf, want, static_cast<off64_t>(pos), &err);
                           if (n < 0) *error = FsxfsError(err);
                           return n;
                         });
    ReadFile(src, w.vol->FileChain(path), path, *w.vol);
  }

  static std::string XfsLinkTarget(libfsxfs_file_entry_t* raw) {
    size_t n = 0;
    if (libfsxfs_file_entry_get_utf8_symbolic_link_target_size(raw, &n, nullptr) != 1 || n <= 1)
      return {};
    std::string target(n, '\0');
    if (libfsxfs_file_entry_get_utf8_symbolic_link_target(
            raw, reinterpret_cast<uint8_t*>(target.data()), n, nullptr) != 1)
      return {};
    target.resize(n - 1);
    return target;
  }

  void WalkXfs(libfsxfs_file_entry_t* dir, const std::string& prefix, int depth, XfsWalk& w) {
    libfsxfs_error_t* err = nullptr;
    int count = 0;
    if (depth > kMaxDirDepth) return;
    if (libfsxfs_file_entry_get_number_of_sub_file_entries(dir, &count, &err) != 1) {
      Chain at = prefix.empty() ? w.vol->WithVolume() : w.vol->FileChain(prefix);
      scan_.Note(Notice::Level::kWarning, "disk-error", at,
                 Location{at}.Render() + ": cannot list " +
                     (prefix.empty() ? std::string("the root directory") : "this directory") +
                     ": " + FsxfsError(err));
      return;
    }
    for (int i = 0; i < count && !scan_.stopped() && !Done(); ++i) {
      libfsxfs_file_entry_t* raw = nullptr;
      if (libfsxfs_file_entry_get_sub_file_entry_by_index(dir, i, &raw, &err) != 1) {
        scan_.Note(Notice::Level::kWarning, "disk-error", w.vol->FileChain(prefix),
                   Location{w.vol->FileChain(prefix)}.Render() +
                       ": cannot read a directory entry: " + FsxfsError(err));
        continue;
      }
      XfsEntryPtr entry(raw);
      size_t name_size = 0;
      std::string name;
      if (libfsxfs_file_entry_get_utf8_name_size(raw, &name_size, nullptr) == 1 && name_size > 1) {
        name.resize(name_size);
        libfsxfs_file_entry_get_utf8_name(raw, reinterpret_cast<uint8_t*>(name.data()), name_size,
                                          nullptr);
        name.resize(name_size - 1);
      }
      if (!VisitXfsEntry(raw, name, prefix, depth, w)) return;
    }
  }

  // One entry of a directory libfsxfs reads. False when the walk must stop.
  bool VisitXfsEntry(libfsxfs_file_entry_t* raw, const std::string& name, const std::string& prefix,
                     int depth, XfsWalk& w) {
    if (name.empty() || name == "." || name == "..") return true;
    std::string path = prefix.empty() ? name : prefix + "/" + name;
    uint16_t mode = 0;
    libfsxfs_file_entry_get_file_mode(raw, &mode, nullptr);
    if (!CountXfsEntry(w)) return false;
    if (S_ISDIR(mode)) {
      uint64_t inode = 0;
      libfsxfs_file_entry_get_inode_number(raw, &inode, nullptr);
      if (!w.seen.insert(inode).second) return true;
      WalkXfs(raw, path, depth + 1, w);
      w.seen.erase(inode);
    } else if (S_ISREG(mode)) {
      size64_t size = 0;
      libfsxfs_file_entry_get_size(raw, &size, nullptr);
      uint64_t inum = 0;
      if (libfsxfs_file_entry_get_inode_number(raw, &inum, nullptr) == 1 &&
          ReadXfsExtents(inum, size, path, w))
        return true;
      ReadXfsFile(raw, path, w);
    } else if (S_ISLNK(mode)) {
      if (std::string target = XfsLinkTarget(raw); !target.empty()) w.links[path] = target;
      scan_.sink().CountSkipped("symlink");
    } else {
      scan_.sink().CountSkipped("special-file");
    }
    return true;
  }

  // ---- LVM
  void ScanLvm(TSK_IMG_INFO* img, TSK_OFF_T off, TSK_OFF_T len, const VolumeName& vol) {
    Chain self = vol.WithVolume();
    std::string where = Location{self}.Render();
    libvslvm_error_t* err = nullptr;
    libvslvm_handle_t* raw = nullptr;
    BfioHandlePtr meta = MakeBfio(img, off, len);
    if (!meta || libvslvm_handle_initialize(&raw, &err) != 1) {
      if (err) libvslvm_error_free(&err);
      scan_.Note(Notice::Level::kWarning, "disk-error", self,
                 where + ": cannot set up the LVM reader");
      return;
    }
    // The pool owns its handle; libvslvm reads the physical volume's extents through it.
    libbfio_pool_t* pool_raw = nullptr;
    if (libbfio_pool_initialize(&pool_raw, 0, 0, nullptr) != 1) return;
    BfioPoolPtr pool(pool_raw);
    LvmHandlePtr handle(raw);
    BfioHandlePtr data = MakeBfio(img, off, len);
    int entry = 0;
    if (!data || libbfio_pool_append_handle(pool.get(), &entry, data.get(), LIBBFIO_OPEN_READ,
                                            nullptr) != 1) {
      scan_.Note(Notice::Level::kWarning, "disk-error", self,
                 where + ": cannot set up the LVM reader");
      return;
    }
    data.release();
    if (libvslvm_handle_open_file_io_handle(handle.get(), meta.get(), LIBVSLVM_OPEN_READ, &err) !=
            1 ||
        libvslvm_handle_open_physical_volume_files_file_io_pool(handle.get(), pool.get(), &err) !=
            1) {
      scan_.Note(Notice::Level::kWarning, "disk-error", self,
                 where + ": cannot read the LVM metadata: " + LvmError(err));
      return;
    }
    libvslvm_volume_group_t* group_raw = nullptr;
    if (libvslvm_handle_get_volume_group(handle.get(), &group_raw, &err) != 1) {
      scan_.Note(Notice::Level::kWarning, "disk-error", self,
                 where + ": no LVM volume group: " + (err ? LvmError(err) : std::string("none")));
      return;
    }
    LvmGroupPtr group(group_raw);
    std::string vg_name =
        LvmName(group.get(), libvslvm_volume_group_get_name_size, libvslvm_volume_group_get_name);
    int pvs = 0, lvs = 0;
    libvslvm_volume_group_get_number_of_physical_volumes(group.get(), &pvs, nullptr);
    if (pvs > 1)
      scan_.Note(Notice::Level::kWarning, "lvm-partial", self,
                 where + ": volume group " + vg_name + " spans " + std::to_string(pvs) +
                     " physical volumes; only extents on this one can be read");
    libvslvm_volume_group_get_number_of_logical_volumes(group.get(), &lvs, nullptr);
    for (int i = 0; i < lvs && !scan_.stopped(); ++i) {
      libvslvm_logical_volume_t* lv_raw = nullptr;
      if (libvslvm_volume_group_get_logical_volume(group.get(), i, &lv_raw, &err) != 1) {
        scan_.Note(
            Notice::Level::kWarning, "disk-error", self,
            where + ": cannot read logical volume " + std::to_string(i) + ": " + LvmError(err));
        continue;
      }
      LvmVolumePtr lv(lv_raw);
      std::string lv_name = LvmName(lv.get(), libvslvm_logical_volume_get_name_size,
                                    libvslvm_logical_volume_get_name);
      size64_t size = 0;
      libvslvm_logical_volume_get_size(lv.get(), &size, nullptr);
      auto ext = std::make_unique<ExternalImage>();
      libvslvm_logical_volume_t* lvp = lv.get();
      ext->read = [lvp](TSK_OFF_T o, char* buf, size_t n) -> ssize_t {
        return libvslvm_logical_volume_read_buffer_at_offset(lvp, buf, n, o, nullptr);
      };
      ImgPtr lv_img = OpenExternal(std::move(ext), static_cast<TSK_OFF_T>(size));
      if (!lv_img) continue;
      VolumeName lv_vol{self, "lvm/" + vg_name + "/" + lv_name, vol.properties};
      lv_vol.properties.emplace_back("lvm", vg_name + "/" + lv_name);
      ScanVolume(lv_img.get(), 0, static_cast<TSK_OFF_T>(size), lv_vol);
    }
  }

  template <typename T, typename SizeFn, typename NameFn>
  static std::string LvmName(T* obj, SizeFn size_fn, NameFn name_fn) {
    size_t n = 0;
    if (size_fn(obj, &n, nullptr) != 1 || n <= 1) return "unnamed";
    std::string s(n, '\0');
    if (name_fn(obj, s.data(), n, nullptr) != 1) return "unnamed";
    s.resize(n - 1);
    for (char& c : s)
      if (c == '/' || c == '!') c = '_';
    return s;
  }

  // ---- shared

  // A walk again for linkage (WalkOptions::only) ends with the last member it wants.
  bool Done() const {
    const MemberFilter* only = scan_.options().only;
    return only && only->Done();
  }

  void ReadFile(ByteSource& raw, const Chain& chain, const std::string& path,
                const VolumeName& vol) {
    if (const MemberFilter* only = scan_.options().only; only && !only->Wants(chain)) return;
    LimitedSource src(raw, scan_, chain);
    auto saved = std::exchange(scan_.properties(), vol.properties);
    const bool cheap = scan_.cheap_to_rewalk();
    scan_.set_cheap_to_rewalk(from_file_);
    ScanContent(scan_, src, chain, path, depth_, nullptr, nullptr);
    scan_.set_cheap_to_rewalk(cheap);
    scan_.properties() = std::move(saved);
    if (src.entry_limit())
      scan_.Note(Notice::Level::kWarning, "limit-entry-size", chain,
                 Location{chain}.Render() + ": only the first " +
                     HumanBytes(scan_.limits().max_entry_bytes) +
                     " of this file were read (--max-entry-size)");
  }

  // Symbolic links that resolve, inside this file system, to a file: that file's findings are
  // reported under the link's name too. Directory links are not followed.
  void AliasLinks(const std::map<std::string, std::string>& links, const VolumeName& vol) {
    for (const auto& [link, target] : links) {
      std::string resolved = FollowLinks(links, link);
      if (!resolved.empty() && resolved != link)
        scan_.amendment().aliases.push_back(
            {vol.FileChain(resolved), vol.FileChain(link), "symlink"});
    }
  }

  InputScan& scan_;
  int depth_;
  bool from_file_;
  std::string block_;  // the files' read buffer (VolumeFileSource), one file at a time
};

// A VMDK's embedded descriptor may name other files (flat or split extents, a parent disk):
// those are not opened, so that nothing outside the operand is ever read.
// `extent`: the one file its descriptor names for its data (libvmdk opens it beside `path`).
bool VmdkIsSelfContained(const std::string& path, std::string* extent, std::string* why) {
  Fd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (fd.get() < 0) {
    *why = std::strerror(errno);
    return false;
  }
  char header[512];
  ssize_t n = pread(fd.get(), header, sizeof header, 0);
  std::string desc;
  if (n == 512) {
    const std::string_view h(header, sizeof header);
    uint64_t desc_off = Le(h, 28, 8), desc_size = Le(h, 36, 8);
    if (desc_size > 0 && desc_size <= 2048) {
      desc.resize(desc_size * 512);
      ssize_t m = pread(fd.get(), desc.data(), desc.size(), static_cast<off_t>(desc_off * 512));
      desc.resize(m > 0 ? static_cast<size_t>(m) : 0);
    }
  }
  auto value = [&](const char* key) -> std::string {
    size_t p = desc.find(key);
    if (p == std::string::npos) return "";
    size_t q = desc.find('"', p), r = q == std::string::npos ? q : desc.find('"', q + 1);
    return r == std::string::npos ? "" : desc.substr(q + 1, r - q - 1);
  };
  std::string type = value("createType");
  if (type.empty()) {
    *why = "no readable embedded descriptor";
    return false;
  }
  if (type != "monolithicSparse" && type != "streamOptimized") {
    *why = "its descriptor says createType=\"" + type +
           "\"; only self-contained VMDKs (monolithicSparse, streamOptimized) are read, never "
           "other files they name";
    return false;
  }
  if (desc.find("parentFileNameHint") != std::string::npos) {
    *why = "it is a differencing disk that names a parent file; only self-contained VMDKs are read";
    return false;
  }
  // The extent lines (RW 16384 SPARSE "disk.vmdk"): a self-contained VMDK names one, itself,
  // under the name it was made with.
  std::vector<std::string> extents;
  for (size_t at = 0; at < desc.size();) {
    size_t end = std::min(desc.find('\n', at), desc.size());
    std::string_view line = std::string_view(desc).substr(at, end - at);
    at = end + 1;
    if (line.starts_with("RW ") || line.starts_with("RDONLY ") || line.starts_with("NOACCESS ")) {
      size_t q = line.find('"'), r = q == line.npos ? q : line.find('"', q + 1);
      extents.emplace_back(r == line.npos ? "" : line.substr(q + 1, r - q - 1));
    }
  }
  if (extents.size() != 1 || extents[0].empty() || extents[0] == "." || extents[0] == ".." ||
      extents[0].find('/') != std::string::npos) {
    std::string named;
    for (const std::string& e : extents) named += (named.empty() ? "\"" : ", \"") + e + "\"";
    *why = "its descriptor names " +
           (named.empty() ? "no extent file" : "the extent files " + named) +
           "; only a VMDK whose data is in itself is read, never other files";
    return false;
  }
  *extent = extents[0];
  return true;
}

// Why a sparse VMDK (monolithicSparse or streamOptimized) was cut short, or "" when every grain
// table and grain its grain directory names lies inside the file. libvmdk reads a grain past the
// end as zeros (or fails on every read when the footer is gone), so a cut copy read quietly.
// `nothing_readable`: the grain directory itself is gone.
std::string VmdkTruncation(const std::string& path, bool* nothing_readable) {
  *nothing_readable = false;
  Fd file(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  const int fd = file.get();
  struct stat st;
  if (fd < 0 || fstat(fd, &st) != 0) return "";
  const uint64_t file_bytes = static_cast<uint64_t>(st.st_size);
  auto read_at = [&](uint64_t off, std::string& buf) {
    return off <= file_bytes && buf.size() <= file_bytes - off &&
           pread(fd, buf.data(), buf.size(), static_cast<off_t>(off)) ==
               static_cast<ssize_t>(buf.size());
  };
  std::string header(512, '\0');
  if (!read_at(0, header) || header.compare(0, 4, "KDMV") != 0) return "";
  const std::string ends = "the file ends at byte " + std::to_string(file_bytes);
  uint64_t gd = Le(header, 56, 8);
  const bool compressed = Le(header, 77, 2) != 0;
  if (gd == UINT64_MAX) {  // streamOptimized: the footer near the end locates the directory
    std::string footer(512, '\0');
    if (file_bytes < 1536 || !read_at(file_bytes - 1024, footer) ||
        footer.compare(0, 4, "KDMV") != 0) {
      *nothing_readable = true;
      return "its footer, which locates the grain directory, is missing (" + ends + ")";
    }
    header = footer;
    gd = Le(header, 56, 8);
  }
  const uint64_t capacity = Le(header, 12, 8), grain = Le(header, 20, 8),
                 per_table = Le(header, 44, 4);
  // A grain table holds 512 entries (VMDK 1.1); a corrupt count must not size a buffer.
  if (grain == 0 || per_table == 0 || per_table > (1u << 16) ||
      capacity / grain / per_table > (1u << 22))
    return "";
  uint64_t tables = (capacity / grain + per_table - 1) / per_table;
  std::string dir(static_cast<size_t>(tables * 4), '\0');
  if (gd > file_bytes / 512 || !read_at(gd * 512, dir)) {
    *nothing_readable = true;
    return "its grain directory at byte " + std::to_string(gd * 512) + " is past its end (" + ends +
           ")";
  }
  std::string table(static_cast<size_t>(per_table * 4), '\0'), marker(12, '\0');
  for (uint64_t t = 0; t < tables; ++t) {
    uint64_t at = Le(dir, static_cast<size_t>(t * 4), 4);
    if (at == 0) continue;
    if (!read_at(at * 512, table))
      return "grain table " + std::to_string(t) + " at byte " + std::to_string(at * 512) +
             " is past its end (" + ends + ")";
    for (uint64_t g = 0; g < per_table; ++g) {
      uint64_t sector = Le(table, static_cast<size_t>(g * 4), 4);
      if (sector <= 1) continue;  // 0: never written; 1: a grain of zeros
      uint64_t end = sector * 512 + (compressed ? 12 : grain * 512);
      if (compressed && read_at(sector * 512, marker)) end += Le(marker, 8, 4);
      if (end > file_bytes)
        return "the grain for disk byte " + std::to_string((t * per_table + g) * grain * 512) +
               " ends at byte " + std::to_string(end) + ", past its end (" + ends +
               "); what lies there reads as zeros or not at all";
    }
  }
  return "";
}

// A private directory holding one link to a VMDK under the name its descriptor gives its data:
// libvmdk opens that name beside the file it was given, so through the link a renamed copy
// (export-ami-0abc.vmdk made as disk1.vmdk) reads itself, and never a file of that name beside it.
class ExtentAlias {
 public:
  ExtentAlias() = default;
  ExtentAlias(const ExtentAlias&) = delete;
  ExtentAlias& operator=(const ExtentAlias&) = delete;
  ~ExtentAlias() {
    if (!link_.empty()) unlink(link_.c_str());
    if (!dir_.empty()) rmdir(dir_.c_str());
  }
  bool Make(const std::string& file, const std::string& extent, std::string* error) {
    char* real = realpath(file.c_str(), nullptr);
    if (!real) return *error = std::strerror(errno), false;
    std::string target = real;
    std::free(real);
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp && *tmp ? tmp : "/tmp") + "/ntpsweep-vmdk-XXXXXX";
    if (!mkdtemp(dir.data()))
      return *error = "cannot make a temporary directory: " + std::string(std::strerror(errno)),
             false;
    dir_ = dir;
    std::string link = dir + "/" + extent;
    if (symlink(target.c_str(), link.c_str()) != 0) return *error = std::strerror(errno), false;
    link_ = link;
    return true;
  }
  const std::string& path() const { return link_; }

 private:
  std::string dir_, link_;
};

void ReadDiskFile(InputScan& scan, int fd, const std::string& fs_path, const Chain& chain,
                  const Sniffed& kind, bool operand) {
  (void)fd;  // libtsk opens the image by its path
  Notice::Level failed = operand ? Notice::Level::kError : Notice::Level::kWarning;
  std::string where = Location{chain}.Render();
  ExtentAlias alias;  // outlives img: libvmdk may open the extent again while it is read
  ImgPtr img;
  std::string error;
  if (kind.kind == ContentKind::kDisk) {
    img = OpenRawFile(fs_path, &error);
  } else {
    std::string open_as = fs_path, extent;
    if (kind.kind == ContentKind::kVmdk) {
      if (!VmdkIsSelfContained(fs_path, &extent, &error)) {
        scan.Note(failed, "unsupported-format", chain, where + ": VMDK not opened: " + error);
        return;
      }
      bool nothing_readable = false;
      if (std::string cut = VmdkTruncation(fs_path, &nothing_readable); !cut.empty()) {
        scan.Note(failed, "disk-error", chain,
                  where + ": the VMDK is truncated: " + cut +
                      (nothing_readable ? "; nothing in it can be read"
                                        : "; the part that is there is scanned"));
        if (nothing_readable) return;
      }
      if (extent != fs_path.substr(fs_path.find_last_of('/') + 1)) {
        if (!alias.Make(fs_path, extent, &error)) {
          scan.Note(failed, "disk-error", chain,
                    where + ": cannot open the VMDK under the name its descriptor gives (\"" +
                        extent + "\"): " + error);
          return;
        }
        open_as = alias.path();
      }
    }
    const char* name = open_as.c_str();
    TSK_IMG_TYPE_ENUM type =
        kind.kind == ContentKind::kVmdk ? TSK_IMG_TYPE_VMDK_VMDK : TSK_IMG_TYPE_VHD_VHD;
    // The array form: TSK then opens exactly this one file (no split-segment search).
    img.reset(tsk_img_open_utf8(1, &name, type, 0));
    if (!img)
      error = TskError();
    else if (!(img = WrapImage(std::move(img))))
      error = TskError();
  }
  if (!img) {
    scan.Note(failed, "disk-error", chain,
              where + ": cannot open the " + kind.format + " disk image: " + error);
    return;
  }
  DiskWalker(scan, 1, true).ScanImage(img.get(), chain);
}

void ReadDiskMemory(InputScan& scan, std::string data, const Chain& chain, const std::string& path,
                    int depth, const Sniffed& kind, LayerIndex* layer) {
  (void)path, (void)layer;  // entries are named by the file systems inside; a disk is no layer
  ImgPtr img = OpenMemory(std::move(data));
  if (!img) {
    scan.Note(
        Notice::Level::kWarning, "disk-error", chain,
        Location{chain}.Render() + ": cannot open the " + kind.format + " image: " + TskError());
    return;
  }
  DiskWalker(scan, depth, false).ScanImage(img.get(), chain);
}

constexpr DiskReader kReader = {DiskReaderStamp(NTPSWEEP_VERSION), ReadDiskFile, ReadDiskMemory};

}  // namespace
}  // namespace ntpsweep::input

extern "C" const ntpsweep::input::DiskReader* ntpsweep_disk_reader() {
  return &ntpsweep::input::kReader;
}
