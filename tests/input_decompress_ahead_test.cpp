// A zstd operand decompressed on a thread of its own (input/decompress_ahead.h): the bytes, the
// blocks and the errors are those of libarchive's zstd filter read in the reader's archive, and
// a zstd file operand gives the same entries and notices as the same bytes read as a stream.
#include <archive.h>
#include <archive_entry.h>
#include <zstd.h>

#include <catch2/catch.hpp>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "byte_blocks.h"
#include "collecting_sink.h"
#include "input/archive_sniff.h"
#include "input/decompress_ahead.h"
#include "input/dispatch.h"
#include "input/stream.h"
#include "memory_archive.h"
#include "run_binary.h"

namespace {

using namespace ntpsweep;
using namespace ntpsweep::input;

using Blocks = ntpsweep::testing::ByteBlocks;
using ReadFree = ntpsweep::testing::ArchiveReadFree;

// `members` as a pax tar, or (raw) the one member's bytes alone, zstd-compressed.
std::string Zstd(const ntpsweep::testing::ArchiveFiles& members, bool raw = false) {
  auto format = raw ? archive_write_set_format_raw : archive_write_set_format_pax_restricted;
  return ntpsweep::testing::MemoryArchive(members, format, {archive_write_add_filter_zstd});
}

std::string Noise(size_t n, uint32_t seed) {
  std::string s;
  s.reserve(n);
  for (size_t i = 0; i < n; ++i) s += static_cast<char>((seed = seed * 1103515245 + 12345) >> 24);
  return s;
}

std::string Lines(int n, const std::string& word) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "server " + std::to_string(i) + "." + word + " iburst\n";
  return s;
}

// `data` as one zstd frame of a window of 2^`window_log` bytes, its size not in its header.
std::string Frame(const std::string& data, int window_log, int level = 3) {
  std::unique_ptr<ZSTD_CCtx, decltype(&ZSTD_freeCCtx)> c(ZSTD_createCCtx(), ZSTD_freeCCtx);
  REQUIRE(c);
  ZSTD_CCtx_setParameter(c.get(), ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(c.get(), ZSTD_c_windowLog, window_log);
  ZSTD_CCtx_setParameter(c.get(), ZSTD_c_contentSizeFlag, 0);
  ZSTD_CCtx_setParameter(c.get(), ZSTD_c_checksumFlag, 1);
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress2(c.get(), out.data(), out.size(), data.data(), data.size());
  REQUIRE_FALSE(ZSTD_isError(n));
  out.resize(n);
  // With no content size, no single segment: byte 5 is the window descriptor, 2^(10+e).
  REQUIRE((static_cast<unsigned char>(out[4]) & 0x20) == 0);
  REQUIRE(static_cast<unsigned char>(out[5]) >> 3 == window_log - 10);
  return out;
}

struct Decompressed {
  std::vector<size_t> blocks;  // their sizes, in order
  std::string data;
  std::string error = "-";  // "-": none
  bool operator==(const Decompressed&) const = default;
};

// libarchive's zstd filter over `zst` in the reader's own archive, the raw format reading it.
Decompressed Reference(const std::string& zst, size_t block) {
  Blocks src(zst, block);
  std::unique_ptr<archive, ReadFree> a(archive_read_new());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_format_raw(a.get());
  archive_read_set_callback_data(a.get(), &src);
  archive_read_set_read_callback(a.get(), ntpsweep::testing::ReadByteBlocks);
  Decompressed out;
  archive_entry* e = nullptr;
  REQUIRE(archive_read_open1(a.get()) == ARCHIVE_OK);
  REQUIRE(archive_read_next_header(a.get(), &e) == ARCHIVE_OK);
  for (;;) {
    const void* b = nullptr;
    size_t len = 0;
    la_int64_t off = 0;
    int r = archive_read_data_block(a.get(), &b, &len, &off);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) {
      out.error = archive_error_string(a.get());
      break;
    }
    out.blocks.push_back(len);
    out.data.append(static_cast<const char*>(b), len);
  }
  return out;
}

// `adjacent`: of the blocks handed out, those that start where the last one ended.
Decompressed Ahead(const std::string& zst, size_t block, bool* other_thread = nullptr,
                   size_t* adjacent = nullptr) {
  Blocks src(zst, block);
  Decompressed out;
  const char* last_end = nullptr;
  {
    std::unique_ptr<DecompressAhead> s = DecompressAhead::Open(src, nullptr, zst.size());
    REQUIRE(s);
    for (std::string_view b;;) {
      if (!s->Next(&b)) {
        out.error = s->error();
        break;
      }
      if (b.empty()) {
        CHECK(s->at_eof());
        break;
      }
      out.blocks.push_back(b.size());
      out.data.append(b);
      if (adjacent && b.data() == last_end) ++*adjacent;
      last_end = b.data() + b.size();
    }
  }
  if (other_thread)
    *other_thread =
        src.threads().count(std::this_thread::get_id()) == 0 || src.threads().size() > 1;
  return out;
}

using FakeSink = ntpsweep::testing::CollectingSink;

// The .tar.zst at `path` (holding `zst`) read as a file operand into `file` (libzstd into the
// ring), checked against the same bytes read as a stream (libarchive's own zstd filter in the
// reader's archive): the same entries and notices.
void ReadAsFileAndStream(const std::string& path, const std::string& zst, FakeSink* file) {
  REQUIRE(OpenContainerFile(path, "rootfs.tar.zst", WalkOptions{}, *file, true));
  FakeSink stream;
  {
    WalkOptions options;
    InputScan scan(options, stream, zst.size());
    MemorySource src(zst);
    ScanContent(scan, src, Chain{"rootfs.tar.zst"}, "rootfs.tar.zst", 0, nullptr, nullptr);
  }
  REQUIRE(file->entries.size() == stream.entries.size());
  for (size_t i = 0; i < file->entries.size(); ++i) {
    CHECK(file->entries[i].location == stream.entries[i].location);
    CHECK(file->entries[i].data == stream.entries[i].data);
    CHECK(file->entries[i].costly_to_reread == stream.entries[i].costly_to_reread);
    CHECK(file->entries[i].archive_offset == stream.entries[i].archive_offset);
  }
  REQUIRE(file->notices.size() == stream.notices.size());
  for (size_t i = 0; i < file->notices.size(); ++i) {
    CHECK(file->notices[i].id == stream.notices[i].id);
    CHECK(file->notices[i].message == stream.notices[i].message);
  }
}

}  // namespace

TEST_CASE("zstd decompressed ahead gives libarchive's zstd filter's blocks and errors",
          "[input][zstd]") {
  // Past one 128 KiB block of output, text and noise (stored blocks) both.
  const std::string text =
      Lines(20000, "pool.ntp.org") + Noise(300000, 7) + Lines(20000, "tail.example");
  const std::string a = Zstd({{"data", text}}, true), b = Zstd({{"data", "tail\n"}}, true);
  REQUIRE(a.size() > 4096);
  std::string flipped = a;
  for (size_t i = a.size() - 2000; i < a.size() - 1500; ++i) flipped[i] = '\xff';
  const std::string skippable = std::string("\x50\x2a\x4d\x18\x04\x00\x00\x00skip", 12);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"one frame", a},
      {"two frames", a + b},
      {"a skippable frame between", a + skippable + b},
      {"trailing garbage", a + "garbage, not a zstd frame\n"},
      {"trailing zeros", a + std::string(1000, '\0')},
      {"cut in the data", a.substr(0, a.size() * 3 / 4)},
      {"cut at the end", a.substr(0, a.size() - 2)},
      {"damaged data", flipped},
  };
  std::set<std::string> errors;
  for (const auto& [what, zst] : cases) {
    for (size_t block : {size_t{1} << 20, size_t{4096}, size_t{7}}) {
      INFO(what << ", blocks of " << block);
      Decompressed want = Reference(zst, block);
      bool other_thread = false;
      Decompressed got = Ahead(zst, block, &other_thread);
      CHECK(got.error == want.error);
      CHECK(got.blocks == want.blocks);
      CHECK(got.data == want.data);
      // The compressed bytes past the first block were read on the thread, not the reader's.
      if (block < zst.size() / 2) CHECK(other_thread);
      errors.insert(want.error);
    }
  }
  // The cases reach libarchive's outcomes: the data whole, cut, and failed.
  CHECK(errors == std::set<std::string>{"-", "Truncated zstd input",
                                        "Zstd decompression failed: Data corruption detected",
                                        "Zstd decompression failed: Unknown frame descriptor"});
}

TEST_CASE("zstd frames decoded into the reader's ring: wraps, windows, errors as libarchive's",
          "[input][zstd]") {
  // Several times the ring (window + kAhead blocks), text and noise: compressed, raw blocks.
  std::string text;
  for (int i = 0; i < 6; ++i)
    text += Lines(30000, "pool" + std::to_string(i) + ".example") + Noise(200000, i);
  const std::string small = Frame(text, 17), large = Frame(text, 23);
  const std::string skippable = std::string("\x5a\x2a\x4d\x18\x03\x00\x00\x00", 8) + "abc";
  // A window above libzstd's default limit (2^27 + 1): refused at the frame's header.
  std::string too_large = Frame(Lines(100, "x.example"), 10);
  too_large[5] = static_cast<char>(18 << 3);  // 2^28
  std::string flipped = large;                // the second frame's blocks damaged near its end
  for (size_t i = flipped.size() - 3000; i < flipped.size() - 2900; ++i) flipped[i] ^= 0x5a;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"a small window, the ring wraps", small},
      {"a larger window in the next frame", small + skippable + large},
      {"a smaller window after a larger one", large + small},
      {"a window too large", small + too_large + small},
      {"cut in the second frame", small + large.substr(0, large.size() / 2)},
      {"damaged in the second frame", small + flipped},
  };
  std::set<std::string> errors;
  for (const auto& [what, zst] : cases) {
    for (size_t block : {size_t{1} << 20, size_t{1000}}) {
      INFO(what << ", blocks of " << block);
      Decompressed want = Reference(zst, block);
      size_t adjacent = 0;
      Decompressed got = Ahead(zst, block, nullptr, &adjacent);
      CHECK(got.error == want.error);
      CHECK(got.blocks == want.blocks);
      CHECK(got.data == want.data);
      // The blocks are libzstd's output where it wrote it, one after the other (no copy), but
      // at the ring's wraps.
      CHECK(adjacent * 4 > got.blocks.size() * 3);
      errors.insert(want.error);
    }
  }
  CHECK(errors == std::set<std::string>{
                      "-", "Truncated zstd input",
                      "Zstd decompression failed: Frame requires too much memory for decoding",
                      "Zstd decompression failed: Restored data doesn't match checksum"});
}

TEST_CASE("zstd damaged anywhere: the same blocks, bytes and error as libarchive's filter",
          "[input][zstd]") {
  // Compressed and stored blocks in two frames of small windows (the ring wraps), a byte
  // spoiled at positions across them, read in input blocks of three sizes.
  const std::string text =
      Lines(40000, "pool.ntp.org") + Noise(400000, 9) + Lines(30000, "x.example");
  const std::string zst = Frame(text, 18) + Frame(text.substr(0, 700000), 17, 1);
  std::set<std::string> errors;
  for (size_t i = 1; i < 48; ++i) {
    std::string damaged = zst;
    size_t at = zst.size() * i / 48;
    damaged[at] = static_cast<char>(damaged[at] ^ (0x11 * (i % 15 + 1)));
    for (size_t block : {size_t{1} << 20, size_t{5000}, size_t{333}}) {
      INFO("byte " << at << " of " << zst.size() << ", blocks of " << block);
      Decompressed want = Reference(damaged, block);
      Decompressed got = Ahead(damaged, block);
      CHECK(got.error == want.error);
      CHECK(got.blocks == want.blocks);
      CHECK(got.data == want.data);
      errors.insert(want.error);
    }
  }
  CHECK(errors.size() >= 2);  // damage that libzstd catches in more than one way
}

TEST_CASE("a zstd file of frames past its ring: a cut and a damaged frame are named",
          "[input][zstd]") {
  const std::string conf = "server ntp-old.corp.example.com iburst\n";
  const std::string tar =
      ntpsweep::testing::MemoryArchive({{"etc/a.conf", Lines(60000, "one.example")},
                                        {"bin/blob", Noise(2500000, 5)},
                                        {"etc/chrony.conf", conf},
                                        {"usr/share/b.txt", Lines(60000, "two.example")}},
                                       archive_write_set_format_pax_restricted);
  // Two frames of small windows, split inside the noise: the ring wraps in each.
  const size_t split = tar.size() / 2;
  const std::string first = Frame(tar.substr(0, split), 18), second = Frame(tar.substr(split), 18);
  std::string damaged = first + second;
  for (size_t i = first.size() + 100; i < first.size() + 160; ++i) damaged[i] ^= 0x33;
  for (const auto& [what, zst] : std::vector<std::pair<std::string, std::string>>{
           {"whole", first + second},
           {"cut", first + second.substr(0, second.size() - 500)},
           {"damaged", damaged}}) {
    INFO(what);
    ntpsweep::testing::TempDir tmp;
    const std::string path = tmp / "rootfs.tar.zst";
    ntpsweep::testing::WriteWholeFile(path, zst);
    FakeSink file;
    ReadAsFileAndStream(path, zst, &file);
    if (what == "whole") {
      // Decoy: every member, no notice.
      REQUIRE(file.entries.size() == 4);
      CHECK(file.entries[2].data == conf);
      CHECK(file.notices.empty());
    } else {
      // The members before the damage are read; the notice names the place.
      REQUIRE(file.entries.size() >= 1);
      CHECK(file.entries[0].data == Lines(60000, "one.example"));
      REQUIRE(file.notices.size() == 1);
      INFO(file.notices[0].message);
      CHECK(file.notices[0].message.find("rootfs.tar.zst") != std::string::npos);
      CHECK(file.notices[0].message.find(what == "cut"
                                             ? "Truncated zstd input"
                                             : "Zstd decompression failed") != std::string::npos);
    }
  }
}

TEST_CASE("what gives no first zstd block is left to the reader's own archive", "[input][zstd]") {
  const std::string a = Zstd({{"data", "server 10.0.0.1\n"}}, true);
  // The last: zstd inside zstd, where libarchive stacks a second filter of its own.
  for (const std::string& bytes :
       {std::string("not zstd at all\n"), Zstd({{"data", ""}}, true), a.substr(0, 6),
        a.substr(0, 4) + std::string(64, '\xff'), Zstd({{"data", a}}, true)}) {
    Blocks src(bytes, 4096);
    CHECK_FALSE(DecompressAhead::Open(src, nullptr, bytes.size()));
  }
  // Decoy: the whole stream is taken.
  Blocks whole(a, 4096);
  CHECK(DecompressAhead::Open(whole, nullptr, a.size()));
}

TEST_CASE("a reader that stops early ends the thread", "[input][zstd]") {
  const std::string zst = Zstd({{"data", Noise(4u << 20, 3)}}, true);
  Blocks src(zst, 1u << 16);
  std::unique_ptr<DecompressAhead> s = DecompressAhead::Open(src, nullptr, zst.size());
  REQUIRE(s);
  std::string_view b;
  REQUIRE(s->Next(&b));
  CHECK(!b.empty());
  s.reset();  // joins a thread at most kAhead blocks ahead, with the stream far from its end
  CHECK_FALSE(src.at_eof());
}

TEST_CASE("a zstd file operand reads as the same bytes read as a stream", "[input][zstd]") {
  // Past kAheadBytes compressed (noise does not compress), members across many blocks.
  const std::string first = Lines(3000, "one.example"),
                    second = "server ntp-old.corp.example.com\n";
  const std::string tar =
      ntpsweep::testing::MemoryArchive({{"etc/a.conf", first},
                                        {"bin/blob", Noise(1500000, 11)},
                                        {"etc/b.conf", second},
                                        {"etc/c.conf", Lines(20000, "tail.example")}},
                                       archive_write_set_format_pax_restricted);
  const std::string whole = Zstd({{"data", tar}}, true);
  REQUIRE(whole.size() > (1u << 20));
  std::string flipped = whole;
  for (size_t i = whole.size() - 2000; i < whole.size() - 1936; ++i) flipped[i] ^= 0x55;
  for (const auto& [what, zst] : std::vector<std::pair<std::string, std::string>>{
           {"whole", whole},
           {"cut", whole.substr(0, whole.size() - 1000)},
           {"damaged", flipped},
           {"trailing garbage", whole + "garbage\n"}}) {
    INFO(what);
    ntpsweep::testing::TempDir tmp;
    const std::string path = tmp / "rootfs.tar.zst";
    ntpsweep::testing::WriteWholeFile(path, zst);
    FakeSink file;
    ReadAsFileAndStream(path, zst, &file);
    if (what == "whole") {
      REQUIRE(file.entries.size() == 4);
      CHECK(file.entries[2].data == second);
      CHECK(file.notices.empty());
    } else {
      CHECK_FALSE(file.notices.empty());
    }
  }
}
