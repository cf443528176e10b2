// How the process asks glibc's malloc for memory (set once, before any thread starts).
#pragma once

namespace ntpsweep {

// Makes every thread allocate from one glibc arena, unless MALLOC_ARENA_MAX or GLIBC_TUNABLES
// chose how many. The texts of archive members are made on the reading thread and freed on the
// workers; with an arena per thread the holes they left kept a tar scan's peak RSS growing with
// the tar (rootfs.tar 38 MiB, four copies of it 49 MiB). A fixed mmap threshold flattened it
// as well, but rootfs.tar's page faults went from 8k to 16k (--archives off), 11k to 42k.
void UseOneMallocArena();

}  // namespace ntpsweep
