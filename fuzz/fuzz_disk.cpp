// libFuzzer target: a disk image operand (input/disk.h through OpenContainerFile): raw disks,
// MBR/GPT, ext*, XFS, FAT, NTFS, exFAT, LVM, VMDK and VHD. The disk reader opens images by path
// (libtsk and libvmdk take a file name), so each input is written to one private temporary file,
// which is removed at exit; nothing else is written.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_input.h"
#include "input/dispatch.h"

namespace {

struct TempImage {
  std::string dir, path;
  TempImage() {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/ntpsweep-fuzz-disk.XXXXXX";
    if (!mkdtemp(pattern.data())) __builtin_trap();
    dir = pattern;
    path = dir + "/image";
  }
  ~TempImage() {
    unlink(path.c_str());
    rmdir(dir.c_str());
  }
  void Write(const uint8_t* data, size_t size) const {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (!f) __builtin_trap();
    if (size && std::fwrite(data, 1, size, f) != size) __builtin_trap();
    std::fclose(f);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const TempImage image;
  static const ntpsweep::input::WalkOptions options = ntpsweep::fuzz::FuzzOptions();
  image.Write(data, size);
  ntpsweep::fuzz::CheckingSink sink;
  sink.operand = image.path;
  ntpsweep::input::OpenContainerFile(image.path, "disk.img", options, sink, /*operand=*/true);
  return 0;
}
