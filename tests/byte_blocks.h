// A byte string handed out in fixed-size blocks (headers and trailers split across them), as a
// ByteSource and as libarchive's read callback: the decompressing readers' tests feed both
// their reader and libarchive's own filter, their reference, from it.
#pragma once

#include <archive.h>

#include <algorithm>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include "input/stream.h"

namespace ntpsweep::testing {

struct ArchiveReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

// Remembers the threads that asked for blocks (a reader may read ahead on a thread of its own).
class ByteBlocks : public input::ByteSource {
 public:
  ByteBlocks(std::string data, size_t block) : data_(std::move(data)), block_(block) {}
  bool Next(std::string_view* b) override {
    {
      std::lock_guard lock(mu_);
      threads_.insert(std::this_thread::get_id());
    }
    size_t n = std::min(block_, data_.size() - pos_);
    *b = std::string_view(data_).substr(pos_, n);
    pos_ += n;
    eof_ = n == 0;
    return true;
  }
  bool at_eof() const override { return eof_; }
  std::set<std::thread::id> threads() {
    std::lock_guard lock(mu_);
    return threads_;
  }

 private:
  std::string data_;
  size_t block_, pos_ = 0;
  bool eof_ = false;
  std::mutex mu_;
  std::set<std::thread::id> threads_;
};

// libarchive's read callback over the ByteBlocks given as its callback data.
inline la_ssize_t ReadByteBlocks(archive*, void* blocks, const void** buf) {
  std::string_view b;
  static_cast<ByteBlocks*>(blocks)->Next(&b);
  *buf = b.data();
  return static_cast<la_ssize_t>(b.size());
}

}  // namespace ntpsweep::testing
