#include "input/decompress_ahead.h"

#include <zstd.h>

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

}  // namespace

void DecompressAhead::DCtxFree::operator()(ZSTD_DCtx_s* d) const {
  ZSTD_freeDCtx(d);
}

std::unique_ptr<DecompressAhead> DecompressAhead::Open(ByteSource& inner, InputScan* scan,
                                                       uint64_t stored_size) {
  auto d = std::make_unique<DecompressAhead>(Key{}, inner, scan, stored_size);
  if (!d->dctx_) return nullptr;
  for (size_t i = 0; i < kAhead + 2; ++i) {
    d->blocks_.push_back(std::make_unique_for_overwrite<char[]>(d->block_size_));
    d->free_.push_back(kAhead + 1 - i);  // slot 0 taken first
  }
  d->free_.pop_back();
  size_t first = 0;
  // libarchive bids on the first block: none (the end, an error) is no stream it reads.
  if (!d->Decompress(0, &first)) return nullptr;
  // A compressed stream inside: libarchive would stack its filter on this one.
  if (ZstdMagic(d->blocks_[0].get(), first)) return nullptr;
  d->ready_.emplace_back(0, first);
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

bool DecompressAhead::Decompress(size_t slot, size_t* size) {
  // libarchive's zstd_filter_read: fill the block, frame after frame, until it is full or the
  // input ends; an error drops what the block held.
  ZSTD_outBuffer out{blocks_[slot].get(), block_size_, 0};
  *size = 0;
  while (out.pos < out.size && !stream_end_) {
    if (!in_frame_) {
      size_t r = ZSTD_initDStream(dctx_.get());
      if (ZSTD_isError(r)) {
        end_error_ = std::string("Error initializing zstd decompressor: ") + ZSTD_getErrorName(r);
        failed_ = true;
        return false;
      }
    }
    if (input_.empty()) {
      std::string_view block;
      if (!inner_.Next(&block)) {
        std::string e = inner_.error();
        end_error_ = e.empty() ? "read error" : e;
        failed_ = true;
        return false;
      }
      pulled_.fetch_add(block.size(), std::memory_order_relaxed);
      if (block.empty()) {
        if (in_frame_) {
          end_error_ = "Truncated zstd input";
          failed_ = true;
          return false;
        }
        stream_end_ = true;
        break;
      }
      input_ = block;
    }
    ZSTD_inBuffer in{input_.data(), input_.size(), 0};
    size_t r = ZSTD_decompressStream(dctx_.get(), &out, &in);
    if (ZSTD_isError(r)) {
      end_error_ = std::string("Zstd decompression failed: ") + ZSTD_getErrorName(r);
      failed_ = true;
      return false;
    }
    input_.remove_prefix(in.pos);
    in_frame_ = r != 0;  // more of this frame to come
  }
  *size = out.pos;
  return out.pos > 0;
}

void DecompressAhead::Run() {
  for (;;) {
    size_t slot = 0;
    {
      std::unique_lock lock(mu_);
      room_cv_.wait(lock, [&] { return stop_ || (ready_.size() < kAhead && !free_.empty()); });
      if (stop_) return;
      slot = free_.back();
      free_.pop_back();
    }
    size_t size = 0;
    bool more = false;
    try {
      more = Decompress(slot, &size);
    } catch (const std::bad_alloc&) {
      end_error_ = "out of memory";  // an exception must not leave this thread
      failed_ = true;
    }
    std::lock_guard lock(mu_);
    if (more)
      ready_.emplace_back(slot, size);
    else
      ended_ = true;
    ready_cv_.notify_one();
    if (!more) return;
  }
}

bool DecompressAhead::Next(std::string_view* block) {
  *block = {};
  if (eof_) return true;
  if (!error_.empty()) return false;
  std::unique_lock lock(mu_);
  if (current_ != SIZE_MAX) free_.push_back(current_);
  current_ = SIZE_MAX;
  ready_cv_.wait(lock, [&] { return !ready_.empty() || ended_; });
  if (scan_) {
    uint64_t pulled = pulled_.load(std::memory_order_relaxed);
    scan_->Consume(pulled - consumed_);
    consumed_ = pulled;
  }
  if (ready_.empty()) {
    if (failed_) {
      error_ = end_error_;
      return false;
    }
    eof_ = true;
    return true;
  }
  auto [slot, size] = ready_.front();
  ready_.pop_front();
  current_ = slot;
  lock.unlock();
  room_cv_.notify_one();
  *block = std::string_view(blocks_[slot].get(), size);
  return true;
}

}  // namespace ntpsweep::input
