// A zstd operand decompressed on a thread of its own, a few blocks ahead of the reader: on a
// rootfs.tar.zst the reading thread was 80% zstd and set the walk's wall time, while the tar
// headers, the members' copies and their hand-off to the workers waited behind it. The bytes,
// their blocks and the errors are those of libarchive's zstd filter, which does the work here
// (through its raw format) instead of inside the reader's archive.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "input/stream.h"

struct archive;

namespace ntpsweep::input {

class DecompressAhead : public ByteSource {
 public:
  // Null when `inner` does not give at least one block through libarchive's zstd filter (not
  // zstd, empty, or damaged at its start): the caller reads it again from its start as before,
  // so that those cases keep their notices. `inner` is read by the thread from then on; the
  // compressed bytes it reads are counted to `scan` (InputScan::Consume) on the caller's thread.
  // `stored_size`: the size of the file `inner` reads.
  static std::unique_ptr<DecompressAhead> Open(ByteSource& inner, InputScan* scan,
                                               uint64_t stored_size);
  // Made by Open only (the key is private).
  class Key {
    friend class DecompressAhead;
    Key() = default;
  };
  DecompressAhead(Key, ByteSource& inner, InputScan* scan, uint64_t stored_size);
  ~DecompressAhead() override;

  bool Next(std::string_view* block) override;
  bool at_eof() const override { return eof_; }
  std::string error() const override { return error_; }
  uint64_t stored_size() const { return stored_size_; }

  // Blocks decompressed and not yet read, at most: libarchive's are 128 KiB.
  static constexpr size_t kAhead = 8;

 private:
  struct ArchiveFree {
    void operator()(archive* a) const;
  };
  // The thread: decompresses block after block until the end, an error or the destructor.
  void Run();
  // Copies libarchive's next block into a spare string; false at the end or on an error (then
  // `end_error_` says which).
  bool Decompress(std::string* out);

  ByteSource& inner_;
  InputScan* scan_;
  uint64_t stored_size_;
  std::unique_ptr<archive, ArchiveFree> a_;
  std::atomic<uint64_t> pulled_{0};  // compressed bytes read by the thread
  uint64_t consumed_ = 0;            // of them, counted to scan_ (the caller's thread)

  std::mutex mu_;
  std::condition_variable ready_cv_, room_cv_;
  std::deque<std::string> ready_;  // decompressed blocks, in order
  std::vector<std::string> spare_;
  bool ended_ = false;   // the thread is done: after ready_, the end or end_error_
  bool failed_ = false;  // it ended on an error
  bool stop_ = false;    // the reader went away
  std::string end_error_;
  std::string current_;  // the block last handed out (the caller's thread)
  bool eof_ = false;
  std::string error_;
  std::thread thread_;
};

}  // namespace ntpsweep::input
