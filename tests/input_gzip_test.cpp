// gzip streams inflated with ISA-L (input/gzip_source.h) ahead of libarchive: the bytes, the
// errors and the notices are those of libarchive's own zlib gzip filter, on streams made by
// gzip and libarchive, pigz-like concatenations, and damaged ones.
#include <archive.h>
#include <archive_entry.h>

#include <catch2/catch.hpp>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "byte_blocks.h"
#include "collecting_sink.h"
#include "input/archive_sniff.h"
#include "input/dispatch.h"
#include "input/gzip_source.h"
#include "input/stream.h"
#include "memory_archive.h"
#include "run_binary.h"

namespace {

using namespace ntpsweep;
using namespace ntpsweep::input;

using Blocks = ntpsweep::testing::ByteBlocks;
using ReadFree = ntpsweep::testing::ArchiveReadFree;

// `members` as a pax tar, or (raw) the one member's bytes alone; gzip-compressed when asked.
std::string Write(const ntpsweep::testing::ArchiveFiles& members, bool raw, bool gzip) {
  auto format = raw ? archive_write_set_format_raw : archive_write_set_format_pax_restricted;
  if (gzip)
    return ntpsweep::testing::MemoryArchive(members, format, {archive_write_add_filter_gzip});
  return ntpsweep::testing::MemoryArchive(members, format);
}

// One gzip member of `data` (zlib through libarchive's writer).
std::string Gzip(const std::string& data) {
  return Write({{"data", data}}, true, true);
}

// A gzip member of `data` with the optional header fields set (libarchive's writer sets none).
std::string GzipWithFields(const std::string& data) {
  std::string plain = Gzip(data);
  std::string h = plain.substr(0, 10);
  h[3] = 0x04 | 0x08 | 0x10 | 0x02;  // FEXTRA, FNAME, FCOMMENT, FHCRC
  h += std::string("\x03\x00xyz", 5) + "ntp.conf" + '\0' + "a comment" + '\0' + "\x12\x34";
  return h + plain.substr(10);
}

// What `gzip -c` writes for `data`, via a file.
std::string GzipTool(const std::string& data) {
  testing::TempDir tmp;
  testing::WriteWholeFile(tmp / "in", data);
  testing::RunResult r = testing::RunCommand({"/bin/gzip", "-c", "-n", tmp / "in"});
  REQUIRE(r.exit_code == 0);
  return r.out;
}

struct Inflated {
  std::string data;
  std::string error = "-";  // "-": none; "": failed without a message
  bool operator==(const Inflated&) const = default;
};

// libarchive's gzip filter over `gz`, the raw format reading what it gives.
Inflated Reference(const std::string& gz, size_t block) {
  Blocks src(gz, block);
  std::unique_ptr<archive, ReadFree> a(archive_read_new());
  archive_read_support_filter_gzip(a.get());
  archive_read_support_format_raw(a.get());
  archive_read_set_callback_data(a.get(), &src);
  archive_read_set_read_callback(a.get(), ntpsweep::testing::ReadByteBlocks);
  Inflated out;
  archive_entry* e = nullptr;
  auto fail = [&] {
    const char* s = archive_error_string(a.get());
    out.error = s ? s : "";
  };
  // Nothing inflated (an empty member): the raw format finds no byte to bid on.
  auto empty = [&] {
    return std::string(archive_error_string(a.get())) == "Unrecognized archive format";
  };
  if (archive_read_open1(a.get()) != ARCHIVE_OK ||
      archive_read_next_header(a.get(), &e) != ARCHIVE_OK) {
    if (!empty()) fail();
    return out;
  }
  REQUIRE(archive_filter_code(a.get(), 0) == ARCHIVE_FILTER_GZIP);
  for (;;) {
    const void* b = nullptr;
    size_t len = 0;
    la_int64_t off = 0;
    int r = archive_read_data_block(a.get(), &b, &len, &off);
    if (r == ARCHIVE_EOF) break;
    if (r < ARCHIVE_WARN) return fail(), out;
    out.data.append(static_cast<const char*>(b), len);
  }
  return out;
}

Inflated Isal(const std::string& gz, size_t block) {
  Blocks src(gz, block);
  std::unique_ptr<GzipSource> s =
      GzipSource::Open(src, std::string_view(gz).substr(0, kSniffBytes));
  REQUIRE(s);
  Inflated out;
  for (std::string_view b;;) {
    if (!s->Next(&b)) {
      out.error = s->error();
      break;
    }
    if (b.empty()) break;
    CHECK(b.size() <= GzipSource::kOutBlock);
    out.data.append(b);
  }
  return out;
}

using FakeSink = ntpsweep::testing::CollectingSink;

// The gzip CRC-32 (reflected, 0xEDB88320), bit by bit: the test's own, not ISA-L's.
uint32_t Crc32(std::string_view data) {
  uint32_t crc = 0xFFFFFFFF;
  for (unsigned char c : data) {
    crc ^= c;
    for (int i = 0; i < 8; ++i) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
  }
  return ~crc;
}

std::string Le32(uint32_t v) {
  std::string s(4, '\0');
  for (int i = 0; i < 4; ++i) s[i] = static_cast<char>(v >> (8 * i));
  return s;
}

// One gzip member holding `data` in a stored deflate block: a byte flipped in it is read back
// flipped, with no deflate error, so only the trailer can tell.
std::string StoredGzip(const std::string& data) {
  REQUIRE(data.size() <= 0xFFFF);
  const auto len = static_cast<uint16_t>(data.size());
  std::string s("\x1f\x8b\x08\0\0\0\0\0\0\xff", 10);
  s += '\x01';  // BFINAL, stored
  s += {static_cast<char>(len & 0xFF), static_cast<char>(len >> 8)};
  s += {static_cast<char>(~len & 0xFF), static_cast<char>((~len >> 8) & 0xFF)};
  return s + data + Le32(Crc32(data)) + Le32(static_cast<uint32_t>(data.size()));
}

// `gz` with the first `from` in its data turned into `to` (same length), its trailer kept.
std::string Damaged(std::string gz, const std::string& from, const std::string& to) {
  size_t at = gz.find(from);
  REQUIRE(at != std::string::npos);
  gz.replace(at, to.size(), to);
  return gz;
}

void Read(const std::string& bytes, const std::string& name, FakeSink* sink,
          const Limits& limits = {}, uint64_t input_size = 0) {
  WalkOptions options;
  options.limits = limits;
  InputScan scan(options, *sink, input_size ? input_size : bytes.size());
  MemorySource src(bytes);
  ScanContent(scan, src, Chain{name}, name, 0, nullptr, nullptr);
}

std::string Lines(int n, const std::string& word) {
  std::string s;
  for (int i = 0; i < n; ++i) s += "server " + std::to_string(i) + "." + word + " iburst\n";
  return s;
}

}  // namespace

TEST_CASE("gzip inflated with ISA-L gives libarchive's gzip filter's bytes and errors",
          "[input][gzip]") {
  const std::string text = Lines(6000, "pool.ntp.org");  // three output blocks
  std::string noise;
  uint32_t x = 12345;
  for (int i = 0; i < 70000; ++i) noise += static_cast<char>((x = x * 1103515245 + 12345) >> 24);
  const std::string a = Gzip(text), b = Gzip(noise), tool = GzipTool(text);
  REQUIRE(a.size() > 1000);
  std::string bad_crc = a;
  bad_crc[a.size() - 8] ^= 0x5a;
  std::string flipped = a;
  for (size_t i = 100; i < 200; ++i) flipped[i] ^= 0x55;
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"gzip's own output", tool},
      {"libarchive's", a},
      {"concatenated members (pigz -i, bgzip)", tool + b + Gzip("tail\n")},
      {"many small members",
       [&] {
         std::string s;
         for (size_t i = 0; i < text.size(); i += 3000) s += Gzip(text.substr(i, 3000));
         return s;
       }()},
      {"header fields", GzipWithFields(text) + GzipWithFields("x")},
      {"an empty member alone", Gzip("")},
      {"an empty member between two", a + Gzip("") + Gzip("after\n")},
      {"a wrong CRC (not checked)", bad_crc},
      {"trailing zeros", a + std::string(1000, '\0')},
      {"trailing garbage", a + "garbage, not a gzip header\n"},
      {"a second header cut short", a + b.substr(0, 6)},
      {"cut in the data", a.substr(0, a.size() / 2)},
      {"cut in the trailer", a.substr(0, a.size() - 4)},
      {"cut before the trailer", a.substr(0, a.size() - 8)},
      {"header only", a.substr(0, 10)},
      {"damaged deflate data", flipped},
  };
  for (const auto& [what, gz] : cases) {
    for (size_t block : {size_t{1} << 20, size_t{4096}, size_t{7}, size_t{1}}) {
      INFO(what << ", blocks of " << block);
      Inflated want = Reference(gz, block);
      Inflated got = Isal(gz, block);
      CHECK(got.error == want.error);
      CHECK(got.data.size() == want.data.size());
      CHECK(got.data == want.data);
    }
  }
  // The cases above reach libarchive's every outcome: data, "truncated", no message, "failed".
  std::set<std::string> errors;
  for (const auto& c : cases) errors.insert(Reference(c.second, 4096).error);
  CHECK(errors ==
        std::set<std::string>{"-", "", "truncated gzip input", "gzip decompression failed"});
}

TEST_CASE("what libarchive's gzip filter would not take is left to it", "[input][gzip]") {
  Blocks none("", 1);
  const std::string a = Gzip("server 10.0.0.1\n");
  CHECK(GzipSource::Open(none, a));
  CHECK_FALSE(GzipSource::Open(none, "\x1f\x8b"));                        // cut short
  CHECK_FALSE(GzipSource::Open(none, "\x1f\x8b\x07" + a.substr(3)));      // not deflate
  CHECK_FALSE(GzipSource::Open(none, "\x1f\x8b\x08\xe0" + a.substr(4)));  // reserved flags
  // A name that does not end within the sniffed head.
  CHECK_FALSE(
      GzipSource::Open(none, a.substr(0, 3) + "\x08" + a.substr(4, 6) + std::string(99, 'n')));
}

TEST_CASE("a gzip operand's members read as before: entries, notices, re-read cost",
          "[input][gzip]") {
  const std::string first = Lines(2000, "one.example"),
                    second = "server ntp-old.corp.example.com\n";
  const std::string tar = Write({{"etc/a.conf", first}, {"etc/b.conf", second}}, false, false);
  // A tar split over two gzip members, as pigz -i or a concatenation writes it.
  const size_t half = 1024;
  const std::string two = Gzip(tar.substr(0, half)) + Gzip(tar.substr(half));
  for (const auto& [what, gz, notice] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"two members", two, ""},
           {"trailing zeros", two + std::string(4096, '\0'), ""},
           {"cut", two.substr(0, two.size() - 20), "truncated gzip input"}}) {
    INFO(what);
    FakeSink sink;
    Read(gz, "rootfs.tar.gz", &sink);
    if (notice.empty()) {
      CHECK(sink.notices.empty());
      REQUIRE(sink.entries.size() == 2);
      CHECK(sink.entries[0].data == first);
      CHECK(sink.entries[1].data == second);
      // Read again, all of the stream would be inflated again: the members say so.
      CHECK(sink.entries[0].costly_to_reread);
    } else {
      REQUIRE(sink.notices.size() == 1);
      CHECK(sink.notices[0].message.find(notice) != std::string::npos);
    }
  }
  // Decoy: the same tar uncompressed is cheap to read again.
  FakeSink plain;
  Read(tar, "rootfs.tar", &plain);
  REQUIRE(plain.entries.size() == 2);
  CHECK_FALSE(plain.entries[0].costly_to_reread);

  // A single compressed file keeps gunzip's name.
  FakeSink single;
  Read(Gzip(second) + Gzip(second), "etc/ntp.conf.gz", &single);
  REQUIRE(single.entries.size() == 1);
  CHECK(single.entries[0].location.Render() == "etc/ntp.conf.gz!ntp.conf");
  CHECK(single.entries[0].data == second + second);
  CHECK(single.notices.empty());
}

TEST_CASE("a gzip bomb inside a tar is weighed against its compressed bytes",
          "[input][gzip][limits]") {
  // ~1030:1, past --max-ratio 1000 once all is inflated; the outer tar is given as huge so that
  // only the archive's own ratio (its inflated members against its compressed bytes) trips.
  const std::string bomb = Write({{"zeros", std::string(48u << 20, '\0')}}, false, true);
  const std::string tar =
      Write({{"z.tar.gz", bomb}, {"after.conf", "server 10.0.0.1\n"}}, false, false);
  FakeSink sink;
  Read(tar, "outer.tar", &sink, Limits{}, uint64_t{1} << 40);
  REQUIRE(sink.notices.size() == 1);
  CHECK(sink.notices[0].id == "limit-ratio");
  CHECK(sink.notices[0].location.Render() == "outer.tar!z.tar.gz");
  CHECK(sink.notices[0].message.find("stopped reading this archive") != std::string::npos);
  // Decoy: a gzip of text at an ordinary ratio is read whole.
  FakeSink text;
  Read(Write({{"t.gz", Gzip(Lines(100000, "x"))}}, false, false), "outer.tar", &text, Limits{},
       uint64_t{1} << 40);
  CHECK(text.notices.empty());
  REQUIRE(text.entries.size() == 1);
}

TEST_CASE("a gzip member whose trailer does not match its data is named, and still scanned",
          "[input][gzip]") {
  const std::string conf = "# clock\nserver 10.27.30.40 iburst\n";
  const std::string hurt = "# clock\nserver 10.27v30.40 iburst\n";  // what the damage leaves
  const std::string gz = StoredGzip(conf);
  const std::string bad = Damaged(gz, "10.27.30", "10.27v30");
  const std::string tar =
      Write({{"etc/a.conf", Lines(50, "a.example")}, {"etc/ntp.conf", conf}}, false, false);
  const std::string bad_tar_gz = Damaged(StoredGzip(tar), "10.27.30", "10.27v30");
  std::string wrong_size = gz;
  wrong_size[wrong_size.size() - 4] ^= 0x01;  // ISIZE off by one, the CRC right
  struct Case {
    std::string what, name, bytes, place, says;
  };
  for (const Case& c : std::vector<Case>{
           {"a .gz file", "etc/ntp.conf.gz", bad, "etc/ntp.conf.gz", "gzip member 1: its CRC-32"},
           {"a tar.gz operand (its end mark is before the trailer)", "rootfs.tar.gz", bad_tar_gz,
            "rootfs.tar.gz", "gzip member 1: its CRC-32"},
           {"a .gz member of a tar", "outer.tar",
            Write({{"etc/ntp.conf.gz", bad}, {"etc/b.conf", "server 10.0.0.2\n"}}, false, false),
            "outer.tar!etc/ntp.conf.gz", "gzip member 1: its CRC-32"},
           {"the second of two members", "etc/ntp.conf.gz", Gzip("# head\n") + bad,
            "etc/ntp.conf.gz", "gzip member 2: its CRC-32"},
           {"two damaged members of three", "etc/ntp.conf.gz", bad + gz + bad, "etc/ntp.conf.gz",
            "gzip member 1: its CRC-32 does not match its data (stored 0x"},
           {"a wrong size, the CRC right", "etc/ntp.conf.gz", wrong_size, "etc/ntp.conf.gz",
            "gzip member 1: its stored size (" + std::to_string(conf.size() ^ 1) +
                " bytes mod 2^32) does not match its inflated " + std::to_string(conf.size()) +
                " bytes"},
       }) {
    INFO(c.what);
    FakeSink sink;
    Read(c.bytes, c.name, &sink);
    REQUIRE(sink.notices.size() == 1);
    CHECK(sink.notices[0].id == "archive-error");
    CHECK(sink.notices[0].level == Notice::Level::kWarning);
    CHECK(sink.notices[0].location.Render() == c.place);
    CHECK(sink.notices[0].message.find(c.says) != std::string::npos);
    CHECK(sink.notices[0].message.find("its content is damaged: what was read was scanned") !=
          std::string::npos);
    // What was read is still handed on: the damaged text where it was damaged.
    bool damaged_text = false;
    for (const auto& e : sink.entries)
      damaged_text |=
          e.data.find(c.what.starts_with("a wrong size") ? conf : hurt) != std::string::npos;
    CHECK(damaged_text);
  }
  {
    FakeSink sink;
    Read(bad + gz + bad, "etc/ntp.conf.gz", &sink);
    REQUIRE(sink.notices.size() == 1);
    CHECK(sink.notices[0].message.find("(and 1 more damaged member)") != std::string::npos);
  }
  // Decoys: sound streams, single and concatenated, by gzip and by libarchive, say nothing.
  for (const auto& [what, name, bytes] :
       std::vector<std::tuple<std::string, std::string, std::string>>{
           {"stored", "etc/ntp.conf.gz", gz},
           {"gzip -c", "etc/ntp.conf.gz", GzipTool(conf)},
           {"concatenated", "etc/ntp.conf.gz", gz + Gzip(conf) + GzipTool(conf) + gz},
           {"a sound tar.gz", "rootfs.tar.gz", StoredGzip(tar)},
           {"a sound tar.gz by libarchive", "rootfs.tar.gz",
            Write({{"etc/ntp.conf", conf}}, false, true)},
           {"a sound .gz in a tar", "outer.tar", Write({{"etc/ntp.conf.gz", gz}}, false, false)}}) {
    INFO(what);
    FakeSink sink;
    Read(bytes, name, &sink);
    CHECK(sink.notices.empty());
    REQUIRE_FALSE(sink.entries.empty());
    CHECK(sink.entries.back().data.find(conf) != std::string::npos);
  }
  // Decoy: a trailer cut short keeps today's notice (libarchive's filter gives no message of its
  // own there), and no damage is claimed.
  for (const std::string& cut : {gz.substr(0, gz.size() - 4), bad.substr(0, bad.size() - 8)}) {
    FakeSink sink;
    Read(cut, "etc/ntp.conf.gz", &sink);
    REQUIRE(sink.notices.size() == 1);
    CHECK(sink.notices[0].message == "etc/ntp.conf.gz: cannot read it as gzip: unknown error");
  }
}
