// A zstd operand decompressed on a thread of its own, a few blocks ahead of the reader: on a
// rootfs.tar.zst the reading thread was 80% zstd and set the walk's wall time, while the tar
// headers, the members' copies and their hand-off to the workers waited behind it. libzstd's
// buffer-less API decodes into a ring that is both its window and the reader's blocks (its
// streaming API decodes into a window of its own and copies out of it: 10% of that thread); the
// blocks and the errors are those of libarchive's zstd filter, whose loop this follows, so
// libarchive reads on as if its own filter had run.
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
  // Decoded bytes at `data`, the stream's bytes from `start` on.
  struct Piece {
    char* data;
    size_t size;
    uint64_t start;
  };
  // The thread: decompresses until the end, an error or the destructor.
  void Run();
  // One call of ZSTD_decompressContinue (a header, a block, a checksum...); false at the end or
  // on an error (then `end_error_` says which), or when the reader went away. The decompressing
  // side's state only, and mu_ for what the reader shares.
  bool Step();
  enum class Taken { kAll, kNone, kPart, kError };  // kNone, kPart: the input ended
  // Exactly `n` compressed bytes in `*src` (from inner_'s block, or gathered in staged_), or
  // passed over when `skip`; kError: a read error, end_error_ says which.
  Taken Take(size_t n, bool skip, std::string_view* src);
  // The thread is done: the rest of the bytes may be handed out / they may not, `error` says why.
  void End();
  void Fail(std::string error);
  // A ring for frames of `window` bytes back (the current one when big enough).
  void EnsureRing(uint64_t window);
  // The ring's place for the next block: at least kRoom bytes no kept byte is in (`*free`: how
  // many); waits for the reader to give back blocks. Null when the reader went away.
  char* Room(size_t* free);
  // ZSTD_decompressStream's output buffer for a frame of this header, as it would size it.
  void FollowStreamBuffers(uint64_t frame_size, uint64_t window, size_t block_max);
  // What the reader may be handed: whole blocks, and the last one once the stream has ended.
  void Publish(uint64_t decoded, bool end);
  // The held block may be handed out: the call of ZSTD_decompressStream that filled it ended.
  void ReleaseHeld();

  ByteSource& inner_;
  InputScan* scan_;
  uint64_t stored_size_;
  std::unique_ptr<ZSTD_DCtx_s, DCtxFree> dctx_;
  size_t block_size_ = 0;
  // The decompressing side (Open, then the thread only).
  std::string_view input_;  // what is left of inner_'s current block
  std::string staged_;      // compressed bytes gathered across inner_'s blocks
  std::string header_;      // the current frame's header, once whole checked as libzstd's stream
  bool at_frame_start_ = true;
  bool skip_header_read_ = false;  // of a skippable frame: its size was read, its content is next
  // A block ended where a block of libarchive's filter ends: ZSTD_decompressStream, which filled
  // the latter, would go on decoding what its input holds whole until it writes more, the frame
  // ends or the input runs out, and an error on the way would lose the full block.
  bool hold_last_ = false;
  // libzstd decodes a damaged block until it fails or runs out of room: the room
  // ZSTD_decompressStream would give is followed, so that the error is the one it would give.
  size_t stream_in_size_ = 0, stream_out_size_ = 0, stream_out_start_ = 0;
  size_t stream_oversized_frames_ = 0, stream_block_max_ = 0;
  uint64_t frame_size_ = 0;
  std::vector<size_t> stream_pieces_;  // the last input taken, as it came in inner_'s blocks
  bool block_stored_ = false;          // the block being read is a raw (stored) one
  std::unique_ptr<char[]> ring_;
  size_t ring_size_ = 0;
  size_t write_ = 0;        // where the next block goes in ring_
  uint64_t window_ = 0;     // the current frame's
  uint64_t decoded_ = 0;    // bytes decoded
  std::deque<Piece> kept_;  // in ring_, still in a window or not yet given back by the reader
  std::atomic<uint64_t> pulled_{0};  // compressed bytes read
  uint64_t consumed_ = 0;            // of them, counted to scan_ (the caller's thread)

  std::mutex mu_;
  std::condition_variable ready_cv_, room_cv_;
  std::deque<Piece> ready_;  // decoded and not yet handed out, in order
  // Rings replaced for a larger window, with the end of the bytes they hold: freed once read.
  std::vector<std::pair<std::unique_ptr<char[]>, uint64_t>> retired_;
  uint64_t published_ = 0;  // ready_ may be handed out up to here
  uint64_t released_ = 0;   // the reader has given back every byte before this
  bool ended_ = false;      // the thread is done: after ready_, the end or end_error_
  bool failed_ = false;     // it ended on an error
  bool stop_ = false;       // the reader went away
  std::string end_error_;
  // The caller's thread: the end of the block last handed out, and where a block that spans the
  // ring's wrap is put together.
  uint64_t handed_ = 0;
  std::unique_ptr<char[]> joined_;
  bool eof_ = false;
  std::string error_;
  std::thread thread_;
};

}  // namespace ntpsweep::input
