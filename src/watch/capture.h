// `watch --pcap`: the same client table, fed from pcap and pcapng files (libpcap) with the
// capture's own timestamps.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/module.h"
#include "watch/client_table.h"
#include "watch/loop.h"

namespace ntpsweep::watch {

struct CaptureCounters {
  uint64_t frames = 0;
  uint64_t ntp = 0;              // UDP datagrams to or from port 123
  uint64_t other = 0;            // everything else (not IP, not UDP, other ports)
  uint64_t fragments = 0;        // IP fragments (not reassembled)
  uint64_t damaged_headers = 0;  // frames whose link, IP or UDP header ends early or lies
  bool any_time = false;
  SysTime first{};
  SysTime last{};
};

// Reads one capture into `table`. False with `error` set when the file cannot be read at all
// (missing, not a capture, a link type DecodeFrame does not read, no capture reader); a damaged
// tail ends the file with a notice in `notices` and true.
bool ReadCapture(const std::string& path, ClientTable& table, LoopObserver* observer,
                 CaptureCounters* counters, std::string* error, std::vector<std::string>* notices);

// The capture reader (capture.cpp) is the module kCaptureModule, loaded on the first capture
// (core/module.h, capture_loader.cpp): only `watch --pcap` needs libpcap and its chain (dbus,
// systemd, gcrypt).
using ReadCaptureFn = bool (*)(const std::string& path, ClientTable& table, LoopObserver* observer,
                               CaptureCounters* counters, std::string* error,
                               std::vector<std::string>* notices);

struct CaptureReader {
  uint64_t stamp;  // CaptureReaderStamp() of the build the reader comes from
  ReadCaptureFn read;
};

inline constexpr const char* kCaptureModule = "ntpsweep-pcap.so";

// The layouts the binary and the module share (core/module.h, ModuleStamp).
constexpr uint64_t CaptureReaderStamp(std::string_view version) {
  return ModuleStamp(
      {sizeof(ClientTable), sizeof(CaptureCounters), sizeof(LoopObserver), sizeof(SysTime)},
      version);
}

}  // namespace ntpsweep::watch

// The module's one entry point (looked up by dlsym, hence unmangled).
extern "C" const ntpsweep::watch::CaptureReader* ntpsweep_capture_reader();
