#include "core/module.h"

#include <dlfcn.h>
#include <limits.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <vector>

#ifndef NTPSWEEP_MODULE_DIR
#define NTPSWEEP_MODULE_DIR "../lib/ntpsweep"
#endif

namespace ntpsweep {
namespace {

std::string ExecutableDir() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return "";
  std::string exe(buf, static_cast<size_t>(n));
  return exe.substr(0, exe.rfind('/'));
}

}  // namespace

void* LoadModuleEntry(const std::string& file, const char* symbol, std::string* error) {
  std::string dir = ExecutableDir();
  if (dir.empty()) {
    *error = "the module " + file + " cannot be looked for: /proc/self/exe is not readable";
    return nullptr;
  }
  namespace fs = std::filesystem;
  const std::vector<std::string> paths = {
      dir + "/" + file, (fs::path(dir) / NTPSWEEP_MODULE_DIR / file).lexically_normal().string()};
  for (const std::string& path : paths) {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) continue;
    // RTLD_NOW: a module that cannot bind every symbol fails here, not in the middle of a scan.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* why = dlerror();
      *error = "the module " + path + " cannot be loaded: " + (why ? why : "unknown error");
      return nullptr;
    }
    void* entry = dlsym(handle, symbol);
    if (!entry) *error = "the module " + path + " has no " + symbol;
    return entry;  // the module stays loaded: its code runs until the process ends
  }
  *error = "the module " + file + " is not installed (neither " + paths[0] + " nor " + paths[1] +
           " exists)";
  return nullptr;
}

}  // namespace ntpsweep
