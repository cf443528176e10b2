// What a stream of bytes is, decided from its first bytes only (never from its name): an archive
// or compression format libarchive reads, a disk image, a format we know but do not read, or
// plain content.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/file.h"  // kSniffBytes, LooksBinary

namespace ntpsweep::input {

enum class ContentKind {
  kPlain,       // text or an unknown binary: matched as it is
  kArchive,     // tar, cpio, zip, iso9660, ar (.deb), xar
  kCompressed,  // gzip, bzip2, xz, lzma, zstd, lz4, compress, rpm: a filter over an archive or a
                // file
  kSevenZip,    // 7-Zip: libarchive needs to seek inside it
  kDisk,        // raw disk or volume: MBR/GPT, ext2/3/4, XFS, LVM, FAT/NTFS
  kVmdk,        // VMDK sparse extent (monolithicSparse, streamOptimized)
  kVhd,         // VHD (dynamic: footer copy at the start; fixed: see IsVhdFooter)
  kVhdx,
  kVmdkDescriptor,  // a text VMDK descriptor: read as text, the extent files it names never opened
  kUnsupported,     // known, not readable here: qcow2, LUKS, BitLocker, btrfs, squashfs
};

struct Sniffed {
  ContentKind kind = ContentKind::kPlain;
  std::string format;  // "gzip", "tar", "GPT", "qcow2", ...: for notices and properties
};

// kSniffBytes is enough for every magic except iso9660's (at 32769), which NeedsIsoProbe asks for.
constexpr size_t kIsoProbeBytes = 36864;

// `head` is the first bytes of the content (fewer only when the content is shorter).
Sniffed Sniff(std::string_view head);

// True when `head` (at least kSniffBytes) could be the system area of an ISO 9660 image, so the
// caller should read kIsoProbeBytes and sniff again.
bool NeedsIsoProbe(std::string_view head);

// The last 512 bytes of a file: a fixed VHD keeps its only footer there.
bool IsVhdFooter(std::string_view tail);

// Unsupported formats found at the start of a volume (partition or logical volume), by name:
// "LUKS", "BitLocker", "btrfs", "swap"; empty when none. `head` should hold 68 KiB (btrfs keeps
// its magic at 64 KiB + 64).
std::string UnsupportedVolume(std::string_view head);
constexpr size_t kVolumeProbeBytes = 69632;

// A bare volume whose magic lies past the sniffed head, which the disk reader hands to the Sleuth
// Kit: "UFS1" or "UFS2" (a superblock at 8 or 64 KiB); empty when none. `head` as above.
std::string FarVolume(std::string_view head);

}  // namespace ntpsweep::input
