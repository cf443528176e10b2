// libFuzzer target: the content dispatcher over an in-memory buffer, as for an archive member or
// stdin (input/dispatch.h ScanContent): archives, compressed files, 7-Zip, container image tars
// and raw disks held in memory, nested up to the fuzz limits.
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_input.h"
#include "input/dispatch.h"
#include "input/stream.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const ntpsweep::input::WalkOptions options = ntpsweep::fuzz::FuzzOptions();
  ntpsweep::fuzz::CheckingSink sink;
  {
    ntpsweep::input::InputScan scan(options, sink, size);
    ntpsweep::input::MemorySource src(std::string(reinterpret_cast<const char*>(data), size));
    scan.Consume(size);
    ntpsweep::input::ScanContent(scan, src, {"fuzz.bin"}, "fuzz.bin", 0, nullptr, nullptr);
  }
  return 0;
}
