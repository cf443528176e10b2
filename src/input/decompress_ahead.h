// A zstd operand decompressed on a thread of its own, a few blocks ahead of the reader: on a
// rootfs.tar.zst the reading thread was 80% zstd and set the walk's wall time, while the tar
// headers, the members' copies and their hand-off to the workers waited behind it. libzstd
// writes into the blocks the reader is handed (no copy: copying libarchive's filter's blocks was
// 8.6% of this thread); the blocks and the errors are those of libarchive's zstd filter, whose
// loop this follows, so libarchive reads on as if its own filter had run.
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
#include <utility>
#include <vector>

#include "input/stream.h"

struct ZSTD_DCtx_s;

namespace ntpsweep::input {

class DecompressAhead : public ByteSource {
 public:
  // Null when `inner` does not give at least one block as libarchive's zstd filter would (not
  // zstd, empty, or damaged at its start) or gives another compressed stream libarchive would
  // stack a second filter on: the caller reads it again from its start as before, so that those
  // cases keep their notices. `inner` is read by the thread from then on; the compressed bytes
  // it reads are counted to `scan` (InputScan::Consume) on the caller's thread. `stored_size`:
  // the size of the file `inner` reads.
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

  // Blocks decompressed and not yet read, at most (of ZSTD_DStreamOutSize(), 128 KiB).
  static constexpr size_t kAhead = 8;

 private:
  struct DCtxFree {
    void operator()(ZSTD_DCtx_s* d) const;
  };
  // The thread: decompresses block after block until the end, an error or the destructor.
  void Run();
  // Fills the block `slot` as one read of libarchive's zstd filter does; false at the end (with
  // nothing in it) or on an error (then `end_error_` says which). Thread-confined state only.
  bool Decompress(size_t slot, size_t* size);

  ByteSource& inner_;
  InputScan* scan_;
  uint64_t stored_size_;
  std::unique_ptr<ZSTD_DCtx_s, DCtxFree> dctx_;
  size_t block_size_ = 0;
  std::vector<std::unique_ptr<char[]>> blocks_;  // kAhead + 2: ready, handed out, being filled
  // The decompressing side (Open, then the thread only).
  std::string_view input_;  // what is left of inner_'s current block
  bool in_frame_ = false;
  bool stream_end_ = false;
  std::atomic<uint64_t> pulled_{0};  // compressed bytes read
  uint64_t consumed_ = 0;            // of them, counted to scan_ (the caller's thread)

  std::mutex mu_;
  std::condition_variable ready_cv_, room_cv_;
  std::deque<std::pair<size_t, size_t>> ready_;  // decompressed blocks in order: slot, size
  std::vector<size_t> free_;                     // slots to fill
  bool ended_ = false;   // the thread is done: after ready_, the end or end_error_
  bool failed_ = false;  // it ended on an error
  bool stop_ = false;    // the reader went away
  std::string end_error_;
  size_t current_ = SIZE_MAX;  // the slot last handed out (the caller's thread)
  bool eof_ = false;
  std::string error_;
  std::thread thread_;
};

}  // namespace ntpsweep::input
