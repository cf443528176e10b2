#include "input/stream.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/file.h"

namespace ntpsweep::input {
namespace {

constexpr size_t kReadBlock = FdSource::kReadBlock;

}  // namespace

InputScan::InputScan(const WalkOptions& options, EntrySink& sink, uint64_t input_size)
    : options_(options), sink_(sink), input_size_(input_size) {
  amendment_.all_layers = options.all_layers;
}

InputScan::~InputScan() {
  if (!amendment_.empty()) sink_.Amend(std::move(amendment_));
}

void InputScan::Note(Notice::Level level, std::string id, const Chain& where, std::string message) {
  sink_.Report(Notice{level, std::move(id), Location{where}, 0, 0, std::move(message)});
}

bool InputScan::Produce(uint64_t n, const Chain& where) {
  if (stopped_) return false;
  produced_ += n;
  const Limits& l = options_.limits;
  if (produced_ > l.max_input_bytes) {
    stopped_ = true;
    Note(Notice::Level::kWarning, "limit-input-size", where,
         Location{where}.Render() + ": stopped reading this input after " +
             HumanBytes(l.max_input_bytes) + " decompressed (--max-input-size)");
    return false;
  }
  if (options_.budget && !options_.budget->Spend(n)) {
    stopped_ = true;
    Note(Notice::Level::kWarning, "limit-total-size", where,
         Location{where}.Render() + ": stopped reading: the scan decompressed " +
             HumanBytes(options_.budget->max()) +
             " in all, its budget for every input together (--max-total-bytes)");
    return false;
  }
  // A file's size, not the bytes read from it: a zip's reader seeks back and reads shared data
  // again, which must not lower the ratio. Streams have only what was read so far.
  uint64_t base = input_size_ ? input_size_ : consumed_;
  if (produced_ > Limits::kRatioFloor && base > 0 && produced_ / base >= l.max_ratio) {
    stopped_ = true;
    Note(Notice::Level::kWarning, "limit-ratio", where,
         Location{where}.Render() + ": stopped reading this input: " + HumanBytes(produced_) +
             " decompressed from " + HumanBytes(base) + " is more than " +
             std::to_string(l.max_ratio) + " times its size (a decompression bomb?) (--max-ratio)");
    return false;
  }
  return true;
}

bool InputScan::Admit(const Chain& where) {
  if (!options_.budget || !options_.budget->exhausted()) return true;
  Note(Notice::Level::kWarning, "limit-total-size", where,
       Location{where}.Render() + ": not opened: the scan already decompressed " +
           HumanBytes(options_.budget->max()) +
           ", its budget for every input together (--max-total-bytes)");
  return false;
}

void InputScan::Consume(uint64_t n) {
  consumed_ += n;
  if (options_.progress) options_.progress->AddBytes(n);
}

// ---------------------------------------------------------------------------------------------
// Sources

FdSource::FdSource(int fd, bool seekable, InputScan* scan, size_t read_size)
    : fd_(fd), seekable_(seekable), scan_(scan), read_size_(read_size) {}

bool FdSource::Next(std::string_view* block) {
  if (buffer_.size() != read_size_) buffer_.resize(read_size_);
  for (;;) {
    ssize_t n = read(fd_, buffer_.data(), buffer_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      error_ = std::strerror(errno);
      return false;
    }
    if (n == 0) eof_ = true;
    if (scan_) scan_->Consume(static_cast<uint64_t>(n));
    *block = std::string_view(buffer_.data(), static_cast<size_t>(n));
    return true;
  }
}

int64_t FdSource::Seek(int64_t offset, int whence) {
  if (!seekable_) return -1;
  off_t r = lseek(fd_, offset, whence);
  if (r >= 0) eof_ = false;
  return r;
}

bool FdSource::ReadAt(uint64_t offset, size_t len, std::string* out) {
  if (!seekable_) return false;
  out->resize(len);
  int error_number = 0;
  out->resize(PreadFull(fd_, offset, out->data(), len, &error_number));
  return out->size() == len;
}

bool MemorySource::ReadAt(uint64_t offset, size_t len, std::string* out) {
  if (offset > data_.size() || len > data_.size() - offset) return false;
  out->assign(data_, static_cast<size_t>(offset), len);
  return true;
}

bool MemorySource::Next(std::string_view* block) {
  size_t n = std::min(kReadBlock, data_.size() - std::min(pos_, data_.size()));
  *block = std::string_view(data_).substr(std::min(pos_, data_.size()), n);
  pos_ += n;
  return true;
}

int64_t MemorySource::Seek(int64_t offset, int whence) {
  int64_t base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? static_cast<int64_t>(pos_)
                                                             : static_cast<int64_t>(data_.size());
  int64_t p = base + offset;
  if (p < 0) return -1;
  pos_ = static_cast<size_t>(p);
  return p;
}

bool LimitedSource::Next(std::string_view* block) {
  *block = {};
  if (limited_) return true;
  if (!inner_.Next(block)) return false;
  produced_ += block->size();
  if (!scan_.Produce(block->size(), chain_)) {
    limited_ = true;
    *block = {};
  } else if (produced_ > scan_.limits().max_entry_bytes) {
    limited_ = entry_limit_ = true;
    *block = block->substr(0, block->size() - static_cast<size_t>(produced_ - scan_.limits().max_entry_bytes));
  }
  return true;
}

bool LimitedSource::DeferExtents(uint64_t want, std::shared_ptr<const Fd>* file, uint64_t* bytes,
                                 std::vector<FileExtent>* extents) {
  // A file over --max-entry-size is read here, for that limit's notice.
  const uint64_t size = inner_.size_hint();
  if (limited_ || size > scan_.limits().max_entry_bytes ||
      !inner_.DeferExtents(want, file, bytes, extents))
    return false;
  const uint64_t n = std::min(size, want);
  if (n > produced_) {
    if (!scan_.Produce(n - produced_, chain_)) {
      limited_ = true;
      file->reset();
      extents->clear();
      *bytes = 0;
      return false;
    }
    produced_ = n;
  }
  return true;
}

bool Buffer(ByteSource& src, uint64_t cap, std::string* out, std::string* error) {
  std::string_view b;
  for (;;) {
    if (!src.Next(&b)) {
      *error = src.error();
      return false;
    }
    if (b.empty()) return !src.limited();
    if (out->size() + b.size() > cap) {
      *error = "larger than the random-access buffer (--max-buffer " + HumanBytes(cap) + ")";
      return false;
    }
    out->append(b.data(), b.size());
  }
}

}  // namespace ntpsweep::input
