// Readers whose libraries most runs never need are built as modules that the binary loads on
// first use (docs/architecture.md): the disk reader (ntpsweep-disk.so: libtsk, libfsxfs,
// libvslvm and their chain) and the capture reader (ntpsweep-pcap.so: libpcap). A module binds
// the ntpsweep:: symbols it calls in the binary (cmake/exports.list); it is found from
// /proc/self/exe only, next to the executable (the build tree) and in the installed layout
// beside it (NTPSWEEP_MODULE_DIR, relative to the executable's directory), never from the
// working directory or the environment, which whoever prepared a scanned tree may control.
#pragma once

#include <string>

namespace ntpsweep {

// The entry point `symbol` of the module `file` (loaded once, never unloaded). Null with
// `error` set, naming where the module was looked for, when it is missing or cannot be loaded.
void* LoadModuleEntry(const std::string& file, const char* symbol, std::string* error);

}  // namespace ntpsweep
