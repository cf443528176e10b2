// Every file a scan read from disk, for the cross-file stage (includes, linkage), in a few bytes
// of memory whatever the number of files: past a small budget its records go to an unlinked
// temporary file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/fd.h"
#include "core/types.h"

namespace ntpsweep::scan {

// A byte stream appended to and read back by offset, in a bounded amount of memory: its first
// bytes in an unlinked temporary file ($TMPDIR, else /tmp; O_TMPFILE, else mkstemp and unlink),
// its last block (`block_bytes`) in memory. Without a temporary file every block stays in memory
// (spill_error() says why). Shared by the list of files read and the archive members linkage
// keeps (scan/member_links.h).
class SpillStream {
 public:
  // `temp_dir`: where the temporary file is made (empty: $TMPDIR, else /tmp); `what`: what the
  // stream holds, for the errors.
  SpillStream(size_t block_bytes, std::string temp_dir, std::string what);
  ~SpillStream();
  SpillStream(const SpillStream&) = delete;
  SpillStream& operator=(const SpillStream&) = delete;

  // Appends `bytes`, writing the full last block to the temporary file first. Not thread-safe.
  // Once the temporary file is made, at least kWriteThroughBytes of them go to it from `bytes`
  // (after the last block), not copied into blocks first (the archive members kept whole were:
  // 73 MB of a rootfs.tar.zst).
  void Append(std::string_view bytes);
  static constexpr size_t kWriteThroughBytes = 64u << 10;
  // Makes the temporary file now (else on the first full block); false when it cannot be made.
  bool Open();
  // Copies bytes [at, at + n) into `out`; false and `error` when the temporary file cannot be
  // read back. Thread-safe between readers (pread).
  bool Read(uint64_t at, size_t n, std::string* out, std::string* error) const;
  // The same into `out`, which holds at least `n` bytes (not zeroed first).
  bool Read(uint64_t at, size_t n, char* out, std::string* error) const;

  uint64_t size() const { return total_; }
  uint64_t bytes_spilled() const { return spilled_; }
  size_t bytes_in_memory() const;
  const std::string& spill_error() const { return spill_error_; }

 private:
  // Writes the full last block to the temporary file (made on first use); false when none.
  bool Spill();
  // Writes the last block, then `bytes`, to the temporary file; false when either could not be
  // written (`bytes` then stay to be appended in memory).
  bool WriteThrough(std::string_view bytes);
  // Writes `bytes` at spilled_ and counts them spilled; false, and spill_error_, when not.
  bool WriteAtEnd(std::string_view bytes);

  size_t block_bytes_;
  std::string temp_dir_, what_;
  std::unique_ptr<Fd> spill_;  // the temporary file, once made
  std::string spill_error_;
  uint64_t spilled_ = 0;             // stream bytes in the temporary file
  uint64_t total_ = 0;               // stream bytes
  std::vector<std::string> blocks_;  // stream bytes [spilled_, total_), full blocks but the last
};

// A file read from disk, as FollowIncludes and linkage read it again.
struct ReadEntry {
  Location location;
  std::string path, fs_path, root;
  // It holds a linkage hint: read again when it names a finding's variable or file.
  bool link = false;
  // Walked but not read: a --changed-since scan's unchanged file, read only when a file read
  // pulls it in (FollowIncludes).
  bool unread = false;
};

// The disk path is a shared prefix (the operand) plus the path, and the location is the path
// itself, as a walk makes them (an entry that differs keeps its own spelling); each path is
// stored as the length it shares with the previous one and the rest (front coding, restarted
// every kRestart files). The records are one byte stream: its first bytes in an unlinked
// temporary file ($TMPDIR, else /tmp; O_TMPFILE, else mkstemp and unlink), its last
// `memory_bytes` in memory, and an index of every kRestart-th record's offset (8 bytes per 32
// files) in memory (SpillStream). Kept whole in memory, the list made the dir sweep's peak RSS
// grow ~27 bytes a file. Without a temporary file the records stay in memory (spill_error()).
//
// A linkage candidate's text, as the first pass read it, is kept too (a second SpillStream, one
// text after the other in the order of the records, each record saying its text's length): read
// back in large blocks at the end instead of opening every candidate by its path again (an
// open, fstat, read and close each, 4 syscalls: the synthetic bench's cross-file stage). At most
// `text_bytes` of them, kTextMemoryBytes in memory, the rest in a temporary file; without one,
// at most kTextHoldBytes in memory. A candidate whose text is not kept (a large one, one past
// the budget) is read again from disk.
class ReadFiles {
 public:
  static constexpr size_t kDefaultMemoryBytes = 256u << 10;
  static constexpr uint64_t kTextBytes = 1ull << 30;
  static constexpr size_t kTextMemoryBytes = 1u << 20;
  static constexpr size_t kTextHoldBytes = 8u << 20;
  // The largest text the pipeline offers (scan.cpp): a larger one is read again. Kept, a text
  // costs a write and a read of its bytes (all 73 MB of the rootfs's: 0.12 s more CPU); read
  // again, an open, fstat and close (synthetic/q0's 21.5k: ~0.3 s CPU).
  static constexpr size_t kTextFileBytes = 16u << 10;
  // `temp_dir`: where the temporary files are made; empty: $TMPDIR, else /tmp. `text_bytes`:
  // how many bytes of candidates' texts at most (0: none kept).
  explicit ReadFiles(size_t memory_bytes = kDefaultMemoryBytes, std::string temp_dir = {},
                     uint64_t text_bytes = kTextBytes);
  ~ReadFiles();
  ReadFiles(const ReadFiles&) = delete;
  ReadFiles& operator=(const ReadFiles&) = delete;

  // Not thread-safe: the pipeline adds under its lock, and reads only once every writer is done.
  // `text`: a candidate's (`link`) text, kept when the budget has room (Stream::kept()).
  // `unread`: walked, not read (ReadEntry::unread); never a candidate.
  size_t Add(const Location& location, std::string_view path, std::string_view fs_path,
             std::string_view root, bool link = false,
             std::optional<std::string_view> text = std::nullopt, bool unread = false);
  size_t size() const { return count_; }
  // The file added `i`-th; false and `error` when the temporary file cannot be read back.
  // Thread-safe between readers.
  bool Get(size_t i, ReadEntry* out, std::string* error) const;

  // Every file in the order they were added, one at a time (reads the temporary file in
  // chunks). Not thread-safe: one reader per Stream.
  class Stream {
   public:
    explicit Stream(const ReadFiles& files) : files_(files) {}
    // Moves to the next file; false past the last one, or when the temporary file cannot be
    // read back (error() says why).
    bool Next();
    const std::string& error() const { return error_; }
    size_t index() const { return index_ - 1; }
    std::string_view path() const { return path_; }
    bool link() const { return link_; }
    bool unread() const { return unread_; }
    // Whether Add kept this candidate's text, and where it is (ReadText): known to a Stream
    // from the first file only.
    bool kept() const { return kept_; }
    uint64_t text_at() const { return text_at_; }
    size_t text_size() const { return text_size_; }
    ReadEntry Entry() const {
      return files_.Make(index(), path_, prefix_, own_fs_path_, root_, link_, unread_);
    }
    // The file's path on disk into `out`, whose memory is reused (Entry() makes five strings).
    void FsPath(std::string* out) const;

   private:
    friend class ReadFiles;  // Get starts one at a restart point
    unsigned char Byte();
    size_t Varint();
    void Bytes(size_t n, std::string* out);
    const ReadFiles& files_;
    size_t index_ = 0;
    uint64_t at_ = 0;  // stream offset of buf_[0]
    std::string buf_;  // a chunk of the stream
    size_t pos_ = 0;   // next byte in buf_
    std::string path_, own_fs_path_;
    size_t prefix_ = 0, root_ = 0;
    bool link_ = false, unread_ = false, kept_ = false;
    uint64_t text_at_ = 0, text_end_ = 0;  // this record's text; where the next one's begins
    size_t text_size_ = 0;
    std::string error_;
  };

  // Calls f(index, path, unread) for every file in the order they were added; returns why it
  // stopped early, or nothing.
  template <typename F>
  std::string ForEach(F&& f) const {
    Stream s(*this);
    while (s.Next()) f(s.index(), s.path(), s.unread());
    return s.error();
  }

  // The location of the file added `i`-th, whose path is `path` (Entry().location).
  Location LocationOf(size_t i, std::string_view path) const;

  // Copies bytes [at, at + n) of the kept texts into `out`; false and `error` when the
  // temporary file cannot be read back. Thread-safe between readers.
  bool ReadText(uint64_t at, size_t n, std::string* out, std::string* error) const {
    return texts_.Read(at, n, out, error);
  }

  size_t bytes_in_memory() const;
  uint64_t bytes_spilled() const { return stream_.bytes_spilled(); }
  // Why the records stay in memory (no temporary file could be made); empty otherwise.
  const std::string& spill_error() const { return stream_.spill_error(); }
  // The candidates' texts kept: how many, their bytes in the temporary file and in memory, and
  // why there is no temporary file (when there is none).
  size_t texts_kept() const { return texts_kept_; }
  uint64_t text_bytes_spilled() const { return texts_.bytes_spilled(); }
  size_t text_bytes_in_memory() const { return texts_.bytes_in_memory(); }
  const std::string& text_error() const { return texts_.spill_error(); }

 private:
  static constexpr size_t kRestart = 32;
  // Whether a text of `n` bytes can be kept (the temporary file made on the first one).
  bool TextHasRoom(size_t n);
  ReadEntry Make(size_t index, const std::string& path, size_t prefix,
                 const std::string& own_fs_path, size_t root, bool link, bool unread) const;
  // The path on disk of a record: its interned prefix (1-based) and `path`, or its own.
  void FsPathOf(size_t prefix, std::string_view path, const std::string& own_fs_path,
                std::string* out) const;

  SpillStream stream_;  // the records
  SpillStream texts_;   // the candidates' texts kept
  uint64_t text_bytes_;
  size_t texts_kept_ = 0;
  size_t count_ = 0;
  std::string last_;                // the path added last
  std::string record_;              // Add's record, its memory kept from one file to the next
  std::vector<uint64_t> restarts_;  // stream offset of every kRestart-th record
  std::vector<std::string> prefixes_, roots_;
  std::map<size_t, Location> other_locations_;
};

}  // namespace ntpsweep::scan
