// The tar header reader of the plain tar's reading thread (input/tar_headers.h): on tars written
// by GNU tar and bsdtar it gives, member by member, what libarchive gives; what it does not take
// (sparse members, a bad checksum, a file cut short) is handed back; and a tar file read with it
// (OpenContainerFile) yields the entries, notices, skips and aliases of the same bytes read by
// libarchive alone (a stream, ScanContent).
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
#include "input/dispatch.h"
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
Reading ReadFile(const std::string& path) {
  Reading r;
  REQUIRE(OpenContainerFile(path, "t.tar", WalkOptions{}, r, true));
  return r;
}

// The same bytes read as a stream: libarchive alone.
Reading ReadStream(const std::string& bytes) {
  Reading r;
  WalkOptions options;
  {
    InputScan scan(options, r, bytes.size());
    MemorySource src(bytes);
    ScanContent(scan, src, Chain{"t.tar"}, "t.tar", 0, nullptr, nullptr);
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
