#define ZSTD_STATIC_LINKING_ONLY  // the buffer-less API: ZSTD_decompressContinue and its helpers
#include "input/decompress_ahead.h"

#include <zstd.h>
#include <zstd_errors.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <system_error>

namespace ntpsweep::input {
namespace {

// What libarchive's zstd bidder takes for a zstd stream: a frame, or a skippable frame.
bool ZstdMagic(const char* p, size_t n) {
  if (n < 4) return false;
  uint32_t v = static_cast<uint32_t>(static_cast<unsigned char>(p[0])) |
               static_cast<uint32_t>(static_cast<unsigned char>(p[1])) << 8 |
               static_cast<uint32_t>(static_cast<unsigned char>(p[2])) << 16 |
               static_cast<uint32_t>(static_cast<unsigned char>(p[3])) << 24;
  return v == 0xFD2FB528u || (v & 0xFFFFFFF0u) == 0x184D2A50u;
}

// The most a block writes into the place it is given: its output, at most ZSTD_BLOCKSIZE_MAX,
// within which libzstd may also keep the block's literals, and a margin for its wide copies.
constexpr size_t kRoom = ZSTD_BLOCKSIZE_MAX + 64;
// The largest window libzstd's streaming API decodes by default (ZSTD_d_windowLogMax unset).
constexpr uint64_t kMaxWindow = (uint64_t{1} << ZSTD_WINDOWLOG_LIMIT_DEFAULT) + 1;

// `p` after `back` with no gap, as one piece.
template <typename Piece>
void Append(std::deque<Piece>& pieces, const Piece& p) {
  if (!pieces.empty() && pieces.back().data + pieces.back().size == p.data)
    pieces.back().size += p.size;
  else
    pieces.push_back(p);
}

}  // namespace

void DecompressAhead::DCtxFree::operator()(ZSTD_DCtx_s* d) const {
  ZSTD_freeDCtx(d);
}

std::unique_ptr<DecompressAhead> DecompressAhead::Open(ByteSource& inner, InputScan* scan,
                                                       uint64_t stored_size) {
  auto d = std::make_unique<DecompressAhead>(Key{}, inner, scan, stored_size);
  if (!d->dctx_ || ZSTD_isError(ZSTD_decompressBegin(d->dctx_.get()))) return nullptr;
  // libarchive bids on the first block: none (the end, an error) is no stream it reads.
  while (d->published_ == 0 && d->Step()) {
  }
  if (d->published_ == 0) return nullptr;
  // A compressed stream inside: libarchive would stack its filter on this one.
  char magic[4];
  size_t have = 0;
  for (const Piece& p : d->ready_) {
    size_t n = std::min(p.size, sizeof magic - have);
    std::memcpy(magic + have, p.data, n);
    if ((have += n) == sizeof magic) break;
  }
  if (ZstdMagic(magic, std::min<uint64_t>(have, d->published_))) return nullptr;
  if (d->ended_) return d;  // all of it decoded already
  try {
    d->thread_ = std::thread([p = d.get()] { p->Run(); });
  } catch (const std::system_error&) {
    return nullptr;  // no thread to be had: read as before
  }
  return d;
}

DecompressAhead::DecompressAhead(Key, ByteSource& inner, InputScan* scan, uint64_t stored_size)
    : inner_(inner),
      scan_(scan),
      stored_size_(stored_size),
      dctx_(ZSTD_createDCtx()),
      block_size_(ZSTD_DStreamOutSize()) {}

DecompressAhead::~DecompressAhead() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  room_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

DecompressAhead::Taken DecompressAhead::Take(size_t n, bool skip, std::string_view* src) {
  stream_pieces_.assign(1, n);
  if (!skip && input_.size() >= n) {
    *src = input_.substr(0, n);
    input_.remove_prefix(n);
    return Taken::kAll;
  }
  // A stored block is copied out by ZSTD_decompressStream as its input comes.
  stream_pieces_.clear();
  ReleaseHeld();  // ZSTD_decompressStream would have returned for more input
  staged_.clear();
  for (size_t got = 0; got < n;) {
    if (input_.empty()) {
      std::string_view block;
      if (!inner_.Next(&block)) {
        std::string e = inner_.error();
        end_error_ = e.empty() ? "read error" : e;
        return Taken::kError;
      }
      pulled_.fetch_add(block.size(), std::memory_order_relaxed);
      if (block.empty()) return got == 0 ? Taken::kNone : Taken::kPart;
      input_ = block;
    }
    size_t k = std::min(n - got, input_.size());
    stream_pieces_.push_back(k);
    if (!skip) staged_.append(input_.data(), k);
    input_.remove_prefix(k);
    got += k;
  }
  // A skipped frame's bytes are not read by libzstd, only counted (as its streaming API does).
  *src = skip ? std::string_view(staged_.data(), n) : std::string_view(staged_);
  return Taken::kAll;
}

void DecompressAhead::EnsureRing(uint64_t window) {
  // The window behind the block being decoded, the blocks ahead of the reader and the one it
  // holds, the block being decoded, and what a wrap of the ring leaves unused at its end.
  uint64_t need = window + kAhead * block_size_ + 4 * kRoom;
  if (ring_size_ >= need) return;
  auto ring = std::make_unique_for_overwrite<char[]>(need);
  if (ring_) {
    std::lock_guard lock(mu_);
    retired_.emplace_back(std::move(ring_), decoded_);  // the reader may still be in it
  }
  ring_ = std::move(ring);
  ring_size_ = need;
  write_ = 0;
  kept_.clear();
}

char* DecompressAhead::Room(size_t* free) {
  for (;;) {
    uint64_t released = 0;
    {
      std::lock_guard lock(mu_);
      if (stop_) return nullptr;
      released = released_;
      std::erase_if(retired_, [&](const auto& r) { return r.second <= released; });
    }
    if (decoded_ - released > kAhead * block_size_) {  // far enough ahead of the reader
      std::unique_lock lock(mu_);
      room_cv_.wait(lock, [&] { return stop_ || released_ != released; });
      continue;
    }
    uint64_t in_window = decoded_ > window_ ? decoded_ - window_ : 0;
    uint64_t floor = std::min(released, in_window);
    while (!kept_.empty() && kept_.front().start < floor) {
      Piece& p = kept_.front();
      uint64_t cut = std::min<uint64_t>(p.size, floor - p.start);
      p.data += cut;
      p.size -= cut;
      p.start += cut;
      if (p.size == 0) kept_.pop_front();
    }
    if (kept_.empty()) {
      if (ring_size_ - write_ < kRoom) write_ = 0;
      *free = ring_size_ - write_;
      return ring_.get() + write_;
    }
    size_t oldest = static_cast<size_t>(kept_.front().data - ring_.get());
    if (oldest > write_) {  // the kept bytes go on past the ring's end and from its start
      *free = oldest - write_;
      if (*free >= kRoom) return ring_.get() + write_;
    } else {
      *free = ring_size_ - write_;
      if (*free >= kRoom) return ring_.get() + write_;
      if (oldest >= kRoom) {
        write_ = 0;
        *free = oldest;
        return ring_.get();
      }
    }
    if (released >= in_window) {
      // The window alone fills the ring: EnsureRing's size rules it out; do not wait forever.
      Fail("zstd window larger than its ring");
      return nullptr;
    }
    std::unique_lock lock(mu_);
    room_cv_.wait(lock, [&] { return stop_ || released_ != released; });
  }
}

void DecompressAhead::Publish(uint64_t decoded, bool end) {
  // libarchive's zstd filter hands out a block once full: an error drops what the last held,
  // and what the call of ZSTD_decompressStream that filled it wrote (see hold_last_).
  uint64_t upto = end ? decoded : decoded - decoded % block_size_;
  if (!end && hold_last_ && upto == decoded && upto > 0) upto -= block_size_;
  if (upto == published_) return;
  published_ = upto;
  ready_cv_.notify_one();
}

void DecompressAhead::FollowStreamBuffers(uint64_t frame_size, uint64_t window, size_t block_max) {
  // ZSTD_decompressStream's buffers for this frame: kept when large enough, unless more than 3
  // times too large for 128 frames in a row.
  size_t in = std::max<size_t>(block_max, 4);
  size_t out = ZSTD_decodingBufferSize_min(window, frame_size);
  if (ZSTD_isError(out)) out = 0;
  if (stream_in_size_ + stream_out_size_ >= (in + out) * 3)
    ++stream_oversized_frames_;
  else
    stream_oversized_frames_ = 0;
  if (stream_in_size_ < in || stream_out_size_ < out || stream_oversized_frames_ >= 128) {
    stream_in_size_ = in;
    stream_out_size_ = out;
  }
  stream_out_start_ = 0;
  frame_size_ = frame_size;
  stream_block_max_ = block_max;
}

void DecompressAhead::ReleaseHeld() {
  if (!hold_last_) return;
  hold_last_ = false;
  std::lock_guard lock(mu_);
  Publish(decoded_, false);
}

void DecompressAhead::End() {
  std::lock_guard lock(mu_);
  Publish(decoded_, true);
  ended_ = true;
  ready_cv_.notify_one();
}

void DecompressAhead::Fail(std::string error) {
  std::lock_guard lock(mu_);
  end_error_ = std::move(error);
  failed_ = true;
  ended_ = true;
  ready_cv_.notify_one();
}

bool DecompressAhead::Step() {
  ZSTD_DCtx* d = dctx_.get();
  size_t need = ZSTD_nextSrcSizeToDecompress(d);
  if (need == 0) {  // a frame ended (ZSTD_decompressStream returns): another may follow
    ReleaseHeld();
    size_t r = ZSTD_decompressBegin(d);
    if (ZSTD_isError(r)) {
      Fail(std::string("Error initializing zstd decompressor: ") + ZSTD_getErrorName(r));
      return false;
    }
    at_frame_start_ = true;
    skip_header_read_ = false;
    header_.clear();
    need = ZSTD_nextSrcSizeToDecompress(d);
  }
  ZSTD_nextInputType_e type = ZSTD_nextInputType(d);
  std::string_view src;
  switch (Take(need, type == ZSTDnit_skippableFrame && skip_header_read_, &src)) {
    case Taken::kAll:
      break;
    case Taken::kError:
      Fail(end_error_);
      return false;
    case Taken::kNone:
      if (at_frame_start_) {  // the input ends between frames
        End();
        return false;
      }
      [[fallthrough]];
    case Taken::kPart:
      Fail("Truncated zstd input");
      return false;
  }
  at_frame_start_ = false;
  char* dst = nullptr;
  size_t capacity = 0;
  if (type == ZSTDnit_frameHeader) {
    // Checked once whole, before libzstd takes its last bytes, as its streaming API does.
    header_.append(src);
    ZSTD_frameHeader h;
    if (ZSTD_getFrameHeader(&h, header_.data(), header_.size()) == 0 && h.frameType == ZSTD_frame) {
      // libzstd rounds a smaller window up to 1 KiB (ZSTD_WINDOWLOG_ABSOLUTEMIN).
      uint64_t window = std::max<uint64_t>(h.windowSize, uint64_t{1} << 10);
      if (window > kMaxWindow) {
        Fail(std::string("Zstd decompression failed: ") +
             ZSTD_getErrorString(ZSTD_error_frameParameter_windowTooLarge));
        return false;
      }
      EnsureRing(window);
      window_ = window;
      FollowStreamBuffers(h.frameContentSize, window, h.blockSizeMax);
    }
  } else if (type == ZSTDnit_blockHeader) {
    block_stored_ = !src.empty() && ((static_cast<unsigned char>(src[0]) >> 1) & 3) == 0;
  } else if (type == ZSTDnit_block || type == ZSTDnit_lastBlock) {
    size_t free = 0;
    dst = Room(&free);
    if (!dst) return false;
    // What ZSTD_decompressStream would give (a damaged block's error depends on it) within
    // what the ring has free; never less than kRoom, all a sound block needs.
    size_t stream_room =
        stream_out_size_ > stream_out_start_ ? stream_out_size_ - stream_out_start_ : 0;
    capacity = std::max(kRoom, std::min(free, stream_room));
  }
  size_t r = ZSTD_decompressContinue(d, dst, capacity, src.data(), src.size());
  if (ZSTD_isError(r)) {
    Fail(std::string("Zstd decompression failed: ") + ZSTD_getErrorName(r));
    return false;
  }
  if (type == ZSTDnit_skippableFrame) skip_header_read_ = true;
  if (r > 0) {
    Piece p{dst, r, decoded_};
    decoded_ += r;
    write_ = static_cast<size_t>(dst - ring_.get()) + r;
    Append(kept_, p);
    hold_last_ = decoded_ % block_size_ == 0;
    // A stored block is copied out as its input comes, any other decoded whole.
    if (!block_stored_) stream_pieces_.assign(1, r);
    for (size_t piece : stream_pieces_) {
      // Where ZSTD_decompressStream's next block goes after this one was copied out.
      stream_out_start_ += piece;
      if (stream_out_size_ < frame_size_ &&
          stream_out_start_ + stream_block_max_ > stream_out_size_)
        stream_out_start_ = 0;
    }
    std::lock_guard lock(mu_);
    Append(ready_, p);
    Publish(decoded_, false);
  }
  return true;
}

void DecompressAhead::Run() {
  try {
    while (Step()) {
    }
  } catch (const std::bad_alloc&) {
    Fail("out of memory");  // an exception must not leave this thread
  }
}

bool DecompressAhead::Next(std::string_view* block) {
  *block = {};
  if (eof_) return true;
  if (!error_.empty()) return false;
  std::unique_lock lock(mu_);
  released_ = handed_;  // the block handed out last is given back
  room_cv_.notify_one();
  ready_cv_.wait(lock, [&] { return published_ > handed_ || ended_; });
  if (scan_) {
    uint64_t pulled = pulled_.load(std::memory_order_relaxed);
    scan_->Consume(pulled - consumed_);
    consumed_ = pulled;
  }
  if (published_ <= handed_) {
    if (failed_) {
      error_ = end_error_;
      return false;
    }
    eof_ = true;
    return true;
  }
  size_t size = static_cast<size_t>(std::min<uint64_t>(block_size_, published_ - handed_));
  Piece& front = ready_.front();
  if (front.size >= size) {
    *block = std::string_view(front.data, size);
  } else {
    // The block spans the ring's wrap (or a ring replaced for a larger window): put together.
    if (!joined_) joined_ = std::make_unique_for_overwrite<char[]>(block_size_);
    size_t have = 0;
    for (const Piece& p : ready_) {
      size_t n = std::min(p.size, size - have);
      std::memcpy(joined_.get() + have, p.data, n);
      if ((have += n) == size) break;
    }
    *block = std::string_view(joined_.get(), size);
  }
  for (size_t left = size; left > 0;) {
    Piece& p = ready_.front();
    size_t n = std::min(p.size, left);
    p.data += n;
    p.size -= n;
    p.start += n;
    left -= n;
    if (p.size == 0) ready_.pop_front();
  }
  handed_ += size;
  return true;
}

}  // namespace ntpsweep::input
