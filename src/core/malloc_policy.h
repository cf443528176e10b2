// How the process asks glibc's malloc for memory (set once, before any thread starts).
#pragma once

namespace ntpsweep {

// Makes the threads share two glibc arenas, unless MALLOC_ARENA_MAX or GLIBC_TUNABLES chose how
// many. The texts of archive members are made on the reading thread and freed on the workers;
// with an arena per thread the holes they left kept a tar scan's peak RSS growing with the tar
// (rootfs.tar 37.5 MiB, four copies of it 45.2 MiB; with two arenas 36.9 and 42.6). One arena
// flattened it more but made rootfs.tar's scan 8% slower (lock contention); a fixed mmap
// threshold too, but rootfs.tar's page faults went from 8k to 16k (--archives off).
inline constexpr int kMallocArenas = 2;

void ShareMallocArenas();

}  // namespace ntpsweep
