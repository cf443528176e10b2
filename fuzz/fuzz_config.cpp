// libFuzzer target: the config file loader (cli/config.h) on arbitrary .ntpsweep.yaml text.
// Bad configs are a ConfigError with a place; anything else escaping is a bug.
#include <cstddef>
#include <cstdint>
#include <string>

#include "cli/config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    ntpsweep::cli::ParseConfig(std::string(reinterpret_cast<const char*>(data), size),
                               "/fuzz/.ntpsweep.yaml");
  } catch (const ntpsweep::cli::ConfigError&) {
  }
  return 0;
}
