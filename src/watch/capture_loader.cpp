// The capture reader is loaded on the first capture (core/module.h): only `watch --pcap` needs
// libpcap, whose chain (dbus, systemd, gcrypt) every other run loaded for nothing.
#include <string>

#include "core/module.h"
#include "watch/capture.h"

// Defined when this executable links capture.cpp itself (the tests); else the module is loaded.
extern "C" const ntpsweep::watch::CaptureReader* ntpsweep_capture_reader() __attribute__((weak));

namespace ntpsweep::watch {

bool ReadCapture(const std::string& path, ClientTable& table, LoopObserver* observer,
                 CaptureCounters* counters, std::string* error, std::vector<std::string>* notices) {
  static const LoadedReader<CaptureReader> loaded =
      LoadReader<CaptureReader>(ntpsweep_capture_reader, kCaptureModule, "ntpsweep_capture_reader",
                                CaptureReaderStamp(NTPSWEEP_VERSION));
  if (loaded.reader) return loaded.reader->read(path, table, observer, counters, error, notices);
  *error = path + ": captures cannot be read, the capture reader is missing: " + loaded.error;
  return false;
}

}  // namespace ntpsweep::watch
