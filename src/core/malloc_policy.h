// How the process asks glibc's malloc for memory (set once, before any thread starts).
#pragma once

namespace ntpsweep {

// Makes every thread allocate from one glibc arena, unless MALLOC_ARENA_MAX or GLIBC_TUNABLES
// chose how many. The texts of archive members are made on the reading thread and freed on the
// workers; with an arena per thread the holes they left kept a tar scan's peak RSS growing with
// the tar (rootfs.tar 37 MiB, four copies of it 49 MiB). Fixing the mmap threshold instead
// flattened it as well but tripled the page faults (rootfs.tar: 8k -> 16k).
void UseOneMallocArena();

}  // namespace ntpsweep
