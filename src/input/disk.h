// Disk images: raw, VMDK (monolithicSparse, streamOptimized), VHD (fixed, dynamic) and VHDX
// through The Sleuth Kit (which reads VMDK and VHD/VHDX with libvmdk and libvhdi); MBR and GPT
// partition tables and unpartitioned volumes; ext2/3/4 (and FAT, NTFS...) through libtsk, XFS
// through libfsxfs, LVM logical volumes through libvslvm. Every file of every volume is read
// with ScanContent, so archives inside disk images are followed too. Read-only throughout.
#pragma once

#include <string>

#include "input/archive_sniff.h"
#include "input/container.h"
#include "input/stream.h"

namespace ntpsweep::input {

// `fs_path` is a disk image file sniffed as `kind`; `chain` is its location.
// `operand`: it was named on the command line, so not being able to open it is an error.
// Registered in the table in dispatch.cpp, as is ScanDiskMemory.
void ScanDiskFile(InputScan& scan, int fd, const std::string& fs_path, const Chain& chain,
                  const Sniffed& kind, bool operand);

// A raw disk or volume image held in memory (found inside an archive), at nesting `depth`.
void ScanDiskMemory(InputScan& scan, std::string data, const Chain& chain, const std::string& path,
                    int depth, const Sniffed& kind, LayerIndex* layer);

}  // namespace ntpsweep::input
