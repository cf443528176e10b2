// core/file.h ReadFile into a reused ReadBuffer: whatever the files read before (larger, smaller,
// binary), each read views exactly that file's bytes up to the limit.
#include <fcntl.h>

#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/fd.h"
#include "core/file.h"
#include "run_binary.h"

using ntpsweep::ReadBuffer;
using ntpsweep::ReadBufferPool;
using ntpsweep::ReadFile;
using ntpsweep::testing::TempDir;
using ntpsweep::testing::WriteWholeFile;

namespace {

struct Read {
  bool ok = false, truncated = false, binary = false;
  std::string text, error;
  uint64_t size = 0;
};

Read Take(const std::string& path, size_t limit, ReadBuffer* buffer) {
  Read r;
  std::string_view data;
  r.ok = ReadFile(path, limit, buffer, &data, &r.truncated, &r.binary, &r.error, &r.size);
  r.text = std::string(data);
  return r;
}

// Text of `n` bytes that differs at every position from a shifted copy of itself.
std::string Pattern(size_t n, char seed) {
  std::string s(n, ' ');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
  for (size_t i = 63; i < n; i += 64) s[i] = '\n';
  return s;
}

}  // namespace

TEST_CASE("read file: one buffer across small, large, binary and truncated files", "[readfile]") {
  TempDir dir;
  const std::string small = Pattern(100, 1), large = Pattern(300000, 2), mid = Pattern(20000, 3);
  std::string binary = Pattern(50000, 4);
  binary[10] = '\0';
  WriteWholeFile(dir / "small", small);
  WriteWholeFile(dir / "large", large);
  WriteWholeFile(dir / "mid", mid);
  WriteWholeFile(dir / "binary", binary);
  WriteWholeFile(dir / "empty", "");

  ReadBuffer buffer;
  Read r = Take(dir / "small", 1 << 20, &buffer);
  CHECK(r.ok);
  CHECK(r.text == small);
  CHECK(r.size == small.size());
  r = Take(dir / "large", 1 << 20, &buffer);  // grows past the first block, keeping it
  CHECK(r.text == large);
  CHECK_FALSE(r.truncated);
  CHECK(buffer.capacity() >= large.size());
  r = Take(dir / "mid", 1 << 20, &buffer);  // smaller after larger: only its own bytes
  CHECK(r.text == mid);
  r = Take(dir / "small", 1 << 20, &buffer);
  CHECK(r.text == small);
  r = Take(dir / "empty", 1 << 20, &buffer);
  CHECK(r.ok);
  CHECK(r.text.empty());
  r = Take(dir / "large", 1000, &buffer);  // the limit: the head, and truncated
  CHECK(r.truncated);
  CHECK(r.text == large.substr(0, 1000));
  r = Take(dir / "large", 10000, &buffer);  // a limit past the first block
  CHECK(r.text == large.substr(0, 10000));

  // A binary file stops after its first block, and a fresh buffer grows only to that block.
  ReadBuffer fresh;
  r = Take(dir / "binary", 1 << 20, &fresh);
  CHECK(r.binary);
  CHECK(r.text == binary.substr(0, ntpsweep::kSniffBytes));
  CHECK(fresh.capacity() == ntpsweep::kSniffBytes);

  r = Take(dir / "missing", 1 << 20, &buffer);
  CHECK_FALSE(r.ok);
  CHECK_FALSE(r.error.empty());
  r = Take(dir.path(), 1 << 20, &buffer);  // a directory is not a regular file
  CHECK_FALSE(r.ok);
}

TEST_CASE("read buffer: growth keeps the bytes asked for and doubles", "[readfile]") {
  ReadBuffer b;
  CHECK(b.capacity() == 0);
  b.Reserve(4);
  REQUIRE(b.capacity() == 4);
  std::memcpy(b.data(), "abcd", 4);
  b.Reserve(5, 4);
  CHECK(b.capacity() == 8);  // doubled, not just the 5 asked for
  CHECK(std::string_view(b.data(), 4) == "abcd");
  char* before = b.data();
  b.Reserve(8);
  CHECK(b.data() == before);  // room enough: nothing moves
  b.Reserve(100, 2);
  CHECK(b.capacity() == 100);
  CHECK(std::string_view(b.data(), 2) == "ab");
}

TEST_CASE("read buffer pool: a grown buffer comes back unless it is over the limit", "[readfile]") {
  ReadBufferPool pool;
  CHECK(pool.Take().capacity() == 0);  // none spare yet
  ReadBuffer small;
  small.Reserve(4096);
  const char* small_bytes = small.data();
  pool.GiveBack(std::move(small), 8192);
  ReadBuffer large;
  large.Reserve(16384);
  pool.GiveBack(std::move(large), 8192);  // over the limit: dropped, not kept
  ReadBuffer again = pool.Take();
  CHECK(again.capacity() == 4096);
  CHECK(again.data() == small_bytes);  // the same memory, not a fresh buffer
  CHECK(pool.Take().capacity() == 0);
  pool.GiveBack(std::move(again));
  pool.Clear();
  CHECK(pool.Take().capacity() == 0);
}

TEST_CASE("read buffer: prefaulting keeps the bytes and stops at the capacity", "[readfile]") {
  ReadBuffer b;
  b.Reserve(1 << 20);
  const std::string head = Pattern(100000, 5);
  std::memcpy(b.data(), head.data(), head.size());
  b.Prefault(b.capacity() + 4096);  // past the capacity: only the buffer's own pages
  b.Prefault(1 << 20);              // again: nothing left to map
  CHECK(std::string_view(b.data(), head.size()) == head);
  b.Reserve(3 << 20, head.size());  // grown: the kept bytes are there, the rest mapped anew
  b.Prefault(3 << 20);
  CHECK(std::string_view(b.data(), head.size()) == head);
  std::memset(b.data() + head.size(), 'x', (3 << 20) - head.size());
  CHECK(b.data()[(3 << 20) - 1] == 'x');
}

TEST_CASE("read file extents: pieces in their order, holes as zeros, a cut file named",
          "[readfile][extents]") {
  // An "image" whose pieces lie out of order, with decoy bytes between and under the hole.
  TempDir dir;
  const std::string first = "server 10.20.30.40\n", second = "pool ntp-old.corp.example.com\n";
  std::string image = "DECOY-" + second + "DECOY-" + first + "DECOY-DECOY";
  WriteWholeFile(dir / "image", image);
  ntpsweep::Fd fd(open((dir / "image").c_str(), O_RDONLY | O_CLOEXEC));
  REQUIRE(fd.get() >= 0);
  const uint64_t at_first = image.find(first), at_second = image.find(second);
  const std::vector<ntpsweep::FileExtent> pieces = {
      {at_first, first.size(), false},
      {0, 4, true},  // a hole: zeros, not the bytes at offset 0 ("DECO")
      {at_second, second.size(), false},
  };
  ReadBuffer buffer;
  std::string_view data;
  std::string error;
  const size_t whole = first.size() + 4 + second.size();
  REQUIRE(ntpsweep::ReadFileExtents(fd.get(), pieces, whole, &buffer, &data, &error));
  CHECK(data == first + std::string(4, '\0') + second);

  // Fewer bytes than the pieces hold: the first ones alone, the cut inside a piece.
  REQUIRE(ntpsweep::ReadFileExtents(fd.get(), pieces, first.size() + 2, &buffer, &data, &error));
  CHECK(data == first + std::string(2, '\0'));

  // A piece past the end of the image: the part read is kept, and the cut is named.
  const std::vector<ntpsweep::FileExtent> cut = {{at_first, first.size(), false},
                                                 {image.size() - 3, 10, false}};
  CHECK_FALSE(ntpsweep::ReadFileExtents(fd.get(), cut, first.size() + 10, &buffer, &data, &error));
  CHECK(data == first + "COY");
  CHECK(error.find("ends inside it") != std::string::npos);

  // Pieces that end before the size asked for.
  CHECK_FALSE(ntpsweep::ReadFileExtents(fd.get(), pieces, whole + 1, &buffer, &data, &error));
  CHECK(data.size() == whole);
}
