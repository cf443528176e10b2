#include "input/archive_sniff.h"

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstring>

#include "input/byte_order.h"

namespace ntpsweep::input {
namespace {

// memcmp, not substr: no bounds check that can throw, so each test inlines (every member's
// head goes through some thirty of them).
bool At(std::string_view s, size_t off, std::string_view magic) {
  return s.size() >= off + magic.size() &&
         std::memcmp(s.data() + off, magic.data(), magic.size()) == 0;
}

// A tar header block without the "ustar" magic (v7): its checksum field must match the sum of
// the block with that field counted as spaces.
bool TarChecksumMatches(std::string_view h) {
  if (h.size() < 512 || h[0] == '\0') return false;
  uint64_t stored = 0;
  bool digits = false;
  for (size_t i = 148; i < 156; ++i) {
    char c = h[i];
    if (c >= '0' && c <= '7') {
      stored = stored * 8 + static_cast<uint64_t>(c - '0');
      digits = true;
    } else if (c == ' ' || c == '\0') {
      if (digits) break;
    } else {
      return false;
    }
  }
  if (!digits) return false;
  uint64_t sum = 0;
  for (size_t i = 0; i < 512; ++i)
    sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(h[i]);
  return sum == stored;
}

// lzma_alone has no magic: a properties byte, a dictionary size that is 2^n or 3*2^(n-1), and
// an uncompressed size that is unknown (all ones) or sane. The same test libarchive bids with.
bool LooksLzmaAlone(std::string_view h) {
  if (h.size() < 13 || static_cast<unsigned char>(h[0]) != 0x5D) return false;
  auto dict = static_cast<uint32_t>(Le(h, 1, 4));
  bool dict_ok = false;
  for (int n = 12; n <= 30 && !dict_ok; ++n)
    dict_ok = dict == (1u << n) || dict == (1u << n) + (1u << (n - 1));
  if (!dict_ok) return false;
  bool unknown = true;
  for (size_t i = 5; i < 13; ++i) unknown = unknown && static_cast<unsigned char>(h[i]) == 0xFF;
  return unknown || static_cast<unsigned char>(h[12]) == 0;
}

// A DOS partition table: the boot signature, four entries with a valid boot flag, and at least
// one non-empty entry.
bool LooksMbr(std::string_view h) {
  if (h.size() < 512 || static_cast<unsigned char>(h[510]) != 0x55 ||
      static_cast<unsigned char>(h[511]) != 0xAA)
    return false;
  bool any = false;
  for (int i = 0; i < 4; ++i) {
    size_t e = 446 + 16 * static_cast<size_t>(i);
    unsigned char flag = static_cast<unsigned char>(h[e]);
    if (flag != 0 && flag != 0x80) return false;
    unsigned char type = static_cast<unsigned char>(h[e + 4]);
    if (type != 0 && Le(h, e + 12, 4) != 0) any = true;
  }
  return any;
}

// A protective MBR (one entry of type 0xEE) stands before a GPT: the disk is GPT even when its
// primary header at LBA 1 is gone (the backup at the end still describes it).
bool ProtectiveMbr(std::string_view h) {
  for (size_t e = 446; e < 510; e += 16)
    if (static_cast<unsigned char>(h[e + 4]) == 0xEE) return true;
  return false;
}

bool LooksExt(std::string_view h) {
  // s_magic at 1024 + 56; s_log_block_size (1024 + 24) is 0..6 for 1 KiB..64 KiB blocks.
  return h.size() >= 1084 && static_cast<unsigned char>(h[1080]) == 0x53 &&
         static_cast<unsigned char>(h[1081]) == 0xEF && Le(h, 1048, 4) <= 6;
}

bool LooksFatOrNtfs(std::string_view h) {
  if (h.size() < 512 || static_cast<unsigned char>(h[510]) != 0x55 ||
      static_cast<unsigned char>(h[511]) != 0xAA)
    return false;
  return At(h, 3, "NTFS    ") || At(h, 3, "EXFAT   ") || At(h, 54, "FAT12") ||
         At(h, 54, "FAT16") || At(h, 82, "FAT32");
}

// VMware writes "# Disk DescriptorFile" as a text descriptor's first line.
bool IsVmdkDescriptor(std::string_view h) {
  size_t p = h.find_first_not_of(" \t\r\n");
  constexpr std::string_view kMark = "# disk descriptorfile";
  if (p == std::string_view::npos || h.size() - p < kMark.size()) return false;
  for (size_t i = 0; i < kMark.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(h[p + i])) != kMark[i]) return false;
  return true;
}

// "BZh" and a level digit; or, the digit damaged, a block or end-of-stream magic after it or a
// NUL in the head (binary): a damaged bzip2 file, named as one like a damaged gzip, not text.
bool LooksBzip2(std::string_view h) {
  if (!At(h, 0, "BZh") || h.size() < 4) return false;
  if (h[3] >= '1' && h[3] <= '9') return true;
  return At(h, 4, "1AY&SY") || At(h, 4, "\x17rE8P\x90") ||
         std::memchr(h.data(), '\0', std::min(h.size(), kSniffBytes)) != nullptr;
}

}  // namespace

bool IsVhdFooter(std::string_view tail) { return At(tail, tail.size() >= 512 ? tail.size() - 512 : 0, "conectix"); }

bool NeedsIsoProbe(std::string_view head) {
  if (head.size() < kSniffBytes) return false;
  // An ISO's first 32 KiB are a system area: zeros, or an isohybrid MBR.
  for (size_t i = 0; i < 512; ++i)
    if (head[i] != '\0') return LooksMbr(head);
  return true;
}

Sniffed Sniff(std::string_view h) {
  using K = ContentKind;
  // Disk containers first: their magics sit at offset 0.
  if (At(h, 0, "QFI\xfb")) return {K::kUnsupported, "qcow2"};
  if (At(h, 0, "KDMV")) return {K::kVmdk, "VMDK"};
  if (IsVmdkDescriptor(h)) return {K::kVmdkDescriptor, "VMDK descriptor"};
  if (At(h, 0, "COWD")) return {K::kUnsupported, "VMDK (ESX 2 COWD sparse)"};
  if (At(h, 0, "vhdxfile")) return {K::kVhdx, "VHDX"};
  if (At(h, 0, "conectix")) return {K::kVhd, "VHD"};
  if (At(h, 0, "LUKS\xba\xbe")) return {K::kUnsupported, "LUKS-encrypted volume"};
  if (At(h, 3, "-FVE-FS-")) return {K::kUnsupported, "BitLocker-encrypted volume"};
  if (At(h, 0, "hsqs") || At(h, 0, "sqsh")) return {K::kUnsupported, "squashfs"};
  // Compression filters (libarchive reads what is inside: an archive or a single file).
  if (At(h, 0, "\x1f\x8b")) return {K::kCompressed, "gzip"};
  if (LooksBzip2(h)) return {K::kCompressed, "bzip2"};
  if (At(h, 0, std::string_view("\xfd" "7zXZ\0", 6))) return {K::kCompressed, "xz"};
  if (At(h, 0, "\x28\xb5\x2f\xfd")) return {K::kCompressed, "zstd"};
  if (At(h, 0, "\x04\x22\x4d\x18")) return {K::kCompressed, "lz4"};
  if (At(h, 0, "\x1f\x9d")) return {K::kCompressed, "compress"};
  if (At(h, 0, "\xed\xab\xee\xdb")) return {K::kCompressed, "rpm"};
  if (LooksLzmaAlone(h)) return {K::kCompressed, "lzma"};
  // Archives.
  if (At(h, 0, "7z\xbc\xaf\x27\x1c")) return {K::kSevenZip, "7zip"};
  if (At(h, 257, "ustar")) return {K::kArchive, "tar"};
  if (At(h, 0, "!<arch>\n")) return {K::kArchive, "ar"};
  if (At(h, 0, "PK\x03\x04") || At(h, 0, "PK\x05\x06") || At(h, 0, "PK\x07\x08"))
    return {K::kArchive, "zip"};
  if (At(h, 0, "xar!")) return {K::kArchive, "xar"};
  if (At(h, 0, "070707") || At(h, 0, "070701") || At(h, 0, "070702") || At(h, 0, "\xc7\x71") ||
      At(h, 0, "\x71\xc7"))
    return {K::kArchive, "cpio"};
  if (At(h, 32769, "CD001")) return {K::kArchive, "iso9660"};
  if (TarChecksumMatches(h)) return {K::kArchive, "tar"};
  // Volumes and partition tables: never text.
  if (!LooksBinary(h)) return {K::kPlain, ""};
  if (At(h, 0, "XFSB")) return {K::kDisk, "XFS"};
  if (At(h, 512, "EFI PART") || At(h, 4096, "EFI PART")) return {K::kDisk, "GPT"};
  if (At(h, 512, "LABELONE") || At(h, 0, "LABELONE") || At(h, 1024, "LABELONE") ||
      At(h, 1536, "LABELONE"))
    return {K::kDisk, "LVM"};
  if (LooksExt(h)) return {K::kDisk, "ext"};
  if (LooksFatOrNtfs(h)) return {K::kDisk, "FAT/NTFS"};
  // A Linux x86 kernel (boot protocol header "HdrS" at 0x202) keeps a legacy boot sector, no disk.
  if (LooksMbr(h) && !At(h, 0x202, "HdrS")) return {K::kDisk, ProtectiveMbr(h) ? "GPT" : "MBR"};
  return {K::kPlain, ""};
}

std::string FarVolume(std::string_view h) {
  // fs_magic, 1372 bytes into the superblock, in either byte order.
  auto magic = [&](size_t sb, uint32_t want) {
    if (h.size() < sb + 1376) return false;
    return Le(h, sb + 1372, 4) == want || Be(h, sb + 1372, 4) == want;
  };
  for (size_t sb : {8192, 65536}) {  // where UFS1 and UFS2 keep it (makefs: both at 8 KiB)
    if (magic(sb, 0x00011954)) return "UFS1";
    if (magic(sb, 0x19540119)) return "UFS2";
  }
  return "";
}

std::string UnsupportedVolume(std::string_view h) {
  if (At(h, 0, "LUKS\xba\xbe")) return "LUKS-encrypted volume";
  if (At(h, 3, "-FVE-FS-")) return "BitLocker-encrypted volume";
  if (At(h, 0x10040, "_BHRfS_M")) return "btrfs file system";
  if (At(h, 0, "hsqs") || At(h, 0, "sqsh")) return "squashfs file system";
  if (At(h, 4086, "SWAPSPACE2") || At(h, 4086, "SWAP-SPACE")) return "swap space";
  return "";
}

}  // namespace ntpsweep::input
