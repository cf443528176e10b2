// libFuzzer target: the tar header reader of the plain tar's reading thread (input/tar_headers.h)
// over a buffer, member after member as the walk calls it: every member it gives must lie whole
// in the buffer, after its headers, and the reader must move forward.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "input/tar_headers.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ntpsweep::input::TarHeader;
  using ntpsweep::input::TarStep;
  std::string_view tar(reinterpret_cast<const char*>(data), size);
  ntpsweep::input::MemoryTarBlocks in(tar);
  TarHeader h;
  uint64_t at = 0;
  while (ntpsweep::input::ReadTarHeader(in, &h) == TarStep::kMember) {
    const uint64_t end = h.data_offset + ((h.size + 511) & ~uint64_t{511});
    if (h.header_offset != at || h.data_offset <= h.header_offset || end > size || h.name.empty())
      std::abort();
    if (h.type != TarHeader::Type::kFile && h.size != 0) std::abort();
    in.Seek(static_cast<size_t>(end));
    at = end;
  }
  return 0;
}
