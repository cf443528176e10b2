#include "core/malloc_policy.h"

#include <cstdlib>
#include <cstring>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace ntpsweep {

void ShareMallocArenas() {
#ifdef __GLIBC__
  const char* tunables = std::getenv("GLIBC_TUNABLES");
  if (std::getenv("MALLOC_ARENA_MAX") || (tunables && std::strstr(tunables, "arena_max")))
    return;  // chosen by whoever runs it
  mallopt(M_ARENA_MAX, kMallocArenas);
#endif
}

}  // namespace ntpsweep
