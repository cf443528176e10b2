// Readers whose libraries most runs never need are built as modules that the binary loads on
// first use (docs/architecture.md): the disk reader (ntpsweep-disk.so: libtsk, libfsxfs,
// libvslvm and their chain) and the capture reader (ntpsweep-pcap.so: libpcap). A module binds
// the ntpsweep:: symbols it calls in the binary (cmake/exports.list); it is found from
// /proc/self/exe only, next to the executable (the build tree) and in the installed layout
// beside it (NTPSWEEP_MODULE_DIR, relative to the executable's directory), never from the
// working directory or the environment, which whoever prepared a scanned tree may control.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>

namespace ntpsweep {

// The entry point `symbol` of the module `file` (loaded once, never unloaded). Null with
// `error` set, naming where the module was looked for, when it is missing or cannot be loaded.
void* LoadModuleEntry(const std::string& file, const char* symbol, std::string* error);

// A module's stamp: the sizes of the layouts it shares with the binary and the `version` each
// was built as (FNV-1a), so that a module from another build is refused instead of misreading
// them.
constexpr uint64_t ModuleStamp(std::initializer_list<uint64_t> sizes, std::string_view version) {
  uint64_t h = 1469598103934665603ull;
  for (uint64_t v : sizes) h = (h ^ v) * 1099511628211ull;
  for (char c : version) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
  return h;
}

// A reader's table (a struct with a `stamp`), or why there is none, naming its module.
template <typename Reader>
struct LoadedReader {
  const Reader* reader = nullptr;
  std::string error;
};

// The reader from `linked` (the executable's own entry point, a weak symbol: set only where it
// links the reader itself, as the tests and fuzz_disk do), else from the module `file`'s entry
// `symbol`. A table whose stamp is not `stamp` comes from another build and is refused.
template <typename Reader>
LoadedReader<Reader> LoadReader(const Reader* (*linked)(), const std::string& file,
                                const char* symbol, uint64_t stamp) {
  LoadedReader<Reader> out;
  if (linked) {
    out.reader = linked();
  } else {
    auto entry = reinterpret_cast<const Reader* (*)()>(LoadModuleEntry(file, symbol, &out.error));
    if (!entry) return out;
    out.reader = entry();
  }
  if (out.reader && out.reader->stamp != stamp) {
    out.reader = nullptr;
    out.error = "the module " + file + " comes from another build of ntpsweep (reinstall ntpsweep)";
  }
  return out;
}

}  // namespace ntpsweep
