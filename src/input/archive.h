// Archives and compressed files through libarchive, read as streams: nested archives are read
// from their parent's data blocks (no temporary files), every member is sniffed by content and
// followed into (archive, image, disk) or handed to the pipeline as text. Shared by the
// container and disk openers, which feed files they find to ScanContent.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "input/archive_sniff.h"
#include "input/container.h"
#include "input/input.h"

namespace ntpsweep::input {

// One operand's reading: limits and the counters they apply to, notices, the amendment for the
// post-pass (flushed to the sink when the InputScan ends).
class InputScan {
 public:
  InputScan(const WalkOptions& options, EntrySink& sink, uint64_t input_size);
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
  // Facts every entry read now carries (partition, file system): set by the disk walker.
  std::vector<std::pair<std::string, std::string>>& properties() { return properties_; }
  void AddEntry() {
    if (options_.progress) options_.progress->AddEntry();
  }

 private:
  const WalkOptions& options_;
  EntrySink& sink_;
  Amendment amendment_;
  uint64_t input_size_;
  uint64_t produced_ = 0;
  uint64_t consumed_ = 0;
  bool stopped_ = false;
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
  virtual int64_t Seek(int64_t offset, int whence) {
    (void)offset, (void)whence;
    return -1;
  }
  // True when the source stopped early because a limit was hit (not an error, not the end).
  virtual bool limited() const { return false; }
};

// Reads a file descriptor (a regular file, seekable, or a pipe). Counts the bytes as consumed.
class FdSource : public ByteSource {
 public:
  FdSource(int fd, bool seekable, InputScan* scan);
  bool Next(std::string_view* block) override;
  bool at_eof() const override { return eof_; }
  std::string error() const override { return error_; }
  bool seekable() const override { return seekable_; }
  int64_t Seek(int64_t offset, int whence) override;

 private:
  int fd_;
  bool seekable_;
  InputScan* scan_;
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
  bool entry_limit() const { return entry_limit_; }

 private:
  ByteSource& inner_;
  InputScan& scan_;
  const Chain& chain_;
  uint64_t produced_ = 0;
  bool limited_ = false;
  bool entry_limit_ = false;
};

// Reads `src`, the content at `chain` that rules see as `path`: follows it when it is an
// archive, an image or a disk (if `depth` allows another level), else hands it to the pipeline
// as one entry. When `layer` is set and the content is a tar, its entries are listed there; when
// `keep` is set and the content is small text, a copy is kept there (image metadata).
void ScanContent(InputScan& scan, ByteSource& src, const Chain& chain, const std::string& path,
                 int depth, LayerIndex* layer, std::string* keep);

// Walks the archive in `src` (already sniffed as `format`). `self` receives its entry list.
// Returns the ImageProbe it collected (for callers that assemble an image themselves).
void WalkArchive(InputScan& scan, ByteSource& src, const Chain& chain, const std::string& path,
                 int depth, const Sniffed& format, std::string_view head, LayerIndex* self);

// Sniffs a regular file and, when it is an archive, compressed file, image or disk, reads it.
// False for plain files (the caller scans them as text). Used by the operand table and by the
// directory walker (--archives).
bool OpenContainerFile(const std::string& fs_path, const std::string& display,
                       const WalkOptions& options, EntrySink& sink, bool operand = false);

// Member names as stored: "./etc//x" -> "etc/x". Leading "/" and "../" segments are dropped;
// `unsafe` tells that a ".." or absolute name was seen.
std::string NormalizeMemberName(std::string_view name, bool* unsafe);

// The target of a symbolic link at `link`, resolved lexically inside the root that holds both
// (an archive, a layer, a file system): an absolute target starts at that root and ".." never
// climbs above it. Links are followed through `links` (path -> target), at most 8 hops; "" for
// a loop.
std::string ResolveInsideRoot(const std::string& link, const std::string& target);
std::string FollowLinks(const std::map<std::string, std::string>& links, const std::string& link);

// Operand openers (the table in filesystem.cpp).
bool OpenStdinOperand(const std::string& operand, const WalkOptions& options, EntrySink& sink);
bool OpenArchiveOperand(const std::string& operand, const WalkOptions& options, EntrySink& sink);

}  // namespace ntpsweep::input
