// The capture reader is loaded on the first capture (core/module.h): only `watch --pcap` needs
// libpcap, whose chain (dbus, systemd, gcrypt) every other run loaded for nothing.
#include <string>

#include "core/module.h"
#include "watch/capture.h"

// Defined when this executable links capture.cpp itself (the tests); else the module is loaded.
extern "C" const ntpsweep::watch::CaptureReader* ntpsweep_capture_reader() __attribute__((weak));

namespace ntpsweep::watch {
namespace {

struct LoadedReader {
  const CaptureReader* reader = nullptr;
  std::string error;  // why there is none, naming the module
};

LoadedReader Load() {
  LoadedReader out;
  if (ntpsweep_capture_reader) {
    out.reader = ntpsweep_capture_reader();
  } else {
    using EntryFn = const CaptureReader* (*)();
    auto entry = reinterpret_cast<EntryFn>(
        LoadModuleEntry(kCaptureModule, "ntpsweep_capture_reader", &out.error));
    if (!entry) return out;
    out.reader = entry();
  }
  if (out.reader && out.reader->stamp != CaptureReaderStamp(NTPSWEEP_VERSION)) {
    out.reader = nullptr;
    out.error = std::string("the module ") + kCaptureModule +
                " comes from another build of ntpsweep (reinstall ntpsweep)";
  }
  return out;
}

}  // namespace

bool ReadCapture(const std::string& path, ClientTable& table, LoopObserver* observer,
                 CaptureCounters* counters, std::string* error, std::vector<std::string>* notices) {
  static const LoadedReader loaded = Load();
  if (loaded.reader) return loaded.reader->read(path, table, observer, counters, error, notices);
  *error = path + ": captures cannot be read, the capture reader is missing: " + loaded.error;
  return false;
}

}  // namespace ntpsweep::watch
