// Disk images: raw, VMDK (monolithicSparse, streamOptimized), VHD (fixed, dynamic) and VHDX
// through The Sleuth Kit (which reads VMDK and VHD/VHDX with libvmdk and libvhdi); MBR and GPT
// partition tables and unpartitioned volumes; ext2/3/4 (and FAT, NTFS...) through libtsk, XFS
// through libfsxfs, LVM logical volumes through libvslvm. Every file of every volume is read
// with ScanContent, so archives inside disk images are followed too. Read-only throughout.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/module.h"
#include "input/archive_sniff.h"
#include "input/container.h"
#include "input/dispatch.h"
#include "input/stream.h"

namespace ntpsweep::input {

// `fs_path` is a disk image file sniffed as `kind`; `chain` is its location.
// `operand`: it was named on the command line, so not being able to open it is an error.
// Registered in the table in dispatch.cpp, as is ScanDiskMemory. Both hand the image to the
// disk reader, loaded on first use (disk_loader.cpp); when it cannot be loaded the image gets
// a disk-error notice naming the reader's module, as any image that cannot be opened.
void ScanDiskFile(InputScan& scan, int fd, const std::string& fs_path, const Chain& chain,
                  const Sniffed& kind, bool operand);

// A raw disk or volume image held in memory (found inside an archive), at nesting `depth`.
void ScanDiskMemory(InputScan& scan, std::string data, const Chain& chain, const std::string& path,
                    int depth, const Sniffed& kind, LayerIndex* layer);

// The disk reader (disk.cpp, with libtsk, libfsxfs, libvslvm and what they pull in: some 20 ms
// of dynamic loading a scan without disk images would pay). The binary loads it as the module
// kDiskModule; an executable that links disk.cpp (fuzz_disk) uses its own.
struct DiskReader {
  uint64_t stamp;  // DiskReaderStamp() of the build the reader comes from
  FileReaderFn file;
  MemoryReaderFn memory;
};

inline constexpr const char* kDiskModule = "ntpsweep-disk.so";

// The layouts the binary and the module share (core/module.h, ModuleStamp).
constexpr uint64_t DiskReaderStamp(std::string_view version) {
  return ModuleStamp({sizeof(InputScan), sizeof(WalkOptions), sizeof(Limits), sizeof(Entry),
                      sizeof(Sniffed), sizeof(Notice), sizeof(ByteSource)},
                     version);
}

}  // namespace ntpsweep::input

// The module's one entry point (looked up by dlsym, hence unmangled).
extern "C" const ntpsweep::input::DiskReader* ntpsweep_disk_reader();
