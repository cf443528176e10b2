// The tar header reader of the plain tar's reading thread (input/tar_headers.h): on tars written
// by GNU tar and bsdtar it gives, member by member, what libarchive gives; what it does not take
// (sparse members, a bad checksum, a file cut short) is handed back; and a tar file read with it
// (OpenContainerFile) yields the entries, notices, skips and aliases of the same bytes read by
// libarchive alone (a stream, ScanContent). The same for a tar.gz and a tar.zst operand, whose
// tar the reader reads as it is decompressed (GzipSource, DecompressAhead), and hands back to
// libarchive by decompressing it again from its start.
#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "input/container_rewrite.h"
#include "input/decompress_ahead.h"
#include "input/dispatch.h"
#include "input/gzip_source.h"
#include "input/stream.h"
#include "input/tar_headers.h"
#include "run_binary.h"

namespace {

using namespace ntpsweep;
using namespace ntpsweep::input;

// Everything a reading gives, as comparable text.
struct Reading : EntrySink {
  void Add(Entry e) override {
    std::string data = e.data;
    if (e.member_file) {  // left to the worker: read as it would
      data.resize(e.member_bytes);
      ssize_t n = pread(e.member_file->get(), data.data(), data.size(),
                        static_cast<off_t>(e.archive_data_offset));
      data.resize(n > 0 ? static_cast<size_t>(n) : 0);
    }
    entries.push_back(e.location.Render() + " = " + data);
  }
  void Report(Notice n) override { notices.push_back(n.id + ": " + n.message); }
  void CountSkipped(std::string_view why) override { ++skipped[std::string(why)]; }
  void Amend(Amendment a) override {
    for (const Alias& l : a.aliases)
      aliases.push_back(Location{l.link}.Render() + " -> " + Location{l.target}.Render() + " " +
                        l.kind);
  }
  std::vector<std::string> entries, notices, aliases;
  std::map<std::string, int> skipped;
};

void RequireSameReading(const Reading& own, const Reading& libarchive) {
  CHECK(own.entries == libarchive.entries);
  CHECK(own.notices == libarchive.notices);
  CHECK(own.skipped == libarchive.skipped);
  CHECK(own.aliases == libarchive.aliases);
}

// The tar file at `path` read as an operand (its headers by ReadTarHeader while it takes them).
Reading ReadFile(const std::string& path, const std::string& name = "t.tar",
                 const WalkOptions& options = WalkOptions{}) {
  Reading r;
  REQUIRE(OpenContainerFile(path, name, options, r, true));
  return r;
}

// The same bytes read as a stream: libarchive alone (under its own zstd filter, or GzipSource).
Reading ReadStream(const std::string& bytes, const std::string& name = "t.tar",
                   const WalkOptions& options = WalkOptions{}) {
  Reading r;
  {
    InputScan scan(options, r, bytes.size());
    MemorySource src(bytes);
    ScanContent(scan, src, Chain{name}, name, 0, nullptr, nullptr);
  }
  return r;
}

// One member as a header list shows it: name, type, size, where its headers and data start.
std::string Describe(std::string_view name, char type, uint64_t size, uint64_t header,
                     uint64_t data, std::string_view link) {
  return std::string(name) + " " + type + " " + std::to_string(size) + " @" +
         std::to_string(header) + "/" + std::to_string(data) + " -> " + std::string(link);
}

// The members ReadTarHeader gives, and how it stopped.
std::vector<std::string> OwnHeaders(std::string_view tar, TarStep* last) {
  MemoryTarBlocks in(tar);
  std::vector<std::string> out;
  TarHeader h;
  while ((*last = ReadTarHeader(in, &h)) == TarStep::kMember) {
    const char type = "fhsdo"[static_cast<int>(h.type)];
    out.push_back(Describe(h.name, type, h.size, h.header_offset, h.data_offset, h.link));
    in.Seek(static_cast<size_t>(h.data_offset + ((h.size + 511) & ~uint64_t{511})));
  }
  return out;
}

struct ReadFree {
  void operator()(archive* a) const { archive_read_free(a); }
};

// The members libarchive gives (as many as `count`).
std::vector<std::string> LibarchiveHeaders(const std::string& tar, size_t count) {
  std::unique_ptr<archive, ReadFree> a(archive_read_new());
  archive_read_support_format_tar(a.get());
  REQUIRE(archive_read_open_memory(a.get(), tar.data(), tar.size()) == ARCHIVE_OK);
  std::vector<std::string> out;
  archive_entry* e = nullptr;
  while (out.size() < count && archive_read_next_header(a.get(), &e) == ARCHIVE_OK) {
    const char* hardlink = archive_entry_hardlink(e);
    const mode_t t = archive_entry_filetype(e);
    const char type = hardlink        ? 'h'
                      : t == AE_IFREG ? 'f'
                      : t == AE_IFLNK ? 's'
                      : t == AE_IFDIR ? 'd'
                                      : 'o';
    const char* link = hardlink ? hardlink : t == AE_IFLNK ? archive_entry_symlink(e) : "";
    out.push_back(Describe(archive_entry_pathname(e), type,
                           static_cast<uint64_t>(archive_entry_size(e)),
                           static_cast<uint64_t>(archive_read_header_position(a.get())),
                           static_cast<uint64_t>(archive_filter_bytes(a.get(), 0)), link));
  }
  return out;
}

// A tree with long names, links and decoys, written by `tool` with `args` into `tar`.
std::string WriteTar(const ntpsweep::testing::TempDir& tmp,
                     const std::vector<std::string>& command) {
  ntpsweep::testing::RunOptions options;
  options.cwd = tmp / "tree";
  auto r = ntpsweep::testing::RunCommand(command, options);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return ntpsweep::testing::ReadWholeFile(command[2]);
}

void MakeTree(const ntpsweep::testing::TempDir& tmp, bool long_names) {
  using ntpsweep::testing::WriteWholeFile;
  const std::string tree = tmp / "tree";
  std::filesystem::create_directories(tree + "/etc");
  WriteWholeFile(tree + "/etc/ntp.conf", "server 10.20.30.40 iburst\n");
  WriteWholeFile(tree + "/etc/decoy.conf", "server 192.0.2.1\n# 10.20.30.41\n");     // decoy
  WriteWholeFile(tree + "/etc/blob.bin", std::string("\0\1\2", 3) + "10.20.30.40");  // binary
  std::filesystem::create_hard_link(tree + "/etc/ntp.conf", tree + "/etc/ntp-hard.conf");
  std::filesystem::create_symlink("ntp.conf", tree + "/etc/ntp-sym.conf");
  // Splits into ustar's prefix and name (each short enough); GNU and pax need no split.
  const std::string deep = tree + "/" + std::string(90, 'd') + "/" + std::string(40, 'e');
  std::filesystem::create_directories(deep);
  WriteWholeFile(deep + "/chrony.conf", "pool ntp-old.corp.example.com\n" + std::string(9000, '#'));
  if (long_names) {  // longer than prefix + name: pax path, GNU L and K
    const std::string deeper = tree + "/" + std::string(200, 'l');
    std::filesystem::create_directories(deeper);
    WriteWholeFile(deeper + "/" + std::string(120, 'n') + ".conf", "server 10.20.30.40\n");
    std::filesystem::create_symlink(std::string(150, 't'), tree + "/etc/long-target");
    std::filesystem::create_hard_link(tree + "/etc/ntp.conf", deeper + "/hard.conf");
  }
}

}  // namespace

TEST_CASE("tars written by GNU tar and bsdtar are read member by member as libarchive reads them",
          "[input][archive][tar]") {
  struct Writer {
    std::vector<std::string> command;  // {tool, flags..., "-f", OUT, "."}: OUT filled in below
    bool long_names;
  };
  const std::vector<Writer> writers = {
      {{"/usr/bin/tar", "--format=gnu"}, true},
      {{"/usr/bin/tar", "--format=pax"}, true},
      {{"/usr/bin/tar", "--format=ustar"}, false},
      {{"/usr/bin/tar", "--format=oldgnu"}, true},
      {{"/usr/bin/bsdtar", "--format=pax"}, true},
      {{"/usr/bin/bsdtar", "--format=ustar"}, false},
      {{"/usr/bin/bsdtar", "--format=gnutar"}, true},
  };
  for (const Writer& w : writers) {
    ntpsweep::testing::TempDir tmp;
    MakeTree(tmp, w.long_names);
    const std::string out = tmp / "t.tar";
    std::vector<std::string> command = {w.command[0], "-cf", out, w.command[1], "."};
    INFO(command[0] + " " + command[3]);
    const std::string tar = WriteTar(tmp, command);
    TarStep last = TarStep::kMember;
    std::vector<std::string> own = OwnHeaders(tar, &last);
    CHECK(last == TarStep::kEnd);  // every header taken
    CHECK(own.size() >= 9);
    CHECK(own == LibarchiveHeaders(tar, 1000));
    Reading file = ReadFile(out), stream = ReadStream(tar);
    RequireSameReading(file, stream);
    CHECK(file.notices.empty());
    // One of the hard-linked names holds the data, the others are aliases of it.
    CHECK(std::count_if(file.entries.begin(), file.entries.end(), [](const std::string& e) {
            return e.find(" = server 10.20.30.40 iburst\n") != std::string::npos;
          }) == 1);
    CHECK(std::count_if(file.aliases.begin(), file.aliases.end(), [](const std::string& a) {
            return a.ends_with(" hardlink");
          }) == (w.long_names ? 2 : 1));
    CHECK(std::find(file.entries.begin(), file.entries.end(),
                    "t.tar!etc/decoy.conf = server 192.0.2.1\n# 10.20.30.41\n") !=
          file.entries.end());
    CHECK(file.skipped["symlink"] >= 1);
  }
}

namespace {

// Rewrites the 12-byte size field of the header at `at` and its checksum.
void SetSizeField(std::string* tar, size_t at, std::string_view field) {
  REQUIRE(field.size() == 12);
  tar->replace(at + 124, 12, field);
  tar->replace(at + 148, 8, "        ");
  unsigned sum = 0;
  for (size_t i = 0; i < 512; ++i) sum += static_cast<unsigned char>((*tar)[at + i]);
  char digits[8];
  std::snprintf(digits, sizeof digits, "%06o", sum);
  tar->replace(at + 148, 7, std::string(digits, 6) + '\0');
}

// The offset of the first header of the member named `name` (as libarchive lists it).
size_t HeaderOf(const std::string& tar, std::string_view name) {
  TarStep last;
  for (const std::string& m : OwnHeaders(tar, &last))
    if (m.starts_with(std::string(name) + " ")) return std::stoul(m.substr(m.find('@') + 1));
  FAIL("no member " << name);
  return 0;
}

}  // namespace

TEST_CASE(
    "tar headers the reader does not take are handed back and read by libarchive from the start",
    "[input][archive][tar][damage]") {
  ntpsweep::testing::TempDir tmp;
  MakeTree(tmp, false);
  const std::string tree = tmp / "tree";
  // A sparse member between plain ones (GNU's 'S' header and pax's GNU.sparse keys).
  {
    std::ofstream sparse(tree + "/etc/sparse.conf");
    sparse << "server 10.20.30.40\n";
    sparse.seekp(1 << 20);
    sparse << "server ntp-old.corp.example.com\n";
  }
  auto write = [&](const std::string& name, const std::vector<std::string>& flags) {
    std::vector<std::string> command = {"/usr/bin/tar", "-cf", tmp / name};
    command.insert(command.end(), flags.begin(), flags.end());
    command.push_back(".");
    return WriteTar(tmp, command);
  };
  auto compare = [&](const std::string& name, const std::string& bytes) {
    INFO(name);
    ntpsweep::testing::WriteWholeFile(tmp / name, bytes);
    Reading file = ReadFile(tmp / name), stream = ReadStream(bytes);
    RequireSameReading(file, stream);
    return file;
  };
  for (const char* format : {"--format=gnu", "--format=pax"}) {
    INFO(format);
    const std::string tar = write("sparse.tar", {"--sparse", format, "--sort=name"});
    TarStep last;
    OwnHeaders(tar, &last);
    CHECK(last == TarStep::kHandBack);
    Reading file = compare("sparse.tar", tar);
    CHECK(std::count_if(file.entries.begin(), file.entries.end(), [](const std::string& e) {
            return e.starts_with("t.tar!etc/sparse.conf = server 10.20.30.40\n");
          }) == 1);
  }
  std::filesystem::remove(tree + "/etc/sparse.conf");
  const std::string tar = write("plain.tar", {"--format=ustar", "--sort=name"});
  const size_t decoy = HeaderOf(tar, "./etc/decoy.conf");

  SECTION("a header with a bad checksum") {
    std::string bad = tar;
    bad[decoy + 5] ^= 0x20;  // its name: the checksum no longer matches
    TarStep last;
    OwnHeaders(bad, &last);
    CHECK(last == TarStep::kHandBack);
    Reading file = compare("bad.tar", bad);
    REQUIRE(file.notices.size() == 1);
    CHECK(file.notices[0].find("Damaged tar archive") != std::string::npos);
    // Up to the next sound header: the decoy is lost, the member after it is read.
    CHECK(std::count_if(file.entries.begin(), file.entries.end(), [](const std::string& e) {
            return e.starts_with("t.tar!etc/ntp-hard.conf = server 10.20.30.40");
          }) == 1);
    CHECK(std::count_if(file.entries.begin(), file.entries.end(), [](const std::string& e) {
            return e.starts_with("t.tar!etc/decoy.conf");
          }) == 0);
  }
  SECTION("a member cut inside its data") {
    const std::string cut = tar.substr(0, HeaderOf(tar, "./" + std::string(90, 'd') + "/" +
                                                            std::string(40, 'e') + "/chrony.conf") +
                                              512 + 4000);
    TarStep last;
    OwnHeaders(cut, &last);
    CHECK(last == TarStep::kHandBack);
    Reading file = compare("cut.tar", cut);
    REQUIRE(file.notices.size() == 1);
    CHECK(file.notices[0].find("chrony.conf") != std::string::npos);
  }
  SECTION("a size in base-256") {
    std::string big = tar;
    std::string field(12, '\0');
    field[0] = static_cast<char>(0x80);
    field[11] = static_cast<char>(31);  // the decoy's size
    SetSizeField(&big, decoy, field);
    TarStep last;
    std::vector<std::string> own = OwnHeaders(big, &last);
    CHECK(last == TarStep::kEnd);
    CHECK(own == LibarchiveHeaders(big, 1000));
    Reading file = compare("big.tar", big);
    CHECK(file.notices.empty());
    CHECK(std::find(file.entries.begin(), file.entries.end(),
                    "t.tar!etc/decoy.conf = server 192.0.2.1\n# 10.20.30.41\n") !=
          file.entries.end());
    // A negative base-256 size: libarchive's reading of it, not this reader's.
    field[0] = static_cast<char>(0xff);
    SetSizeField(&big, decoy, field);
    OwnHeaders(big, &last);
    CHECK(last == TarStep::kHandBack);
    compare("negative.tar", big);
  }
  SECTION("a pax key it does not know") {
    const std::string pax =
        write("pax.tar", {"--format=pax", "--sort=name", "--pax-option=NTPSWEEP.unknown=1"});
    TarStep last;
    OwnHeaders(pax, &last);
    CHECK(last == TarStep::kHandBack);
    Reading file = compare("pax.tar", pax);
    CHECK(file.notices.empty());
  }
}

namespace {

// `compressed` (gzip, zstd) decompressed as a tar.gz or tar.zst operand is: by GzipSource or
// DecompressAhead; `read` is given the decompressed stream.
template <typename Read>
void Decompress(const std::string& compressed, Read read) {
  MemorySource stored(compressed);
  if (compressed.starts_with("\x1f\x8b")) {
    std::unique_ptr<GzipSource> gz = GzipSource::Open(stored, compressed.substr(0, 8192));
    REQUIRE(gz);
    read(*gz);
  } else {
    std::unique_ptr<DecompressAhead> zstd =
        DecompressAhead::Open(stored, nullptr, compressed.size());
    REQUIRE(zstd);
    read(*zstd);
  }
}

std::string Decompressed(const std::string& compressed) {
  std::string out;
  Decompress(compressed, [&](ByteSource& src) {
    std::string_view block;
    while (src.Next(&block) && !block.empty()) out.append(block);
  });
  return out;
}

// The members ReadTarHeader gives from the decompressed stream, read on as the walk reads it.
std::vector<std::string> OwnStreamHeaders(const std::string& compressed, TarStep* last) {
  std::vector<std::string> out;
  Decompress(compressed, [&](ByteSource& src) {
    SourceTarBlocks in(src, TarBlocks::kUnknownSize);
    TarHeader h;
    uint64_t next = 0;
    while ((*last = in.SkipTo(next) ? ReadTarHeader(in, &h) : TarStep::kHandBack) ==
           TarStep::kMember) {
      const char type = "fhsdo"[static_cast<int>(h.type)];
      out.push_back(Describe(h.name, type, h.size, h.header_offset, h.data_offset, h.link));
      next = h.data_offset + ((h.size + 511) & ~uint64_t{511});
    }
  });
  return out;
}

// Incompressible bytes (no target in them): a tar.zst of the tree is then past the 1 MiB from
// which a zstd operand is decompressed by DecompressAhead.
std::string Noise(size_t n) {
  std::string s(n, '\0');
  uint32_t seed = 12345;
  for (char& c : s) c = static_cast<char>((seed = seed * 1103515245 + 12345) >> 24);
  return s;
}

// `bytes` compressed by the gzip or zstd program (`program`: "gzip" or "zstd"), `extra` its flags.
std::string Compress(const ntpsweep::testing::TempDir& tmp, const std::string& bytes,
                     const std::string& program, const std::vector<std::string>& extra = {}) {
  const std::string in = tmp / "to-compress", out = tmp / "compressed";
  ntpsweep::testing::WriteWholeFile(in, bytes);
  std::vector<std::string> command = {
      "/bin/sh", "-c", "/usr/bin/" + program + " -c -q \"$@\" < " + in + " > " + out, "sh"};
  command.insert(command.end(), extra.begin(), extra.end());
  auto r = ntpsweep::testing::RunCommand(command, {});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return ntpsweep::testing::ReadWholeFile(out);
}

// The compressed operand `bytes` read as a file and as a stream by libarchive alone: the same.
Reading CompareCompressed(const ntpsweep::testing::TempDir& tmp, const std::string& name,
                          const std::string& bytes, const WalkOptions& options = WalkOptions{}) {
  INFO(name << ", " << bytes.size() << " bytes");
  ntpsweep::testing::WriteWholeFile(tmp / name, bytes);
  Reading file = ReadFile(tmp / name, name, options), stream = ReadStream(bytes, name, options);
  RequireSameReading(file, stream);
  return file;
}

}  // namespace

TEST_CASE(
    "tar.gz and tar.zst written by GNU tar and bsdtar: the reader reads the decompressed "
    "stream as libarchive reads it",
    "[input][archive][tar][gzip][zstd]") {
  struct Writer {
    std::vector<std::string> command;  // {tool, format}
    bool long_names;
  };
  const std::vector<Writer> writers = {
      {{"/usr/bin/tar", "--format=gnu"}, true},
      {{"/usr/bin/tar", "--format=pax"}, true},
      {{"/usr/bin/tar", "--format=ustar"}, false},
      {{"/usr/bin/bsdtar", "--format=pax"}, true},
      {{"/usr/bin/bsdtar", "--format=ustar"}, false},
      {{"/usr/bin/bsdtar", "--format=gnutar"}, true},
  };
  for (const Writer& w : writers) {
    for (const std::string compression : {"--gzip", "--zstd"}) {
      ntpsweep::testing::TempDir tmp;
      MakeTree(tmp, w.long_names);
      ntpsweep::testing::WriteWholeFile(tmp / "tree/etc/a-noise.bin", Noise(1200u << 10));
      const std::string name = compression == "--gzip" ? "t.tar.gz" : "t.tar.zst";
      const std::string out = tmp / name;
      std::vector<std::string> command = {w.command[0], "-cf", out, w.command[1], compression, "."};
      INFO(command[0] + " " + command[3] + " " + compression);
      const std::string compressed = WriteTar(tmp, command);
      REQUIRE(compressed.size() > (1u << 20));  // a zstd one is decompressed by DecompressAhead
      TarStep last = TarStep::kMember;
      std::vector<std::string> own = OwnStreamHeaders(compressed, &last);
      CHECK(last == TarStep::kEnd);  // every header taken
      CHECK(own.size() >= 10);
      CHECK(own == LibarchiveHeaders(Decompressed(compressed), 1000));
      Reading file = CompareCompressed(tmp, name, compressed);
      CHECK(file.notices.empty());
      CHECK(std::count_if(file.entries.begin(), file.entries.end(), [](const std::string& e) {
              return e.find(" = server 10.20.30.40 iburst\n") != std::string::npos;
            }) == 1);
      CHECK(std::count_if(file.aliases.begin(), file.aliases.end(), [](const std::string& a) {
              return a.ends_with(" hardlink");
            }) == (w.long_names ? 2 : 1));
      CHECK(std::find(file.entries.begin(), file.entries.end(),
                      name + "!etc/decoy.conf = server 192.0.2.1\n# 10.20.30.41\n") !=
            file.entries.end());
      CHECK(file.skipped["symlink"] >= 1);
    }
  }
}

TEST_CASE("a compressed tar the reader does not take is decompressed again and read by libarchive",
          "[input][archive][tar][gzip][zstd][damage]") {
  ntpsweep::testing::TempDir tmp;
  MakeTree(tmp, false);
  const std::string tree = tmp / "tree";
  ntpsweep::testing::WriteWholeFile(tree + "/etc/a-noise.bin", Noise(1200u << 10));
  auto write = [&](const std::vector<std::string>& flags) {
    std::vector<std::string> command = {"/usr/bin/tar", "-cf", tmp / "w.tar"};
    command.insert(command.end(), flags.begin(), flags.end());
    command.push_back(".");
    return WriteTar(tmp, command);
  };
  auto count = [](const Reading& r, std::string_view prefix) {
    return std::count_if(r.entries.begin(), r.entries.end(),
                         [&](const std::string& e) { return e.starts_with(prefix); });
  };
  SECTION("a sparse member") {
    {
      std::ofstream sparse(tree + "/etc/sparse.conf");
      sparse << "server 10.20.30.40\n";
      sparse.seekp(1 << 20);
      sparse << "server ntp-old.corp.example.com\n";
    }
    for (const char* format : {"--format=gnu", "--format=pax"}) {
      for (const std::string program : {"gzip", "zstd"}) {
        INFO(format << " " << program);
        const std::string compressed =
            Compress(tmp, write({"--sparse", format, "--sort=name"}), program);
        TarStep last;
        CHECK(OwnStreamHeaders(compressed, &last).size() >= 3);  // members before it were given
        CHECK(last == TarStep::kHandBack);
        const std::string name = "t.tar." + std::string(program == "gzip" ? "gz" : "zst");
        Reading file = CompareCompressed(tmp, name, compressed);
        CHECK(file.notices.empty());
        CHECK(count(file, name + "!etc/sparse.conf = server 10.20.30.40\n") == 1);
        CHECK(count(file, name + "!etc/decoy.conf = server 192.0.2.1\n") == 1);
      }
    }
  }
  const std::string tar = write({"--format=ustar", "--sort=name"});
  const size_t decoy = HeaderOf(tar, "./etc/decoy.conf");
  SECTION("a header with a bad checksum") {
    std::string bad = tar;
    bad[decoy + 5] ^= 0x20;
    for (const std::string program : {"gzip", "zstd"}) {
      INFO(program);
      const std::string name = "t.tar." + std::string(program == "gzip" ? "gz" : "zst");
      Reading file = CompareCompressed(tmp, name, Compress(tmp, bad, program));
      REQUIRE(file.notices.size() == 1);
      CHECK(file.notices[0].find("Damaged tar archive") != std::string::npos);
      CHECK(count(file, name + "!etc/decoy.conf") == 0);
      CHECK(count(file, name + "!etc/ntp-hard.conf = server 10.20.30.40") == 1);
    }
  }
  SECTION("a stream cut short: inside a member's data, inside a header, at the end") {
    for (const std::string program : {"gzip", "zstd"}) {
      const std::string compressed = Compress(tmp, tar, program);
      const std::string name = "t.tar." + std::string(program == "gzip" ? "gz" : "zst");
      for (size_t cut :
           {compressed.size() * 9 / 10, compressed.size() - 700, compressed.size() - 300,
            compressed.size() - 100, compressed.size() - 9, compressed.size() - 3}) {
        INFO(program << " cut at " << cut);
        Reading file = CompareCompressed(tmp, name, compressed.substr(0, cut));
        CHECK_FALSE(file.notices.empty());
      }
    }
  }
  SECTION("a damaged zstd frame between sound ones") {
    // Three frames, as pzstd or a concatenation writes them; the middle one damaged in places.
    const size_t third = tar.size() / 3;
    const std::string first = Compress(tmp, tar.substr(0, third), "zstd"),
                      middle = Compress(tmp, tar.substr(third, third), "zstd"),
                      last = Compress(tmp, tar.substr(2 * third), "zstd");
    Reading sound = CompareCompressed(tmp, "t.tar.zst", first + middle + last);
    CHECK(sound.notices.empty());
    for (size_t at : {size_t{20}, middle.size() / 2, middle.size() - 40, middle.size() - 2}) {
      INFO("damaged at " << at << " of the middle frame");
      std::string damaged = middle;
      damaged[at] ^= 0x5a;
      Reading file = CompareCompressed(tmp, "t.tar.zst", first + damaged + last);
      CHECK_FALSE(file.notices.empty());
    }
  }
  SECTION("what a member not read to its end decompresses counts against the limits") {
    WalkOptions options;
    options.limits.max_input_bytes = 1u << 20;  // less than the noise, which is not scanned
    for (const std::string program : {"gzip", "zstd"}) {
      INFO(program);
      const std::string name = "t.tar." + std::string(program == "gzip" ? "gz" : "zst");
      Reading file = CompareCompressed(tmp, name, Compress(tmp, tar, program), options);
      REQUIRE(file.notices.size() == 1);
      CHECK(file.notices[0].starts_with("limit-input-size: "));
      CHECK(count(file, name + "!etc/decoy.conf") == 0);  // after the noise: not reached
    }
  }
  SECTION("a gzip member whose CRC does not match, before and after a hand-back") {
    const size_t half = decoy - 1000;  // the tar in two gzip members, the first damaged
    std::string first = Compress(tmp, tar.substr(0, half), "gzip", {"-n"});
    first[first.size() - 8] ^= 0x01;  // its CRC-32
    const std::string second = Compress(tmp, tar.substr(half), "gzip", {"-n"});
    Reading file = CompareCompressed(tmp, "t.tar.gz", first + second);
    REQUIRE(file.notices.size() == 1);
    CHECK(file.notices[0].find("gzip member 1: its CRC-32 does not match") != std::string::npos);
    CHECK(file.notices[0].find("more damaged") == std::string::npos);
    CHECK(count(file, "t.tar.gz!etc/decoy.conf = server 192.0.2.1\n") == 1);
    // The decoy's header damaged too: libarchive reads it all again, the CRC named once.
    std::string bad = tar.substr(half);
    bad[decoy - half + 5] ^= 0x20;
    Reading again = CompareCompressed(tmp, "t.tar.gz", first + Compress(tmp, bad, "gzip", {"-n"}));
    REQUIRE(again.notices.size() == 2);
    CHECK(again.notices[0].find("Damaged tar archive") != std::string::npos);
    CHECK(again.notices[1].find("gzip member 1: its CRC-32 does not match") != std::string::npos);
    CHECK(again.notices[1].find("more damaged") == std::string::npos);
    CHECK(count(again, "t.tar.gz!etc/decoy.conf") == 0);
  }
}

TEST_CASE("a first header libarchive's tar bidder refuses is no tar to the reader either",
          "[input][archive][tar][gzip][damage]") {
  ntpsweep::testing::TempDir tmp;
  MakeTree(tmp, false);
  const std::string tar =
      WriteTar(tmp, {"/usr/bin/tar", "-cf", tmp / "w.tar", "--format=ustar", "--sort=name", "."});
  // A field's bytes and a checksum that matches them, in the first header.
  auto first_field = [&](size_t at, std::string_view bytes) {
    std::string t = tar;
    t.replace(at, bytes.size(), bytes);
    SetSizeField(&t, 0, t.substr(124, 12));  // the checksum again
    return t;
  };
  struct Case {
    std::string what, tar;
    bool read;            // libarchive reads it as a tar
    bool tar_bid = read;  // its tar bidder takes it (else a filter's bids above it)
  };
  for (const Case& c : std::vector<Case>{
           {"a time that is not octal", first_field(136, "17z45671234"), false},
           {"a mode with garbage after its digits", first_field(100, std::string("0000644\0x", 9)),
            false},
           {"a type flag that is no letter or digit", first_field(156, "#"), false},
           // A name lzma's bidder takes for the start of a stream (a dictionary size it knows)
           // though Sniff does not (its first byte is no 0x5d): libarchive stacks that filter.
           {"a name that starts like lzma", first_field(0, std::string("A\0\0\x80\0", 5)), false,
            true},
           // Decoys: what the bidder takes.
           {"a base-256 time",
            first_field(136, std::string("\x80\0\0\0\0\0\0\0\x12\x34\x56\x78", 12)), true},
           {"a time padded with spaces", first_field(136, " 14567123456"), true},
       }) {
    INFO(c.what);
    CHECK(TarBidTakes(c.tar) == c.tar_bid);
    for (const std::string name : {"t.tar", "t.tar.gz"}) {
      INFO(name);
      const std::string bytes = name == "t.tar" ? c.tar : Compress(tmp, c.tar, "gzip", {"-n"});
      ntpsweep::testing::WriteWholeFile(tmp / name, bytes);
      Reading file = ReadFile(tmp / name, name), stream = ReadStream(bytes, name);
      RequireSameReading(file, stream);
      CHECK(file.notices.empty() == c.read);
      CHECK(std::count_if(file.entries.begin(), file.entries.end(), [&](const std::string& e) {
              return e.starts_with(name + "!etc/ntp-hard.conf = server 10.20.30.40");
            }) == (c.read ? 1 : 0));
    }
  }
}

namespace {

// Tars with data past their end (two archives concatenated; a lone zero block amid members) and
// decoys whose end hides nothing, made by GNU tar in `tmp`/tree: a.conf names 10.20.30.40,
// b.conf 10.20.30.41.
struct TarEndCase {
  const char* what;
  std::string tar;
  std::string past;  // the offset the notice names; empty: no notice
};
std::vector<TarEndCase> TarEndCases(const ntpsweep::testing::TempDir& tmp) {
  const std::string tree = tmp / "tree";
  std::filesystem::create_directories(tree);
  ntpsweep::testing::WriteWholeFile(tree + "/a.conf", "server 10.20.30.40\n");
  const std::string a = WriteTar(tmp, {"/usr/bin/tar", "-cf", tmp / "a.tar", "a.conf"});
  std::filesystem::remove(tree + "/a.conf");
  ntpsweep::testing::WriteWholeFile(tree + "/b.conf", "server 10.20.30.41\n");
  const std::string b = WriteTar(tmp, {"/usr/bin/tar", "-cf", tmp / "b.tar", "b.conf"});
  std::filesystem::remove(tree + "/b.conf");
  // `a` without its end: one member, header and data, then GNU tar's zero blocks.
  const std::string a_member = a.substr(0, 1024);
  REQUIRE(std::all_of(a.begin() + 1024, a.end(), [](char c) { return c == '\0'; }));
  return {
      {"archives concatenated", a + b, std::to_string(a.size())},
      {"a lone zero block amid members", a_member + std::string(512, '\0') + b, "1536"},
      // Decoys: an end padded to a record, or with more zeros after it, hides nothing.
      {"one archive", a, ""},
      {"zeros past the record", a + std::string(40u << 10, '\0'), ""},
  };
}

}  // namespace

TEST_CASE("data past a tar's end is named where nothing reads it",
          "[input][archive][tar][gzip][damage]") {
  ntpsweep::testing::TempDir tmp;
  for (const TarEndCase& c : TarEndCases(tmp)) {
    for (const std::string name : {"t.tar", "t.tar.gz"}) {
      INFO(c.what << ", " << name);
      const std::string bytes = name == "t.tar" ? c.tar : Compress(tmp, c.tar, "gzip", {"-n"});
      ntpsweep::testing::WriteWholeFile(tmp / name, bytes);
      Reading file = ReadFile(tmp / name, name);
      // Read as tar and libarchive read it: the first member alone.
      CHECK(file.entries == std::vector<std::string>{name + "!a.conf = server 10.20.30.40\n"});
      if (c.past.empty()) {
        CHECK(file.notices.empty());
      } else {
        REQUIRE(file.notices.size() == 1);
        CHECK(file.notices[0].starts_with("archive-error: " + name + ": the archive ends"));
        CHECK(file.notices[0].find("data follows at offset " + c.past + " ") != std::string::npos);
      }
    }
  }
}

// A pipe: bytes in blocks of `block` bytes, no seek (stdin, a member of an archive).
class PipeSource : public ByteSource {
 public:
  PipeSource(std::string bytes, size_t block) : bytes_(std::move(bytes)), block_(block) {}
  bool Next(std::string_view* block) override {
    *block = std::string_view(bytes_).substr(std::min(at_, bytes_.size()), block_);
    at_ += block->size();
    return true;
  }
  bool at_eof() const override { return at_ >= bytes_.size(); }

 private:
  std::string bytes_;
  size_t block_;
  size_t at_ = 0;
};

TEST_CASE("data past a tar's end is named where libarchive reads the tar",
          "[input][archive][tar][gzip][damage]") {
  ntpsweep::testing::TempDir tmp;
  const std::string tree = tmp / "tree";
  const WalkOptions options;
  for (const TarEndCase& c : TarEndCases(tmp)) {
    auto check = [&](const Reading& r, const std::string& where, const std::string& first) {
      CHECK(r.entries == std::vector<std::string>{first + " = server 10.20.30.40\n"});
      if (c.past.empty()) {
        CHECK(r.notices.empty());
      } else {
        REQUIRE(r.notices.size() == 1);
        CHECK(r.notices[0].starts_with("archive-error: " + where + ": the archive ends"));
        CHECK(r.notices[0].find("data follows at offset " + c.past + " ") != std::string::npos);
      }
    };
    for (const std::string name : {"t.tar", "t.tar.gz"}) {
      INFO(c.what << ", " << name);
      const std::string bytes = name == "t.tar" ? c.tar : Compress(tmp, c.tar, "gzip", {"-n"});
      // stdin: a pipe, in blocks that split the end mark and the header past it.
      for (size_t block : {size_t{700}, size_t{512}, size_t{4096}, size_t{1} << 16}) {
        INFO("a pipe in blocks of " << block);
        Reading piped;
        {
          InputScan scan(options, piped, 0);
          PipeSource src(bytes, block);
          ScanContent(scan, src, Chain{"-"}, "-", 0, nullptr, nullptr);
        }
        check(piped, "-", "-!a.conf");
      }
      // In memory (seekable): read again where libarchive's tar reader stopped.
      check(ReadStream(bytes, name), name, name + "!a.conf");
      // A member of a tar file, and of a tar read from stdin.
      ntpsweep::testing::WriteWholeFile(tree + "/" + name, bytes);
      const std::string outer = WriteTar(tmp, {"/usr/bin/tar", "-cf", tmp / "outer.tar", name});
      std::filesystem::remove(tree + "/" + name);
      check(ReadFile(tmp / "outer.tar", "outer.tar"), "outer.tar!" + name,
            "outer.tar!" + name + "!a.conf");
      Reading piped;
      {
        InputScan scan(options, piped, 0);
        PipeSource src(outer, 4096);
        ScanContent(scan, src, Chain{"-"}, "-", 0, nullptr, nullptr);
      }
      check(piped, "-!" + name, "-!" + name + "!a.conf");
    }
  }
}
