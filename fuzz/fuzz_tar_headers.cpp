// libFuzzer target: the tar header reader of the tar reading thread (input/tar_headers.h) over a
// buffer, member after member as the walk calls it: every member it gives must lie whole in the
// buffer, after its headers, and the reader must move forward. Then over the same bytes as a
// decompressed stream of unknown size is read (SourceTarBlocks, in blocks of a size the input
// picks): the same members, and where the buffer reader handed back a member cut short, that
// member and no further one.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "input/stream.h"
#include "input/tar_headers.h"

namespace {

using ntpsweep::input::TarHeader;
using ntpsweep::input::TarStep;

// `data` in blocks of `block` bytes, as a decompressing source hands them out.
class BlockSource : public ntpsweep::input::ByteSource {
 public:
  BlockSource(std::string_view data, size_t block) : data_(data), block_(block) {}
  bool Next(std::string_view* out) override {
    *out = data_.substr(at_, block_);
    at_ += out->size();
    return true;
  }
  bool at_eof() const override { return at_ == data_.size(); }

 private:
  std::string_view data_;
  size_t block_;
  size_t at_ = 0;
};

struct Member {
  TarHeader::Type type;
  std::string name, link;
  uint64_t size, header_offset, data_offset;
  bool operator==(const Member&) const = default;
};

Member Of(const TarHeader& h) {
  return {h.type, h.name, h.link, h.size, h.header_offset, h.data_offset};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view tar(reinterpret_cast<const char*>(data), size);
  ntpsweep::input::MemoryTarBlocks in(tar);
  TarHeader h;
  uint64_t at = 0;
  std::vector<Member> members;
  TarStep last;
  while ((last = ntpsweep::input::ReadTarHeader(in, &h)) == TarStep::kMember) {
    const uint64_t end = h.data_offset + ((h.size + 511) & ~uint64_t{511});
    if (h.header_offset != at || h.data_offset <= h.header_offset || end > size || h.name.empty())
      std::abort();
    if (h.type != TarHeader::Type::kFile && h.size != 0) std::abort();
    members.push_back(Of(h));
    in.Seek(static_cast<size_t>(end));
    at = end;
  }

  const size_t block = size == 0 ? 1 : 1 + static_cast<size_t>(data[size - 1]) * 61;
  BlockSource blocks(tar, block);
  ntpsweep::input::SourceTarBlocks stream(blocks, ntpsweep::input::TarBlocks::kUnknownSize);
  uint64_t next = 0;
  size_t given = 0;
  for (;;) {
    TarStep step =
        stream.SkipTo(next) ? ntpsweep::input::ReadTarHeader(stream, &h) : TarStep::kHandBack;
    if (step != TarStep::kMember) {
      // The same end; a hand-back, at the member cut short at the latest.
      if (given < members.size() || (step == TarStep::kEnd) != (last == TarStep::kEnd))
        std::abort();
      break;
    }
    if (given < members.size()) {
      if (!(Of(h) == members[given])) std::abort();
    } else if (given > members.size() || last == TarStep::kEnd ||
               h.data_offset + ((h.size + 511) & ~uint64_t{511}) <= size) {
      std::abort();  // past the members given from the buffer: only one cut short
    }
    ++given;
    next = h.data_offset + ((h.size + 511) & ~uint64_t{511});
  }
  return 0;
}
