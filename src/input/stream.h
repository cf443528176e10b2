// Bytes as every reader sees them: pull sources (a file descriptor, memory, a member of an
// archive, a file inside a disk image) and the InputScan that applies one operand's limits
// and collects its notices. Shared by all readers; knows none of them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "input/input.h"

namespace ntpsweep::input {

// One operand's reading: limits and the counters they apply to, notices, the amendment for the
// post-pass (flushed to the sink when the InputScan ends).
class InputScan {
 public:
  InputScan(const WalkOptions& options, EntrySink& sink, uint64_t input_size);
  // The options are held by reference: a temporary would be gone before the first read.
  InputScan(WalkOptions&&, EntrySink&, uint64_t) = delete;
  ~InputScan();
  InputScan(const InputScan&) = delete;
  InputScan& operator=(const InputScan&) = delete;

  const WalkOptions& options() const { return options_; }
  const Limits& limits() const { return options_.limits; }
  EntrySink& sink() { return sink_; }
  Amendment& amendment() { return amendment_; }

  void Note(Notice::Level level, std::string id, const Chain& where, std::string message);
  // Bytes decompressed (any level) at `where`. False once a per-input limit stopped the input:
  // every reader then unwinds.
  bool Produce(uint64_t n, const Chain& where);
  // Bytes of the operand itself read (the ratio's denominator for streams).
  void Consume(uint64_t n);
  bool stopped() const { return stopped_; }
  // False, with a notice naming `where`, when the scan's --max-total-bytes is used up: the
  // container is then not opened at all.
  bool Admit(const Chain& where);
  // Facts every entry read now carries (partition, file system): set by the disk walker.
  std::vector<std::pair<std::string, std::string>>& properties() { return properties_; }
  void AddEntry() {
    if (options_.progress) options_.progress->AddEntry();
  }
  // The archive level that is the operand itself (1, or deeper under its compression: the tar
  // of a .tar.gz): with --archives off, archives below it are not opened.
  int operand_depth() const { return operand_depth_; }
  void DescendOperand() { ++operand_depth_; }
  // Where the member being read starts in the operand file (Entry::archive_offset), or -1.
  int64_t member_offset() const { return member_offset_; }
  void set_member_offset(int64_t offset) { member_offset_ = offset; }
  // Where its data starts (Entry::archive_data_offset), or -1.
  int64_t member_data_offset() const { return member_data_offset_; }
  void set_member_data_offset(int64_t offset) { member_data_offset_ = offset; }
  // How many of the streams being read are slow to decompress (gzip, bzip2, xz...).
  bool in_slow_stream() const { return slow_streams_ > 0; }
  void AddSlowStreams(int n) { slow_streams_ += n; }
  // Whether the entry being read is a file of a disk image file (Entry::cheap_to_rewalk).
  bool cheap_to_rewalk() const { return cheap_to_rewalk_; }
  void set_cheap_to_rewalk(bool cheap) { cheap_to_rewalk_ = cheap; }
  // Whether the entry being read is the only member of a compressed file (Entry::sole_member).
  bool sole_member() const { return sole_member_; }
  void set_sole_member(bool sole) { sole_member_ = sole; }

 private:
  const WalkOptions& options_;
  EntrySink& sink_;
  Amendment amendment_;
  uint64_t input_size_;
  uint64_t produced_ = 0;
  uint64_t consumed_ = 0;
  bool stopped_ = false;
  int operand_depth_ = 1;
  int64_t member_offset_ = -1;
  int64_t member_data_offset_ = -1;
  int slow_streams_ = 0;
  bool cheap_to_rewalk_ = false;
  bool sole_member_ = false;
  std::vector<std::pair<std::string, std::string>> properties_;
};

// A pull stream of bytes.
class ByteSource {
 public:
  virtual ~ByteSource() = default;
  // The next block, valid until the next call; empty at the end. False on a read error.
  virtual bool Next(std::string_view* block) = 0;
  virtual bool at_eof() const = 0;
  virtual std::string error() const { return ""; }
  virtual bool seekable() const { return false; }
  // Up to `len` bytes at `offset` without moving the stream (false: not supported or failed).
  virtual bool ReadAt(uint64_t offset, size_t len, std::string* out) {
    (void)offset, (void)len, (void)out;
    return false;
  }
  virtual int64_t Seek(int64_t offset, int whence) {
    (void)offset, (void)whence;
    return -1;
  }
  // True when the source stopped early because a limit was hit (not an error, not the end).
  virtual bool limited() const { return false; }
  // How many bytes it holds when known beforehand (an archive member's stored size), else 0.
  virtual uint64_t size_hint() const { return 0; }
  // Hands its first `want` bytes over to be read later by pread (Entry::member_file), counted
  // against the limits now: true with `*file` and `*bytes` set when it lies whole in a file it
  // can name; false (nothing read or counted) when it must be read now.
  virtual bool Defer(uint64_t want, std::shared_ptr<const Fd>* file, uint64_t* bytes) {
    (void)want, (void)file, (void)bytes;
    return false;
  }
  // Defer for bytes that lie in pieces of `*file` (a file of a raw disk image): `*extents` say
  // where (Entry::member_extents).
  virtual bool DeferExtents(uint64_t want, std::shared_ptr<const Fd>* file, uint64_t* bytes,
                            std::vector<FileExtent>* extents) {
    (void)want, (void)file, (void)bytes, (void)extents;
    return false;
  }
};

// Reads a file descriptor (a regular file, seekable, or a pipe). Counts the bytes as consumed.
class FdSource : public ByteSource {
 public:
  static constexpr size_t kReadBlock = 1u << 20;
  // `read_size`: the bytes asked of each read (a plain tar skips what it does not read by seeking).
  FdSource(int fd, bool seekable, InputScan* scan, size_t read_size = kReadBlock);
  bool Next(std::string_view* block) override;
  bool at_eof() const override { return eof_; }
  std::string error() const override { return error_; }
  bool seekable() const override { return seekable_; }
  int64_t Seek(int64_t offset, int whence) override;
  bool ReadAt(uint64_t offset, size_t len, std::string* out) override;

 private:
  int fd_;
  bool seekable_;
  InputScan* scan_;
  size_t read_size_;
  std::string buffer_;
  bool eof_ = false;
  std::string error_;
};

// Bytes held in memory (a 7z member, a small raw disk image), seekable.
class MemorySource : public ByteSource {
 public:
  explicit MemorySource(std::string data) : data_(std::move(data)) {}
  bool Next(std::string_view* block) override;
  bool at_eof() const override { return pos_ >= data_.size(); }
  bool seekable() const override { return true; }
  int64_t Seek(int64_t offset, int whence) override;
  bool ReadAt(uint64_t offset, size_t len, std::string* out) override;
  const std::string& data() const { return data_; }

 private:
  std::string data_;
  size_t pos_ = 0;
};

// Applies the per-entry and per-input limits to a source that reads a file (inside a disk
// image): it ends early, with entry_limit() or the input stopped, when one is hit.
class LimitedSource : public ByteSource {
 public:
  LimitedSource(ByteSource& inner, InputScan& scan, const Chain& chain)
      : inner_(inner), scan_(scan), chain_(chain) {}
  bool Next(std::string_view* block) override;
  bool at_eof() const override { return inner_.at_eof(); }
  std::string error() const override { return inner_.error(); }
  bool limited() const override { return limited_; }
  uint64_t size_hint() const override { return inner_.size_hint(); }
  bool entry_limit() const { return entry_limit_; }
  // The limits Next applies, to the bytes the worker will read.
  bool DeferExtents(uint64_t want, std::shared_ptr<const Fd>* file, uint64_t* bytes,
                    std::vector<FileExtent>* extents) override;

 private:
  ByteSource& inner_;
  InputScan& scan_;
  const Chain& chain_;
  uint64_t produced_ = 0;
  bool limited_ = false;
  bool entry_limit_ = false;
};

// Replays the first bytes of a source (read for sniffing) before the rest of it.
class PeekSource : public ByteSource {
 public:
  explicit PeekSource(ByteSource& inner) : inner_(inner) {}

  // Reads until `n` bytes are held or the source ends. False on a read error. Only `n` are
  // copied: the rest of the last block waits in place (a binary member needs its head alone,
  // and copying whole 1 MiB blocks of them was most of the reading thread's copies). A head
  // within the first block is not copied at all: it stays a view of that block (valid until
  // the inner source is read again; Own() copies it) and most members are decided by it alone.
  bool Fill(size_t n) {
    if (head_.empty() && pending_.empty() && !inner_eof_ && !borrowed_) {  // nothing read yet
      std::string_view b;
      if (!inner_.Next(&b)) return false;
      if (b.empty()) {
        inner_eof_ = true;
        return true;
      }
      view_ = b.substr(0, 0);
      pending_ = b;
      borrowed_ = true;
    }
    if (borrowed_) {
      // The rest of the block follows the view: the view grows within it.
      size_t more = std::min(pending_.size(), n - std::min(n, view_.size()));
      view_ = std::string_view(view_.data(), view_.size() + more);
      pending_.remove_prefix(more);
      if (view_.size() >= n || !pending_.empty()) return true;
      Own();  // the next block is needed: copied from here on
    }
    while (head_.size() < n && !(pending_.empty() && inner_eof_)) {
      std::string_view b = pending_;
      if (b.empty()) {
        if (!inner_.Next(&b)) return false;
        if (b.empty()) {
          inner_eof_ = true;
          break;
        }
      }
      size_t take = std::min(b.size(), n - head_.size());
      head_.append(b.data(), take);
      pending_ = b.substr(take);
    }
    return true;
  }
  std::string_view head() const { return borrowed_ ? view_ : std::string_view(head_); }
  // Copies a head that is a view of the inner source's block: head() then stays valid however
  // the source is read (a reader that keeps the head while it reads on).
  void Own() {
    if (!borrowed_) return;
    head_.assign(view_);
    borrowed_ = false;
  }
  // The head, handed over instead of replayed (it becomes the entry's bytes, copied once at
  // most): Next() then goes on after it. `capacity`: what the caller will append up to.
  std::string TakeHead(size_t capacity = 0) {
    replayed_ = true;
    if (!borrowed_) return std::move(head_);
    std::string head;
    head.reserve(std::max(capacity, view_.size()));
    head.append(view_);
    borrowed_ = false;
    return head;
  }

  bool Next(std::string_view* block) override {
    if (!replayed_) {
      replayed_ = true;
      if (std::string_view h = head(); !h.empty()) {
        *block = h;
        return true;
      }
    }
    if (!pending_.empty()) {  // still valid: the inner source was not asked for more since
      *block = pending_;
      pending_ = {};
      return true;
    }
    if (inner_eof_) {
      *block = {};
      return true;
    }
    if (!inner_.Next(block)) return false;
    if (block->empty()) inner_eof_ = true;
    return true;
  }
  bool at_eof() const override { return replayed_ && pending_.empty() && inner_eof_; }
  std::string error() const override { return inner_.error(); }
  bool limited() const override { return inner_.limited(); }
  uint64_t size_hint() const override { return inner_.size_hint(); }
  // The whole source, head included, as long as nothing past the head was handed out.
  bool Defer(uint64_t want, std::shared_ptr<const Fd>* file, uint64_t* bytes) override {
    return !replayed_ && inner_.Defer(want, file, bytes);
  }
  bool DeferExtents(uint64_t want, std::shared_ptr<const Fd>* file, uint64_t* bytes,
                    std::vector<FileExtent>* extents) override {
    return !replayed_ && inner_.DeferExtents(want, file, bytes, extents);
  }

 private:
  ByteSource& inner_;
  std::string head_;
  std::string_view view_;     // the head while it is in the inner source's first block
  std::string_view pending_;  // the part of the inner source's last block not in the head
  bool borrowed_ = false;     // the head is view_, not head_
  bool replayed_ = false;
  bool inner_eof_ = false;
};


// Reads the whole source into memory, up to `cap`. False when it is larger (or unreadable).
bool Buffer(ByteSource& src, uint64_t cap, std::string* out, std::string* error);

}  // namespace ntpsweep::input
