// The disk reader is loaded on the first disk image (core/module.h): the binary does not link
// libtsk, libfsxfs, libvslvm and their chain (afflib, libewf, curl, gnutls, krb5, sqlite...),
// whose loading was about half of the start-up every scan paid.
#include <string>

#include "core/module.h"
#include "input/disk.h"

// Defined when this executable links disk.cpp itself (fuzz_disk, the tests); else the module is
// loaded.
extern "C" const ntpsweep::input::DiskReader* ntpsweep_disk_reader() __attribute__((weak));

namespace ntpsweep::input {
namespace {

// Loaded once, by the first thread that meets a disk image.
const LoadedReader<DiskReader>& Reader() {
  static const LoadedReader<DiskReader> loaded = LoadReader<DiskReader>(
      ntpsweep_disk_reader, kDiskModule, "ntpsweep_disk_reader", DiskReaderStamp(NTPSWEEP_VERSION));
  return loaded;
}

void NoReader(InputScan& scan, const Chain& chain, const Sniffed& kind, Notice::Level level) {
  scan.Note(level, "disk-error", chain,
            Location{chain}.Render() + ": cannot open the " + kind.format +
                " disk image: the disk reader is missing: " + Reader().error);
}

}  // namespace

void ScanDiskFile(InputScan& scan, int fd, const std::string& fs_path, const Chain& chain,
                  const Sniffed& kind, bool operand) {
  if (const DiskReader* r = Reader().reader)
    return r->file(scan, fd, fs_path, chain, kind, operand);
  NoReader(scan, chain, kind, operand ? Notice::Level::kError : Notice::Level::kWarning);
}

void ScanDiskMemory(InputScan& scan, std::string data, const Chain& chain, const std::string& path,
                    int depth, const Sniffed& kind, LayerIndex* layer) {
  if (const DiskReader* r = Reader().reader)
    return r->memory(scan, std::move(data), chain, path, depth, kind, layer);
  NoReader(scan, chain, kind, Notice::Level::kWarning);
}

}  // namespace ntpsweep::input
