// Archives and compressed files through libarchive, read as streams: nested archives are read
// from their parent's data blocks (no temporary files), every member is sniffed by content and
// handed back to the dispatcher (input/dispatch.h), which follows it into an archive, image or
// disk or hands it to the pipeline as text. Registered in the table in dispatch.cpp.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "core/fd.h"
#include "input/archive_sniff.h"
#include "input/container.h"
#include "input/stream.h"

namespace ntpsweep {
class ReadBuffer;  // core/file.h
}  // namespace ntpsweep

namespace ntpsweep::input {

// Walks the archive in `src` (already sniffed as `format`). `self` receives its entry list.
void WalkArchive(InputScan& scan, ByteSource& src, const Chain& chain, const std::string& path,
                 int depth, const Sniffed& format, std::string_view head, LayerIndex* self);

// A 7-Zip archive (it needs random access) found in a stream and held in memory.
void ReadArchiveMemory(InputScan& scan, std::string data, const Chain& chain,
                       const std::string& path, int depth, const Sniffed& format,
                       LayerIndex* self);

// An uncompressed tar file opened once, to read members again by the offset of their headers
// (Entry::archive_offset): linkage reads a thousand members of a root file system this way.
class TarMembers {
 public:
  explicit TarMembers(const std::string& fs_path);
  // False when the file cannot be opened or is not an archive (any more).
  bool ok() const { return ok_; }
  // Reads again the member (shown under `display`) whose headers start at `offset`, and what
  // follows it as far as `options.only` wants. False when the file is no longer a tar there.
  // Safe to call from several threads at once.
  bool ReadAt(const std::string& display, uint64_t offset, const WalkOptions& options,
              EntrySink& sink) const;
  // Reads again the plain member `name` of `size` bytes (headers at `offset`, data at
  // `data_offset`: Entry::archive_data_offset) by pread alone, as ReadAt would give it, with no
  // archive object made and no header parsed but its own; `name` empty: the one its header
  // holds (a member with no pax or GNU name header). False, having read nothing, when the block
  // before `data_offset` is not a sound header of a regular file of `size` bytes that fits the
  // file, or `options.only` does not want it (the caller then uses ReadAt). With
  // `options.sink_reads_members`, a text member larger than its first read comes with
  // Entry::member_file (the sink reads it). Safe to call from several threads at once.
  bool ReadDataAt(const std::string& display, std::string_view name, uint64_t offset,
                  uint64_t data_offset, uint64_t size, const WalkOptions& options,
                  EntrySink& sink) const;
  // The first `limit` bytes of the data of the member ReadDataAt would read (its header checked
  // alike, `only` as options.only), read with its header in one pread into `storage`; `*data`
  // views them. False, as ReadDataAt, when that header is not the member's, or when the file
  // ends before them: a look at a member's bytes before it is read as an entry (or not at all).
  // Safe to call from several threads at once.
  bool ReadPlainData(const std::string& display, std::string_view name, uint64_t offset,
                     uint64_t data_offset, uint64_t size, const MemberFilter* only, size_t limit,
                     ReadBuffer* storage, std::string_view* data) const;

 private:
  // Whether `header`, the block before `data_offset`, is a sound header of the regular file of
  // `size` bytes that ReadDataAt is asked for, fitting the file and wanted by `only`; `*chain`:
  // the member's chain.
  bool PlainHeader(const std::string& display, std::string_view name, uint64_t offset,
                   uint64_t data_offset, uint64_t size, const MemberFilter* only,
                   std::string_view header, Chain* chain) const;

  std::shared_ptr<const Fd> file_;  // shared with the entries a sink reads itself
  uint64_t size_ = 0;
  Sniffed format_;
  std::string head_;
  bool ok_ = false;
};

// TarMembers(fs_path).ReadAt(...): one member alone.
bool ReadTarMemberAt(const std::string& fs_path, const std::string& display, uint64_t offset,
                     const WalkOptions& options, EntrySink& sink);

// An archive or compressed file on the file system, open as `fd`.
void ReadArchiveFile(InputScan& scan, int fd, const std::string& fs_path, const Chain& chain,
                     const Sniffed& format, bool operand);

}  // namespace ntpsweep::input
