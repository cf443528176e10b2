// Content kind -> reader (bloaty's table of TryOpen functions). Content is sniffed by its first
// bytes (archive_sniff.h) and handed to the reader registered for its kind in dispatch.cpp; the
// archive and disk readers register there and never include each other, and a container image
// is a tar the archive reader walks and the image model (container.h) resolves. Adding a format
// is adding its reader file and a line in that table.
#pragma once

#include <string>
#include <string_view>

#include "core/types.h"
#include "input/archive_sniff.h"
#include "input/container.h"
#include "input/input.h"
#include "input/stream.h"

namespace ntpsweep::input {

// Content read front to back from `src` (its first bytes `head` are replayed by it), nested
// `depth` levels deep. `layer` (when set) receives the entries of a tar.
using StreamReaderFn = void (*)(InputScan& scan, ByteSource& src, const Chain& chain,
                                const std::string& path, int depth, const Sniffed& kind,
                                std::string_view head, LayerIndex* layer);
// Content that needs random access, found in a stream and held in memory (within --max-buffer).
using MemoryReaderFn = void (*)(InputScan& scan, std::string data, const Chain& chain,
                                const std::string& path, int depth, const Sniffed& kind,
                                LayerIndex* layer);
// A regular file (an operand or a file met in a directory), open as `fd`, at `chain`.
// `operand`: it was named on the command line, so not being able to open it is an error.
using FileReaderFn = void (*)(InputScan& scan, int fd, const std::string& fs_path,
                              const Chain& chain, const Sniffed& kind, bool operand);

struct ContentReader {
  ContentKind kind;
  StreamReaderFn stream;  // null: cannot be read from a stream; given a seekable source only
                          // when `memory` is set too
  MemoryReaderFn memory;  // set: needs random access, so a stream is buffered for it
  FileReaderFn file;
};

// Why an archive, image or disk below an operand was skipped unread with --archives off.
inline constexpr std::string_view kArchiveNotOpened = "archive-not-opened";

// The format of `head` (a file's first bytes) when it is content the readers here would open
// (an archive, compressed file, image or disk, also the ones named unsupported); else "".
std::string ContainerFormat(std::string_view head);

// --archives off: counts the container of `format` at `where` as kArchiveNotOpened and names it
// on -v.
void CountNotOpened(EntrySink& sink, const WalkOptions& options, const std::string& where,
                    std::string_view format);

// The reader of `kind`; null for plain content and kinds nothing reads.
const ContentReader* FindContentReader(ContentKind kind);

// Reads `src`, the content at `chain` that rules see as `path`: follows it when it is an
// archive, an image or a disk (if `depth` allows another level), else hands it to the pipeline
// as one entry. When `layer` is set and the content is a tar, its entries are listed there; when
// `keep` is set and the content is small text, a copy is kept there (image metadata).
// With --archives off, an archive, image or disk found below an operand is counted
// (kArchiveNotOpened) and not read, unless `part_of_parent`: the content of a compressed
// stream that was opened, or a layer blob of an image operand.
void ScanContent(InputScan& scan, ByteSource& src, const Chain& chain, const std::string& path,
                 int depth, LayerIndex* layer, std::string* keep, bool part_of_parent = false);

// Sniffs a regular file and, when it is an archive, compressed file, image or disk, reads it.
// False for plain files (the caller scans them as text). Used by the operand table and by the
// directory walker (--archives).
bool OpenContainerFile(const std::string& fs_path, const std::string& display,
                       const WalkOptions& options, EntrySink& sink, bool operand = false);

// Whether OpenContainerFile could take a file with this head (its first kSniffBytes) and size:
// false means it is a plain file for sure, so a worker that already read the head need not
// open it again.
bool MayBeContainer(std::string_view head, uint64_t size);

// Operand openers (the table in filesystem.cpp).
bool OpenStdinOperand(const std::string& operand, const WalkOptions& options, EntrySink& sink);
bool OpenArchiveOperand(const std::string& operand, const WalkOptions& options, EntrySink& sink);

}  // namespace ntpsweep::input
