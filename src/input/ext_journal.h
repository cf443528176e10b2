#pragma once
// The ext3/4 journal (jbd2) of a volume that was not unmounted cleanly, replayed in memory: an AMI
// export or a disk snapshot of a running system keeps its last changes (often files written at
// boot: a chrony.conf from cloud-init) in the journal only, and mounting would replay them first.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "input/ext4_extents.h"

namespace ntpsweep::input {

// A file system block the replay replaces: where its new content lies on the volume.
struct JournalBlock {
  uint64_t at = 0;       // byte offset on the volume
  bool escaped = false;  // its first four bytes were the journal's magic, stored zeroed
};

struct JournalReplay {
  std::map<uint64_t, JournalBlock> blocks;  // by file system block number
  uint64_t block_size = 0;
  uint64_t transactions = 0;  // committed transactions replayed
  bool fast_commit = false;   // fast-commit blocks follow, which are not replayed
};

// Reads the journal whose logical blocks are mapped by `journal` (its inode's extents) on a volume
// of `volume_blocks` blocks of `block_size` bytes, as the kernel's recovery would: committed
// transactions from the journal's start, revoked blocks left out, an unfinished last transaction
// dropped, blocks past the volume ignored. Empty when the journal is clean; false with the reason
// when it cannot be read. Checksums are not verified.
bool ReadJournal(const Ext4Volume::ReadFn& read, uint64_t block_size, uint64_t volume_blocks,
                 const std::vector<Ext4Extent>& journal, JournalReplay* out, std::string* error);

// Lays the replayed blocks over `buf`, the `len` bytes read at volume byte `off`; false when a
// journal block cannot be read.
bool ApplyJournal(const JournalReplay& replay, const Ext4Volume::ReadFn& read, uint64_t off,
                  char* buf, size_t len);

}  // namespace ntpsweep::input
