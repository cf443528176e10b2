#include "input/decompress_ahead.h"

#include <archive.h>
#include <archive_entry.h>

#include <cerrno>
#include <new>
#include <system_error>

namespace ntpsweep::input {

void DecompressAhead::ArchiveFree::operator()(archive* a) const {
  archive_read_free(a);
}

std::unique_ptr<DecompressAhead> DecompressAhead::Open(ByteSource& inner, InputScan* scan,
                                                       uint64_t stored_size) {
  auto d = std::make_unique<DecompressAhead>(Key{}, inner, scan, stored_size);
  archive* a = d->a_.get();
  if (!a) return nullptr;
  archive_read_support_filter_zstd(a);
  archive_read_support_format_raw(a);
  archive_read_set_callback_data(a, d.get());
  // As the reader's own callback reads its source (archive.cpp), errors and all.
  archive_read_set_read_callback(a, [](archive* ar, void* self, const void** buf) -> la_ssize_t {
    auto* me = static_cast<DecompressAhead*>(self);
    std::string_view block;
    if (!me->inner_.Next(&block)) {
      std::string e = me->inner_.error();
      archive_set_error(ar, EIO, "%s", e.empty() ? "read error" : e.c_str());
      return -1;
    }
    me->pulled_.fetch_add(block.size(), std::memory_order_relaxed);
    *buf = block.data();
    return static_cast<la_ssize_t>(block.size());
  });
  archive_entry* entry = nullptr;
  if (archive_read_open1(a) != ARCHIVE_OK || archive_read_next_header(a, &entry) != ARCHIVE_OK)
    return nullptr;
  // One zstd stream (the filter and the reading under it), nothing stacked on it.
  if (archive_filter_count(a) != 2 || archive_filter_code(a, 0) != ARCHIVE_FILTER_ZSTD)
    return nullptr;
  std::string first;
  if (!d->Decompress(&first)) return nullptr;
  d->ready_.push_back(std::move(first));
  try {
    d->thread_ = std::thread([p = d.get()] { p->Run(); });
  } catch (const std::system_error&) {
    return nullptr;  // no thread to be had: read as before
  }
  return d;
}

DecompressAhead::DecompressAhead(Key, ByteSource& inner, InputScan* scan, uint64_t stored_size)
    : inner_(inner), scan_(scan), stored_size_(stored_size), a_(archive_read_new()) {}

DecompressAhead::~DecompressAhead() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  room_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

bool DecompressAhead::Decompress(std::string* out) {
  const void* buf = nullptr;
  size_t len = 0;
  la_int64_t offset = 0;
  int r = archive_read_data_block(a_.get(), &buf, &len, &offset);
  if (r == ARCHIVE_EOF) return false;
  if (r < ARCHIVE_WARN) {
    const char* e = archive_error_string(a_.get());
    end_error_ = e ? e : "read error";
    failed_ = true;
    return false;
  }
  out->assign(static_cast<const char*>(buf), len);
  return true;
}

void DecompressAhead::Run() {
  for (;;) {
    std::string block;
    {
      std::unique_lock lock(mu_);
      room_cv_.wait(lock, [&] { return stop_ || ready_.size() < kAhead; });
      if (stop_) return;
      if (!spare_.empty()) {
        block = std::move(spare_.back());
        spare_.pop_back();
      }
    }
    bool more = false;
    try {
      more = Decompress(&block);
    } catch (const std::bad_alloc&) {
      end_error_ = "out of memory";  // an exception must not leave this thread
      failed_ = true;
    }
    std::lock_guard lock(mu_);
    if (more)
      ready_.push_back(std::move(block));
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
  if (current_.capacity() > 0) spare_.push_back(std::move(current_));
  current_ = std::string();
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
  current_ = std::move(ready_.front());
  ready_.pop_front();
  lock.unlock();
  room_cv_.notify_one();
  *block = current_;
  return true;
}

}  // namespace ntpsweep::input
