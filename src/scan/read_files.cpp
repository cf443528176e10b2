#include "scan/read_files.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/file.h"

namespace ntpsweep::scan {
namespace {

void PutVarint(std::string* out, size_t v) {
  for (; v >= 0x80; v >>= 7) out->push_back(static_cast<char>((v & 0x7f) | 0x80));
  out->push_back(static_cast<char>(v));
}

// The index of `value` in `table`, added when new: a scan has a few operands, hence a few values.
size_t Intern(std::vector<std::string>* table, std::string_view value) {
  for (size_t i = table->size(); i-- > 0;)
    if ((*table)[i] == value) return i;
  table->emplace_back(value);
  return table->size() - 1;
}

// An unlinked file in `dir` for this process alone, or -1 and `error`.
int OpenTempFile(const std::string& dir, std::string* error) {
  int fd = open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (fd >= 0) return fd;
  // File systems without O_TMPFILE: a named file, unlinked at once.
  std::string name = dir + "/ntpsweep-files-XXXXXX";
  fd = mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) {
    *error = "cannot make a temporary file in " + dir + ": " + std::strerror(errno);
    return -1;
  }
  unlink(name.c_str());
  return fd;
}

}  // namespace

SpillStream::SpillStream(size_t block_bytes, std::string temp_dir, std::string what)
    : block_bytes_(std::max<size_t>(block_bytes, 1)),
      temp_dir_(std::move(temp_dir)),
      what_(std::move(what)) {
  if (temp_dir_.empty()) {
    const char* env = std::getenv("TMPDIR");
    temp_dir_ = env && *env ? env : "/tmp";
  }
}

SpillStream::~SpillStream() = default;

ReadFiles::ReadFiles(size_t memory_bytes, std::string temp_dir, uint64_t text_bytes)
    : stream_(memory_bytes, temp_dir, "the list of files read"),
      texts_(kTextMemoryBytes, std::move(temp_dir), "the texts of the linkage candidates"),
      text_bytes_(text_bytes) {}

ReadFiles::~ReadFiles() = default;

bool ReadFiles::TextHasRoom(size_t n) {
  if (n > text_bytes_ || texts_.size() + n > text_bytes_) return false;
  // Made with the first text: without it (or past a failed write) the texts stay in memory, up
  // to kTextHoldBytes.
  if (texts_.Open() && texts_.spill_error().empty()) return true;
  return texts_.size() + n <= kTextHoldBytes;
}

size_t ReadFiles::Add(const Location& location, std::string_view path, std::string_view fs_path,
                      std::string_view root, bool link, std::optional<std::string_view> text,
                      bool unread) {
  size_t index = count_++;
  size_t shared = 0;
  if (index % kRestart != 0)
    while (shared < path.size() && shared < last_.size() && path[shared] == last_[shared]) ++shared;
  std::string& record = record_;
  record.clear();
  PutVarint(&record, shared);
  PutVarint(&record, path.size() - shared);
  record.append(path.substr(shared));
  if (fs_path.size() >= path.size() && fs_path.ends_with(path)) {
    PutVarint(&record, 1 + Intern(&prefixes_, fs_path.substr(0, fs_path.size() - path.size())));
  } else {
    PutVarint(&record, 0);
    PutVarint(&record, fs_path.size());
    record.append(fs_path);
  }
  PutVarint(&record, Intern(&roots_, root) * 4 + (unread ? 2 : 0) + (link ? 1 : 0));
  if (index % kRestart == 0) restarts_.push_back(stream_.size());
  if (link) {
    // Its text's length plus one, 0 when not kept; the text itself goes to texts_.
    const bool keep = text && TextHasRoom(text->size());
    PutVarint(&record, keep ? text->size() + 1 : 0);
    if (keep) {
      texts_.Append(*text);
      ++texts_kept_;
    }
  }
  stream_.Append(record);
  last_.assign(path);
  if (!(location.chain.size() == 1 && location.chain[0] == path))
    other_locations_.emplace(index, location);
  return index;
}

void SpillStream::Append(std::string_view bytes) {
  total_ += bytes.size();
  if (bytes.size() >= kWriteThroughBytes && WriteThrough(bytes)) return;
  while (!bytes.empty()) {
    if (blocks_.empty() || blocks_.back().size() == block_bytes_) {
      if (blocks_.empty() || !Spill()) {
        blocks_.emplace_back();
        blocks_.back().reserve(block_bytes_);
      }
    }
    std::string& b = blocks_.back();
    size_t n = std::min(bytes.size(), block_bytes_ - b.size());
    b.append(bytes.substr(0, n));
    bytes.remove_prefix(n);
  }
}

bool SpillStream::Open() {
  if (spill_) return true;
  if (!spill_error_.empty()) return false;
  int fd = OpenTempFile(temp_dir_, &spill_error_);
  if (fd < 0) return false;
  spill_ = std::make_unique<Fd>(fd);
  return true;
}

bool SpillStream::WriteAtEnd(std::string_view bytes) {
  for (size_t done = 0; done < bytes.size();) {
    ssize_t n = pwrite(spill_->get(), bytes.data() + done, bytes.size() - done,
                       static_cast<off_t>(spilled_ + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // What was written past spilled_ is never read: the bytes stay in memory from here on.
      spill_error_ = "cannot write a temporary file in " + temp_dir_ + ": " +
                     (n < 0 ? std::strerror(errno) : "no space");
      return false;
    }
    done += static_cast<size_t>(n);
  }
  spilled_ += bytes.size();
  return true;
}

bool SpillStream::Spill() {
  if (!spill_error_.empty() || blocks_.size() != 1 || !Open()) return false;
  if (!WriteAtEnd(blocks_.back())) return false;
  blocks_.back().clear();
  return true;
}

bool SpillStream::WriteThrough(std::string_view bytes) {
  // Once the file is made (the bytes would go there anyway), every byte before these is in it
  // but the last block's; with more blocks in memory (no file) the bytes join them.
  if (!spill_ || !spill_error_.empty() || blocks_.size() > 1) return false;
  if (!blocks_.empty()) {
    if (!WriteAtEnd(blocks_.back())) return false;
    blocks_.back().clear();
  }
  return WriteAtEnd(bytes);
}

bool SpillStream::Read(uint64_t at, size_t n, std::string* out, std::string* error) const {
  out->resize(n);
  if (Read(at, n, out->data(), error)) return true;
  out->clear();
  return false;
}

bool SpillStream::Read(uint64_t at, size_t n, char* out, std::string* error) const {
  size_t done = 0;
  if (at < spilled_) {
    const size_t want = static_cast<size_t>(std::min<uint64_t>(n, spilled_ - at));
    int error_number = 0;
    done = PreadFull(spill_->get(), at, out, want, &error_number);
    if (done < want) {
      *error = "cannot read back " + what_ + " (" + temp_dir_ +
               "): " + (error_number ? std::strerror(error_number) : "end of file");
      return false;
    }
  }
  while (done < n) {
    uint64_t rel = at + done - spilled_;
    const std::string& b = blocks_[rel / block_bytes_];
    size_t off = rel % block_bytes_;
    size_t k = std::min(n - done, b.size() - off);
    std::memcpy(out + done, b.data() + off, k);
    done += k;
  }
  return true;
}

size_t SpillStream::bytes_in_memory() const {
  size_t n = 0;
  for (const std::string& b : blocks_) n += b.capacity();
  return n;
}

size_t ReadFiles::bytes_in_memory() const {
  return restarts_.capacity() * sizeof(uint64_t) + stream_.bytes_in_memory();
}

ReadEntry ReadFiles::Make(size_t index, const std::string& path, size_t prefix,
                          const std::string& own_fs_path, size_t root, bool link,
                          bool unread) const {
  ReadEntry e;
  e.path = path;
  FsPathOf(prefix, e.path, own_fs_path, &e.fs_path);
  e.root = roots_[root];
  e.link = link;
  e.unread = unread;
  e.location = LocationOf(index, e.path);
  return e;
}

void ReadFiles::FsPathOf(size_t prefix, std::string_view path, const std::string& own_fs_path,
                         std::string* out) const {
  if (prefix == 0) {
    out->assign(own_fs_path);
    return;
  }
  out->assign(prefixes_[prefix - 1]);
  out->append(path);
}

Location ReadFiles::LocationOf(size_t i, std::string_view path) const {
  auto other = other_locations_.find(i);
  return other != other_locations_.end() ? other->second : Location{{std::string(path)}};
}

void ReadFiles::Stream::FsPath(std::string* out) const {
  files_.FsPathOf(prefix_, path_, own_fs_path_, out);
}

bool ReadFiles::Get(size_t i, ReadEntry* out, std::string* error) const {
  size_t group = i / kRestart;
  uint64_t begin = restarts_[group];
  uint64_t end = group + 1 < restarts_.size() ? restarts_[group + 1] : stream_.size();
  Stream s(*this);
  s.index_ = group * kRestart;
  s.at_ = begin;
  if (!stream_.Read(begin, static_cast<size_t>(end - begin), &s.buf_, error)) return false;
  while (s.index_ <= i) s.Next();
  *out = s.Entry();
  return true;
}

bool ReadFiles::Stream::Next() {
  if (index_ >= files_.count_ || !error_.empty()) return false;
  ++index_;
  size_t shared = Varint(), rest = Varint();
  path_.resize(shared);
  Bytes(rest, &path_);
  prefix_ = Varint();
  own_fs_path_.clear();
  if (prefix_ == 0) Bytes(Varint(), &own_fs_path_);
  size_t root = Varint();
  root_ = root / 4;
  unread_ = (root & 2) != 0;
  link_ = (root & 1) != 0;
  const size_t kept = link_ ? Varint() : 0;
  kept_ = kept != 0;
  text_at_ = text_end_;
  text_size_ = kept_ ? kept - 1 : 0;
  text_end_ += text_size_;
  return error_.empty();
}

unsigned char ReadFiles::Stream::Byte() {
  if (pos_ == buf_.size()) {
    // Sequential reads in chunks: a pread per file cost more than the file's decoding.
    constexpr size_t kChunk = 64u << 10;
    at_ += buf_.size();
    pos_ = 0;
    size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, files_.stream_.size() - at_));
    // Past a failed read every byte is 0 (an empty record): Next() then says false.
    if (n == 0 || !files_.stream_.Read(at_, n, &buf_, &error_)) {
      buf_.clear();
      if (error_.empty()) error_ = "the list of files read ends early";
      return 0;
    }
  }
  return static_cast<unsigned char>(buf_[pos_++]);
}

size_t ReadFiles::Stream::Varint() {
  size_t v = 0;
  for (int shift = 0;; shift += 7) {
    unsigned char byte = Byte();
    v |= static_cast<size_t>(byte & 0x7f) << shift;
    if (!(byte & 0x80)) return v;
  }
}

void ReadFiles::Stream::Bytes(size_t n, std::string* out) {
  while (n > 0) {
    if (pos_ == buf_.size()) {
      out->push_back(static_cast<char>(Byte()));
      if (!error_.empty()) return;
      --n;
      continue;
    }
    size_t k = std::min(n, buf_.size() - pos_);
    out->append(buf_, pos_, k);
    pos_ += k;
    n -= k;
  }
}

}  // namespace ntpsweep::scan
