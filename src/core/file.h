// Reading files from the local file system: whole small files (configs, rules, baselines) and
// scanned files, bounded and safe against links and FIFOs swapped in after the walk.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/file_extent.h"

namespace ntpsweep {

// How much of a file's head decides whether it is binary.
inline constexpr size_t kSniffBytes = 8192;

// True when `data` looks binary (a NUL byte in the first 8 KiB), as grep and ripgrep decide.
bool LooksBinary(std::string_view data);

// A UTF-16 byte order mark (FF FE little-endian, FE FF big-endian) at the head of `data`:
// Windows and PowerShell files. Such text is full of NUL bytes, yet not binary. A Group Policy
// registry file (Registry.pol: "PReg", version 1) is UTF-16LE strings between binary fields.
// kBareLittleEndian: no BOM, but the head is UTF-16LE text (every second byte NUL, the others
// text), as .NET's UnicodeEncoding without a preamble and some `reg export` copies write it.
enum class Utf16 { kNone, kLittleEndian, kBigEndian, kBareLittleEndian };
Utf16 Utf16Bom(std::string_view data);

// True when `head` is binary content: a NUL in its first kSniffBytes that is no UTF-16 text's.
inline bool IsBinaryContent(std::string_view head) {
  return LooksBinary(head) && Utf16Bom(head) == Utf16::kNone;
}

// The length of a UTF-8 byte order mark (EF BB BF) at the head of `data`, else 0: files saved by
// Windows editors and PowerShell, whose first line readers must see as it reads.
size_t Utf8BomLength(std::string_view data);

// The text to read in `data`: UTF-16 (with its BOM, or bare little-endian) decoded to UTF-8 into
// *decoded, without the BOM (unpaired surrogates become U+FFFD); UTF-8 past its BOM; anything else
// as it is. Lines and code-point columns of the decoding are those of the file (a BOM is no
// column). A Registry.pol reads as one line "[key;value;text]" per entry, text a string value's
// data.
std::string_view TextOf(std::string_view data, std::string* decoded);

// For a head that LooksBinary: the length of the text before its first NUL byte when that is
// whole lines of text (at least one line break; printable ASCII, tabs, line breaks and valid
// UTF-8 only): a text file followed by a hole or padding of zeros, or a script with a binary
// payload. 0 when the head is binary from the start.
size_t TextBeforeNul(std::string_view head);

// Reads the whole of a small file the user named (config, rule file, baseline, SARIF log).
// False when it cannot be opened.
bool ReadWholeFile(const std::string& path, std::string* out);

// The bytes a reader fills: grown by doubling and never shrunk, and unlike std::string::resize
// the new bytes are not zero-filled first (the read overwrites them). Reused across files.
class ReadBuffer {
 public:
  char* data() { return bytes_.get(); }
  size_t capacity() const { return capacity_; }
  // Room for at least `size` bytes; the first `keep` bytes survive a growth.
  void Reserve(size_t size, size_t keep = 0);
  // Maps the pages of the first `size` bytes (at most capacity()) that no read has written yet
  // in one call (MADV_POPULATE_WRITE) when they are many, before a read writes them: a page
  // fault apiece was a tenth of a large file's read. Nothing changes where the kernel refuses.
  void Prefault(size_t size);

 private:
  std::unique_ptr<char[]> bytes_;
  size_t capacity_ = 0;
  size_t prefaulted_ = 0;  // bytes known to be mapped: written by a read or prefaulted
};

// Grown read buffers handed from one thread or stage to the next: a fresh buffer faults in its
// pages again. Safe to share among threads.
class ReadBufferPool {
 public:
  // A spare buffer, or an empty one when none is left.
  ReadBuffer Take();
  // Kept for a later Take unless its capacity is over `keep_up_to` bytes (peak RSS).
  void GiveBack(ReadBuffer buffer, size_t keep_up_to = SIZE_MAX);
  // Frees every spare buffer.
  void Clear();

 private:
  std::mutex mu_;
  std::vector<ReadBuffer> spare_;
};

// Reads at most `limit` bytes of a scanned regular file into `storage` (reused across files and
// never shrunk, so no fresh pages and no zero-filling per file); `*data` views what was read.
// Binary files stop after the first block: *binary is set and the rest is never read (a UTF-16
// head with its BOM is text: see TextOf). False with `error` set when the file cannot be read.
// A binary file's `*data` is its first block. `file_size`, when given, gets the file's size.
bool ReadFile(const std::string& path, size_t limit, ReadBuffer* storage, std::string_view* data,
              bool* truncated, bool* binary, std::string* error, uint64_t* file_size = nullptr);
// The same for `name` in the open directory `dir` (openat): the kernel does not look up the
// directories above it again for every file.
bool ReadFileAt(int dir, const char* name, size_t limit, ReadBuffer* storage,
                std::string_view* data, bool* truncated, bool* binary, std::string* error,
                uint64_t* file_size = nullptr);

// Reads `len` bytes at `offset` of `fd` into `out`, going on after short reads and EINTR;
// returns how many it read: fewer at the end of the file, or on an error (`*error_number` its
// errno, else 0).
size_t PreadFull(int fd, uint64_t offset, char* out, size_t len, int* error_number);

// Reads `size` bytes at `offset` of the open file `fd` (an archive member's data) into
// `storage`; `*data` views what was read. False with `error` set when the file ends before them
// or cannot be read: `*data` then holds the part that was.
bool ReadFileRange(int fd, uint64_t offset, size_t size, ReadBuffer* storage,
                   std::string_view* data, std::string* error);

// ReadFileRange for a file in pieces: its first `size` bytes, the extents read in turn. False
// with `error` set when the extents end before them or cannot be read: `*data` holds the part
// that was.
bool ReadFileExtents(int fd, const std::vector<FileExtent>& extents, size_t size,
                     ReadBuffer* storage, std::string_view* data, std::string* error);

// "dir/sub/../x" -> "dir/x", "./x" -> "x", "/a//b/" -> "/a/b": lexically, no file looked at; a
// ".." with nothing before it to undo stays.
std::string LexicallyNormal(std::string_view path);

// `path` relative to the absolute directory `root` when it lies below it, else "".
std::string RootRelative(const std::string& path, const std::string& root);

// Where an outermost path (as reported: relative to the current directory, or absolute) is
// for fingerprints, baselines and SARIF URIs: relative to the absolute scan root `root` when
// it lies below it ("" for the root itself), else absolute and lexically normal. An empty
// `root` leaves `path` as it is. The same file gives the same answer whatever the operands.
std::string ScanRootPath(const std::string& path, const std::string& root);

}  // namespace ntpsweep
