// Unit tests of the archive/image input layer: sniffing, names, squashing, the findings
// post-pass, the location grammar, and archives built in memory with libarchive's writer (so
// that limits and damage can be exercised byte for byte).
#include <archive.h>
#include <archive_entry.h>

#include <unistd.h>

#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/bytes.h"
#include "core/file.h"
#include "input/archive.h"
#include "input/archive_sniff.h"
#include "input/container.h"
#include "input/container_rewrite.h"
#include "input/dispatch.h"
#include "input/member_path.h"
#include "input/progress.h"
#include "run_binary.h"

namespace {

using namespace ntpsweep;
using namespace ntpsweep::input;

// ---------------------------------------------------------------------------------------------
// Helpers

struct Member {
  // kSparse: a file whose run of NULs is written as a hole.
  enum Kind { kFile, kDir, kHardlink, kSymlink, kSparse };
  Member(std::string n, std::string d, Kind k = kFile, std::string t = "")
      : name(std::move(n)), data(std::move(d)), kind(k), target(std::move(t)) {}
  std::string name;
  std::string data;
  Kind kind;
  std::string target;
};

struct WriteFree {
  void operator()(archive* a) const { archive_write_free(a); }
};

// An archive in memory: `format` is an archive_write_set_format_* function, `filter` an
// archive_write_add_filter_* one (or null).
std::string MakeArchive(const std::vector<Member>& members, int (*format)(archive*),
                        int (*filter)(archive*) = nullptr) {
  std::unique_ptr<archive, WriteFree> a(archive_write_new());
  REQUIRE(format(a.get()) == ARCHIVE_OK);
  if (filter) REQUIRE(filter(a.get()) == ARCHIVE_OK);
  archive_write_set_bytes_in_last_block(a.get(), 1);
  std::string buffer(64u << 20, '\0');
  size_t used = 0;
  REQUIRE(archive_write_open_memory(a.get(), buffer.data(), buffer.size(), &used) == ARCHIVE_OK);
  for (const Member& m : members) {
    std::unique_ptr<archive_entry, decltype(&archive_entry_free)> e(archive_entry_new(), archive_entry_free);
    archive_entry_set_pathname(e.get(), m.name.c_str());
    archive_entry_set_mtime(e.get(), 1600000000, 0);
    switch (m.kind) {
      case Member::kFile:
        archive_entry_set_filetype(e.get(), AE_IFREG);
        archive_entry_set_perm(e.get(), 0644);
        archive_entry_set_size(e.get(), static_cast<la_int64_t>(m.data.size()));
        break;
      case Member::kDir:
        archive_entry_set_filetype(e.get(), AE_IFDIR);
        archive_entry_set_perm(e.get(), 0755);
        break;
      case Member::kHardlink:
        archive_entry_set_filetype(e.get(), AE_IFREG);
        archive_entry_set_hardlink(e.get(), m.target.c_str());
        archive_entry_set_size(e.get(), 0);
        break;
      case Member::kSymlink:
        archive_entry_set_filetype(e.get(), AE_IFLNK);
        archive_entry_set_symlink(e.get(), m.target.c_str());
        break;
      case Member::kSparse: {
        archive_entry_set_filetype(e.get(), AE_IFREG);
        archive_entry_set_perm(e.get(), 0644);
        archive_entry_set_size(e.get(), static_cast<la_int64_t>(m.data.size()));
        const size_t hole = m.data.find('\0'), end = m.data.find_last_of('\0') + 1;
        archive_entry_sparse_add_entry(e.get(), 0, static_cast<la_int64_t>(hole));
        archive_entry_sparse_add_entry(e.get(), static_cast<la_int64_t>(end),
                                       static_cast<la_int64_t>(m.data.size() - end));
        break;
      }
    }
    REQUIRE(archive_write_header(a.get(), e.get()) == ARCHIVE_OK);
    if ((m.kind == Member::kFile || m.kind == Member::kSparse) && !m.data.empty())
      REQUIRE(archive_write_data(a.get(), m.data.data(), m.data.size()) ==
              static_cast<la_ssize_t>(m.data.size()));
  }
  REQUIRE(archive_write_close(a.get()) == ARCHIVE_OK);
  buffer.resize(used);
  return buffer;
}

std::string Tar(const std::vector<Member>& m, int (*filter)(archive*) = nullptr) {
  return MakeArchive(m, archive_write_set_format_pax_restricted, filter);
}

class FakeSink : public EntrySink {
 public:
  // A member the worker would read itself (Entry::member_file) is read here, as it would be;
  // its location goes to `deferred`.
  void Add(Entry e) override {
    if (e.member_file) {
      CHECK(e.data.empty());
      deferred.insert(e.location.Render());
      e.data.resize(e.member_bytes);
      ssize_t n = pread(e.member_file->get(), e.data.data(), e.data.size(),
                        static_cast<off_t>(e.archive_data_offset));
      e.data.resize(n > 0 ? static_cast<size_t>(n) : 0);
      e.member_file.reset();
    }
    entries.push_back(std::move(e));
  }
  void Report(Notice n) override { notices.push_back(std::move(n)); }
  void CountSkipped(std::string_view why) override { ++skipped[std::string(why)]; }
  void Amend(Amendment a) override { amendments.push_back(std::move(a)); }

  std::vector<std::string> Locations() const {
    std::vector<std::string> out;
    for (const Entry& e : entries) out.push_back(e.location.Render());
    return out;
  }
  const Entry* Find(const std::string& rendered) const {
    for (const Entry& e : entries)
      if (e.location.Render() == rendered) return &e;
    return nullptr;
  }
  std::set<std::string> NoticeIds() const {
    std::set<std::string> out;
    for (const Notice& n : notices) out.insert(n.id);
    return out;
  }

  std::vector<Entry> entries;
  std::vector<Notice> notices;
  std::map<std::string, int> skipped;
  std::vector<Amendment> amendments;
  std::set<std::string> deferred;
};

// Reads `bytes` as the content of a file called `name` (as from stdin: a stream).
void Read(const std::string& bytes, const std::string& name, FakeSink* sink, const Limits& limits = {},
          uint64_t input_size = 0) {
  WalkOptions options;
  options.limits = limits;
  InputScan scan(options, *sink, input_size ? input_size : bytes.size());
  MemorySource src(bytes);
  ScanContent(scan, src, Chain{name}, name, 0, nullptr, nullptr);
}

// ---------------------------------------------------------------------------------------------

TEST_CASE("content is sniffed by its bytes, never its name", "[input][sniff]") {
  std::string tar = Tar({{"etc/ntp.conf", "server 10.0.0.1\n"}});
  CHECK(Sniff(tar).kind == ContentKind::kArchive);
  CHECK(Sniff(tar).format == "tar");
  CHECK(Sniff(MakeArchive({{"x", "y"}}, archive_write_set_format_v7tar)).format == "tar");
  CHECK(Sniff(Tar({{"x", "y"}}, archive_write_add_filter_gzip)).format == "gzip");
  CHECK(Sniff(Tar({{"x", "y"}}, archive_write_add_filter_bzip2)).format == "bzip2");
  CHECK(Sniff(Tar({{"x", "y"}}, archive_write_add_filter_xz)).format == "xz");
  CHECK(Sniff(Tar({{"x", "y"}}, archive_write_add_filter_lzma)).format == "lzma");
  CHECK(Sniff(Tar({{"x", "y"}}, archive_write_add_filter_zstd)).format == "zstd");
  CHECK(Sniff(Tar({{"x", "y"}}, archive_write_add_filter_lz4)).format == "lz4");
  CHECK(Sniff(Tar({{"x", "y"}}, archive_write_add_filter_compress)).format == "compress");
  CHECK(Sniff(MakeArchive({{"x", "y"}}, archive_write_set_format_zip)).format == "zip");
  CHECK(Sniff(MakeArchive({{"x", "y"}}, archive_write_set_format_7zip)).kind == ContentKind::kSevenZip);
  CHECK(Sniff(MakeArchive({{"x", "y"}}, archive_write_set_format_cpio_newc)).format == "cpio");
  CHECK(Sniff(MakeArchive({{"x", "y"}}, archive_write_set_format_cpio_odc)).format == "cpio");
  CHECK(Sniff(MakeArchive({{"x", "y"}}, archive_write_set_format_ar_svr4)).format == "ar");
  CHECK(Sniff(MakeArchive({{"x", "y"}}, archive_write_set_format_xar)).format == "xar");
  std::string iso(kIsoProbeBytes, '\0');
  iso.replace(32769, 5, "CD001");
  CHECK(NeedsIsoProbe(iso.substr(0, kSniffBytes)));
  CHECK(Sniff(iso).format == "iso9660");

  auto with = [](size_t off, std::string_view magic) {
    std::string s(kSniffBytes, '\0');
    s.replace(off, magic.size(), magic);
    return s;
  };
  CHECK(Sniff(with(0, "QFI\xfb")).kind == ContentKind::kUnsupported);
  CHECK(Sniff(with(0, "KDMV")).kind == ContentKind::kVmdk);
  CHECK(Sniff(with(0, "vhdxfile")).kind == ContentKind::kVhdx);
  CHECK(Sniff(with(0, "conectix")).kind == ContentKind::kVhd);
  CHECK(Sniff(with(0, "LUKS\xba\xbe")).format == "LUKS-encrypted volume");
  CHECK(Sniff(with(512, "EFI PART")).format == "GPT");
  CHECK(Sniff(with(512, "LABELONE")).format == "LVM");
  CHECK(Sniff(with(0, "XFSB")).format == "XFS");
  std::string ext = with(1080, "\x53\xef");
  CHECK(Sniff(ext).format == "ext");
  std::string mbr = with(510, "\x55\xaa");
  mbr[446 + 4] = '\x83';
  mbr[446 + 12] = '\x10';
  CHECK(Sniff(mbr).format == "MBR");
  std::string kernel = mbr;  // a bzImage's boot sector (Talos' uki testdata): no disk
  kernel.replace(0x202, 4, "HdrS");
  CHECK(Sniff(kernel).kind == ContentKind::kPlain);
  mbr[446] = '\x12';  // an invalid boot flag: not a partition table
  CHECK(Sniff(mbr).kind == ContentKind::kPlain);

  std::string tail(512, '\0');
  tail.replace(0, 8, "conectix");
  CHECK(IsVhdFooter(tail));
  std::string volume(kVolumeProbeBytes, '\0');
  volume.replace(0x10040, 8, "_BHRfS_M");
  CHECK(UnsupportedVolume(volume) == "btrfs file system");

  // Text is never a container, whatever it starts with.
  CHECK(Sniff("server 10.0.0.1\nEFI PART\n").kind == ContentKind::kPlain);
  CHECK(Sniff(std::string("\x7f" "ELF\2\1\1\0\0\0", 10)).kind == ContentKind::kPlain);
}

TEST_CASE("member names stay inside the archive root", "[input][names]") {
  bool unsafe = false;
  CHECK(NormalizeMemberName("./etc//ntp.conf", &unsafe) == "etc/ntp.conf");
  CHECK_FALSE(unsafe);
  CHECK(NormalizeMemberName("/etc/ntp.conf", &unsafe) == "etc/ntp.conf");
  CHECK(unsafe);
  CHECK(NormalizeMemberName("../../etc/ntp.conf", &unsafe) == "etc/ntp.conf");
  CHECK(unsafe);
  CHECK(NormalizeMemberName("a/b/../../../c", &unsafe) == "c");
  CHECK(unsafe);

  // A name already normal is taken as it is: every joining of these segments gives what a
  // segment-by-segment reading gives. Decoys: "..." and ".x" and "x." are ordinary names.
  const char* const kSegments[] = {"a", "", ".", "..", "...", ".x", "..x", "x."};
  std::vector<std::string> names = {""};
  for (int depth = 0; depth < 4; ++depth) {
    std::vector<std::string> longer;
    for (const std::string& n : names)
      for (const char* seg : kSegments) longer.push_back(n.empty() ? seg : n + "/" + seg);
    names.insert(names.end(), longer.begin(), longer.end());
  }
  int normal = 0;
  for (const std::string& base : names)
    for (const std::string& name : {base, "/" + base, base + "/", "./" + base, "././" + base}) {
      std::vector<std::string> kept;
      bool up = name.starts_with('/');
      for (size_t i = 0; i <= name.size();) {
        size_t j = std::min(name.find('/', i), name.size());
        std::string seg = name.substr(i, j - i);
        if (seg == "..") {
          up = true;
          if (!kept.empty()) kept.pop_back();
        } else if (!seg.empty() && seg != ".") {
          kept.push_back(seg);
        }
        i = j + 1;
      }
      std::string want;
      for (const std::string& k : kept) want += (want.empty() ? "" : "/") + k;
      normal += want == name;
      INFO(name);
      CHECK(NormalizeMemberName(name, &unsafe) == want);
      CHECK(unsafe == up);
    }
  CHECK(normal > 100);

  CHECK(ResolveInsideRoot("etc/ntp.conf", "/etc/ntpsec/ntp.conf") == "etc/ntpsec/ntp.conf");
  CHECK(ResolveInsideRoot("etc/ntp.conf", "ntpsec/ntp.conf") == "etc/ntpsec/ntp.conf");
  CHECK(ResolveInsideRoot("etc/a/b", "../../../../../../x") == "x");
  std::map<std::string, std::string> links = {{"a", "b"}, {"b", "/etc/c"}, {"x", "y"}, {"y", "x"}};
  CHECK(FollowLinks(links, "a") == "etc/c");
  CHECK(FollowLinks(links, "x").empty());  // a loop
}

TEST_CASE("squashing follows the OCI layer rules", "[input][layers]") {
  using T = LayerEntry::Type;
  LayerIndex l0, l1, l2, l3, l4;
  l0.entries = {{"etc", T::kDir},           {"etc/ntp.conf", T::kFile},       {"etc/chrony", T::kDir},
                {"etc/chrony/chrony.conf", T::kFile}, {"etc/ntp.d/old.conf", T::kFile},
                {"etc/default/ntpdate", T::kFile},    {"srv/ntp/ntp.conf", T::kFile},
                {"opt/keep.conf", T::kFile}};
  l1.entries = {{"etc/ntp.conf", T::kFile}, {"etc/chrony.d/corp.conf", T::kFile},
                {"etc/chrony.d/link.conf", T::kHardlink}};
  l2.entries = {{"etc/chrony/.wh.chrony.conf", T::kFile}};
  // The opaque marker comes after its sibling: it still hides only the layers below.
  l3.entries = {{"etc/ntp.d/new.conf", T::kFile}, {"etc/ntp.d/.wh..wh..opq", T::kFile}};
  l4.entries = {{"srv/ntp", T::kFile}};
  auto hidden = HiddenPaths({&l0, &l1, &l2, &l3, &l4});
  REQUIRE(hidden.size() == 5);
  std::map<std::string, std::string> expect0 = {
      {"etc/ntp.conf", "replaced in layer 1"},
      {"etc/chrony/chrony.conf", "deleted in layer 2 (.wh.chrony.conf)"},
      {"etc/ntp.d/old.conf", "hidden by the opaque directory etc/ntp.d in layer 3"},
      {"srv/ntp/ntp.conf", "replaced by a non-directory in layer 4"}};
  CHECK(hidden[0] == expect0);
  CHECK(hidden[1].empty());
  CHECK(hidden[2].empty());
  CHECK(hidden[3].empty());  // the new file next to the opaque marker stays visible
  CHECK(hidden[4].empty());

  // A whiteout of a directory hides everything below it; a directory re-created above that
  // whiteout does not bring the lower files back.
  LayerIndex a, b, c;
  a.entries = {{"etc/x/1.conf", T::kFile}};
  b.entries = {{"etc/.wh.x", T::kFile}};
  c.entries = {{"etc/x", T::kDir}, {"etc/x/2.conf", T::kFile}};
  auto h = HiddenPaths({&a, &b, &c});
  CHECK(h[0].at("etc/x/1.conf") == "deleted in layer 1 (.wh.x)");
  CHECK(h[2].empty());
}

Finding At(Chain chain, Severity s = Severity::kError) {
  Finding f;
  f.rule_id = "ntp-conf-source";
  f.location.chain = std::move(chain);
  f.severity = s;
  f.message = "m";
  return f;
}

TEST_CASE("the post-pass names layer findings and demotes shadowed ones", "[input][layers]") {
  Amendment a;
  LayerView view;
  view.image = {"app.tar"};
  view.index = 0;
  view.digest = "sha256:aaa";
  view.hidden = {{"etc/old.conf", "deleted in layer 1 (.wh.old.conf)"}};
  a.layers.push_back({{"app.tar", "blobs/sha256/aaa"}, {view}});
  a.aliases.push_back({{"app.tar", "blobs/sha256/aaa", "etc/ntp.conf"},
                       {"app.tar", "blobs/sha256/aaa", "etc/hard.conf"}});
  std::vector<Finding> findings = {At({"app.tar", "blobs/sha256/aaa", "etc/ntp.conf"}),
                                   At({"app.tar", "blobs/sha256/aaa", "etc/old.conf"}),
                                   At({"app.tar", "blobs/sha256/aaa", "opt/x.tar.gz", "ntp.conf"}),
                                   At({"app.tar", "blobs/sha256/cfg"})};
  std::vector<Notice> notices = {
      Notice{Notice::Level::kWarning, "archive-error", Location{{"app.tar", "blobs/sha256/aaa", "etc/bad"}}, 0, 0, "x"}};

  SECTION("squashed") {
    ApplyAmendments({a}, &findings, &notices);
    std::map<std::string, const Finding*> by;
    for (const Finding& f : findings) by[f.location.Render()] = &f;
    REQUIRE(by.size() == 5);
    CHECK(by.at("app.tar!etc/ntp.conf")->severity == Severity::kError);
    CHECK(by.at("app.tar!etc/hard.conf")->severity == Severity::kError);
    const Finding& old = *by.at("app.tar!layer-0/etc/old.conf");
    CHECK(old.severity == Severity::kNote);
    CHECK(old.activity == Activity::kShadowed);
    CHECK(old.message.find("deleted in layer 1") != std::string::npos);
    CHECK(by.count("app.tar!opt/x.tar.gz!ntp.conf"));
    CHECK(by.count("app.tar!blobs/sha256/cfg"));  // not a layer: untouched
    auto props = by.at("app.tar!etc/hard.conf")->properties;
    CHECK(props == std::vector<std::pair<std::string, std::string>>{
                       {"hardlinkTo", "app.tar!blobs/sha256/aaa!etc/ntp.conf"},
                       {"layer", "0"},
                       {"layerDigest", "sha256:aaa"}});
    CHECK(notices[0].location.Render() == "app.tar!layer-0/etc/bad");
  }
  SECTION("every layer as it is") {
    a.all_layers = true;
    ApplyAmendments({a}, &findings, &notices);
    std::set<std::string> names;
    for (const Finding& f : findings) {
      names.insert(f.location.Render());
      CHECK(f.severity == Severity::kError);
    }
    CHECK(names == std::set<std::string>{"app.tar!layer-0/etc/ntp.conf", "app.tar!layer-0/etc/hard.conf",
                                         "app.tar!layer-0/etc/old.conf", "app.tar!layer-0/opt/x.tar.gz!ntp.conf",
                                         "app.tar!blobs/sha256/cfg"});
  }
  SECTION("a blob two images share is reported for each") {
    LayerView arm = view;
    arm.prefix = "linux-arm64/";
    arm.index = 2;
    arm.hidden.clear();
    a.layers[0].views.push_back(arm);
    ApplyAmendments({a}, &findings, &notices);
    std::set<std::string> names;
    for (const Finding& f : findings) names.insert(f.location.Render());
    CHECK(names.count("app.tar!linux-arm64/etc/old.conf"));
    CHECK(names.count("app.tar!layer-0/etc/old.conf"));
  }
}

// The grammar docs/inputs.md gives: levels are separated by '!'; a '!' inside a level is "!!";
// in a run of '!' of odd length the last one separates; a level after the first that begins
// with '!' is written "./!...".
Chain Parse(const std::string& s) {
  Chain out(1);
  for (size_t i = 0; i < s.size();) {
    if (s[i] != '!') {
      out.back() += s[i++];
      continue;
    }
    size_t j = i;
    while (j < s.size() && s[j] == '!') ++j;
    size_t run = j - i;
    out.back().append(run / 2, '!');
    if (run % 2) out.emplace_back();
    i = j;
  }
  for (size_t k = 1; k < out.size(); ++k)
    if (out[k].starts_with("./!")) out[k].erase(0, 2);
  return out;
}

TEST_CASE("location chains render unambiguously", "[input][location]") {
  CHECK(Location{{"export-ami-0abc.vmdk", "p1/etc/chrony/chrony.conf"}}.Render() ==
        "export-ami-0abc.vmdk!p1/etc/chrony/chrony.conf");
  CHECK(Location{{"pkg.deb", "data.tar.xz", "etc/default/ntpdate"}}.Render() ==
        "pkg.deb!data.tar.xz!etc/default/ntpdate");
  CHECK(Location{{"a!b.tar", "c!"}}.Render() == "a!!b.tar!c!!");
  CHECK(Location{{"a!", "b"}}.Render() == "a!!!b");
  CHECK(Location{{"a", "!b"}}.Render() == "a!./!!b");
  // Every chain of names drawn from {a, !, /} survives a round trip.
  std::mt19937 rng(7);
  const std::string alphabet = "a!/";
  for (int n = 0; n < 5000; ++n) {
    Chain c(1 + rng() % 4);
    for (std::string& part : c) {
      size_t len = 1 + rng() % 5;
      for (size_t k = 0; k < len; ++k) part += alphabet[rng() % alphabet.size()];
    }
    INFO(Location{c}.Render());
    CHECK(Parse(Location{c}.Render()) == c);
  }
}

// Sniffing copies the head alone: a member's whole first block (up to 1 MiB) was copied to look at
// its first 8 KiB, most of it for binary members that need nothing more. What was left in place
// must follow the head, in order, however the bytes are taken (decoy: a pattern that does not
// repeat at block or peek boundaries, so a skipped or doubled piece shows).
TEST_CASE("a peek copies only the bytes it sniffs and replays the rest in order",
          "[input][stream]") {
  std::string bytes(3u << 20, '\0');
  for (size_t i = 0; i < bytes.size(); ++i)
    bytes[i] = static_cast<char>('a' + (i * 7 + i / 4099) % 26);
  auto rest = [](PeekSource& peek) {
    std::string out;
    std::string_view b;
    while (peek.Next(&b) && !b.empty()) out.append(b);
    return out;
  };
  {
    MemorySource src(bytes);  // 1 MiB blocks
    PeekSource peek(src);
    REQUIRE(peek.Fill(kSniffBytes));
    CHECK(peek.head().size() == kSniffBytes);
    // A longer peek (the ISO probe) goes on from the part left in place.
    REQUIRE(peek.Fill(kIsoProbeBytes));
    CHECK(peek.head() == std::string_view(bytes).substr(0, kIsoProbeBytes));
    CHECK_FALSE(peek.at_eof());
    CHECK(rest(peek) == bytes);
    CHECK(peek.at_eof());
  }
  {
    MemorySource src(bytes);
    PeekSource peek(src);
    REQUIRE(peek.Fill(kSniffBytes));
    std::string data = peek.TakeHead();  // the entry's bytes: the head, then what follows it
    CHECK(data.size() == kSniffBytes);
    data += rest(peek);
    CHECK(data == bytes);
  }
  {
    MemorySource src(std::string("server 10.0.0.1\n"));  // shorter than a peek: all of it
    PeekSource peek(src);
    REQUIRE(peek.Fill(kSniffBytes));
    CHECK(peek.head() == "server 10.0.0.1\n");
    CHECK(rest(peek) == "server 10.0.0.1\n");
    CHECK(peek.at_eof());
  }
}

TEST_CASE("nested archives are read from the stream, without temporary files", "[input][archive]") {
  std::string inner_zip = MakeArchive({{"etc/chrony/chrony.conf", "pool 10.0.0.1\n"}}, archive_write_set_format_zip);
  std::string deb_data = Tar({{"./etc/default/ntpdate", "NTPSERVERS=10.0.0.1\n"}}, archive_write_add_filter_xz);
  std::string deb = MakeArchive({{"debian-binary", "2.0\n"}, {"data.tar.xz", deb_data}}, archive_write_set_format_ar_svr4);
  std::string gz_member = Tar({{"ntp.conf", "server 10.0.0.1\n"}}, archive_write_add_filter_gzip);
  std::string seven = MakeArchive({{"etc/ntp.conf", "server 10.0.0.1\n"}}, archive_write_set_format_7zip);
  std::string outer = Tar({{"images/inner.zip", inner_zip},
                           {"pkg.deb", deb},
                           {"legacy/ntp.tar.gz", gz_member},
                           {"tools.7z", seven},
                           {"bin/tool", std::string("\x7f" "ELF\0\0 10.0.0.1", 15)}},
                          archive_write_add_filter_zstd);
  FakeSink sink;
  Read(outer, "outer.tar.zst", &sink);
  CHECK(sink.notices.empty());
  std::vector<std::string> locations = sink.Locations();
  std::set<std::string> got(locations.begin(), locations.end());
  CHECK(got == std::set<std::string>{"outer.tar.zst!images/inner.zip!etc/chrony/chrony.conf",
                                     "outer.tar.zst!pkg.deb!debian-binary",
                                     "outer.tar.zst!pkg.deb!data.tar.xz!etc/default/ntpdate",
                                     "outer.tar.zst!legacy/ntp.tar.gz!ntp.conf",
                                     "outer.tar.zst!tools.7z!etc/ntp.conf",
                                     "outer.tar.zst!bin/tool"});
  const Entry* deb_entry = sink.Find("outer.tar.zst!pkg.deb!data.tar.xz!etc/default/ntpdate");
  REQUIRE(deb_entry);
  CHECK(deb_entry->path == "etc/default/ntpdate");  // what rule globs match
  CHECK(deb_entry->data == "NTPSERVERS=10.0.0.1\n");
  // A binary member is handed over up to its first NUL only (the worker counts it as binary).
  CHECK(sink.Find("outer.tar.zst!bin/tool")->data == std::string("\x7f" "ELF\0", 5));
}

TEST_CASE("a compressed single file is named as gunzip would name it", "[input][archive]") {
  // Not a tar inside: the gzip of a text, written with libarchive's raw format.
  std::string raw = MakeArchive({{"ntp.conf", "server 10.0.0.1\n"}}, archive_write_set_format_raw,
                                archive_write_add_filter_gzip);
  FakeSink sink;
  Read(raw, "etc/ntp.conf.gz", &sink);
  REQUIRE(sink.entries.size() == 1);
  CHECK(sink.entries[0].location.Render() == "etc/ntp.conf.gz!ntp.conf");
  CHECK(sink.entries[0].path == "etc/ntp.conf");
  CHECK(sink.entries[0].data == "server 10.0.0.1\n");
}

TEST_CASE("hard links and symbolic links become aliases inside the archive", "[input][archive]") {
  std::string tar = Tar({{"etc/ntp.conf", "server 10.0.0.1\n"},
                         {"etc/ntp-copy.conf", "", Member::kHardlink, "etc/ntp.conf"},
                         {"etc/ntp-link.conf", "", Member::kSymlink, "/etc/ntp.conf"},
                         {"etc/escape.conf", "", Member::kSymlink, "../../../../etc/ntp.conf"}});
  FakeSink sink;
  Read(tar, "rootfs.tar", &sink);
  REQUIRE(sink.entries.size() == 1);
  REQUIRE(sink.amendments.size() == 1);
  std::set<std::pair<std::string, std::string>> aliases;
  for (const Alias& a : sink.amendments[0].aliases)
    aliases.insert({Location{a.target}.Render() + " <- " + Location{a.link}.Render(), a.kind});
  CHECK(aliases == std::set<std::pair<std::string, std::string>>{
                       {"rootfs.tar!etc/ntp.conf <- rootfs.tar!etc/ntp-copy.conf", "hardlink"},
                       {"rootfs.tar!etc/ntp.conf <- rootfs.tar!etc/ntp-link.conf", "symlink"},
                       // ".." never leaves the archive: it resolves at its root
                       {"rootfs.tar!etc/ntp.conf <- rootfs.tar!etc/escape.conf", "symlink"}});
}

TEST_CASE("a layer without its tar trailer is read whole, quietly", "[input][archive]") {
  std::string layer = Tar({{"etc/ntp.conf", "server 10.0.0.1\n"}, {"etc/b.conf", "server 10.0.0.2\n"}});
  while (layer.size() >= 512 && layer.compare(layer.size() - 512, 512, std::string(512, '\0')) == 0)
    layer.resize(layer.size() - 512);
  std::string outer = Tar({{"blobs/sha256/abc", layer}});
  FakeSink sink;
  Read(outer, "image.tar", &sink);
  CHECK(sink.notices.empty());
  CHECK(sink.entries.size() == 2);
}

TEST_CASE("limits end in a notice naming the place, and the scan goes on", "[input][limits]") {
  FakeSink sink;
  Limits limits;
  SECTION("nesting depth") {
    std::string d1 = Tar({{"ntp.conf", "server 10.0.0.1\n"}}, archive_write_add_filter_gzip);
    std::string d2 = Tar({{"d1.tar.gz", d1}});
    std::string d3 = Tar({{"d2.tar", d2}, {"top.conf", "server 10.0.0.1\n"}});
    limits.max_depth = 2;
    Read(d3, "d3.tar", &sink, limits);
    CHECK(sink.NoticeIds() == std::set<std::string>{"limit-depth"});
    CHECK(sink.notices[0].location.Render() == "d3.tar!d2.tar!d1.tar.gz");
    CHECK(sink.Locations() == std::vector<std::string>{"d3.tar!top.conf"});
  }
  SECTION("members per archive") {
    std::vector<Member> many;
    for (int i = 0; i < 10; ++i) many.push_back({"f" + std::to_string(i), "x\n"});
    limits.max_entries = 4;
    Read(Tar(many), "many.tar", &sink, limits);
    CHECK(sink.NoticeIds() == std::set<std::string>{"limit-entries"});
    CHECK(sink.entries.size() == 4);
  }
  SECTION("bytes of one member") {
    std::string big = "server 10.0.0.1\n" + std::string(100000, '#') + "\n";
    limits.max_entry_bytes = 1024;
    Read(Tar({{"big.conf", big}, {"small.conf", "server 10.0.0.2\n"}}, archive_write_add_filter_gzip),
         "t.tar.gz", &sink, limits);
    CHECK(sink.NoticeIds() == std::set<std::string>{"limit-entry-size"});
    REQUIRE(sink.Find("t.tar.gz!big.conf"));
    CHECK(sink.Find("t.tar.gz!big.conf")->data.size() == 1024);
    CHECK(sink.Find("t.tar.gz!small.conf"));  // the archive went on
  }
  SECTION("bytes of one input") {
    limits.max_input_bytes = 64 << 10;
    Read(Tar({{"a", std::string(200 << 10, 'a')}, {"b", "server 10.0.0.1\n"}}), "t.tar", &sink, limits);
    CHECK(sink.NoticeIds() == std::set<std::string>{"limit-input-size"});
    CHECK_FALSE(sink.Find("t.tar!b"));
  }
  SECTION("compression ratio") {
    // gzip tops out near 1030:1; zstd goes far beyond.
    std::string bomb = Tar({{"zeros", std::string(32u << 20, '\0')}}, archive_write_add_filter_zstd);
    Read(bomb, "bomb.tar.gz", &sink, limits);
    CHECK(sink.NoticeIds() == std::set<std::string>{"limit-ratio"});
    CHECK(sink.notices[0].message.find("--max-ratio") != std::string::npos);
  }
  SECTION("random-access buffer") {
    std::string seven = MakeArchive({{"etc/ntp.conf", "server 10.0.0.1\n"}}, archive_write_set_format_7zip);
    limits.max_buffer_bytes = 16;
    Read(Tar({{"x.7z", seven}}), "t.tar", &sink, limits);
    CHECK(sink.NoticeIds() == std::set<std::string>{"limit-buffer"});
  }
}

TEST_CASE("a tar cut inside a member whose rest is skipped ends in a notice", "[input][damage]") {
  // A binary member's rest is skipped by seeking, and a seek passes the end of a cut file.
  ntpsweep::testing::TempDir tmp;
  std::string tar = Tar({{"bin/blob", std::string(4, '\0') + std::string(300000, 'b')},
                         {"etc/ntp.conf", "server 10.0.0.1\n"}});
  const std::string whole_path = tmp.path() + "/t.tar", cut_path = tmp.path() + "/cut.tar";
  ntpsweep::testing::WriteWholeFile(whole_path, tar);
  ntpsweep::testing::WriteWholeFile(cut_path, tar.substr(0, 200000));
  FakeSink whole;  // decoy: the same archive whole
  REQUIRE(OpenContainerFile(whole_path, "t.tar", WalkOptions{}, whole, true));
  CHECK(whole.notices.empty());
  CHECK(whole.Find("t.tar!etc/ntp.conf") != nullptr);
  FakeSink cut;
  REQUIRE(OpenContainerFile(cut_path, "cut.tar", WalkOptions{}, cut, true));
  REQUIRE(cut.notices.size() == 1);
  CHECK(cut.notices[0].id == "archive-error");
  CHECK(cut.notices[0].message.find("cut.tar") != std::string::npos);
  CHECK(cut.notices[0].message.find("bin/blob") != std::string::npos);
  CHECK(cut.Find("cut.tar!etc/ntp.conf") == nullptr);
}

TEST_CASE("damaged archives end in one clear notice", "[input][damage]") {
  std::string gz = Tar({{"a.conf", "server 10.0.0.1\n" + std::string(300000, 'x')}, {"b.conf", "x"}},
                       archive_write_add_filter_gzip);
  FakeSink sink;
  Read(gz.substr(0, gz.size() - 200), "cut.tar.gz", &sink);
  REQUIRE(sink.notices.size() == 1);
  CHECK(sink.notices[0].message.find("cut.tar.gz") != std::string::npos);
  CHECK(sink.notices[0].message.find("truncated") != std::string::npos);

  FakeSink junk;
  std::string garbage = "\x1f\x8b" + std::string(5000, '\x55');
  Read(garbage, "junk.gz", &junk);
  REQUIRE(junk.notices.size() == 1);
  CHECK(junk.notices[0].id == "archive-error");
}

// A zip of stored members with the CRC and sizes in each local header, as `zip -0` writes it
// (libarchive's writer puts them in a data descriptor, which a damaged CRC makes unfindable).
std::string StoredZip(const std::vector<std::pair<std::string, std::string>>& files) {
  auto crc32 = [](std::string_view data) {
    uint32_t c = 0xFFFFFFFFu;
    for (unsigned char b : data) {
      c ^= b;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return ~c;
  };
  auto le = [](std::string* out, uint32_t v, int bytes) {
    for (int k = 0; k < bytes; ++k) out->push_back(static_cast<char>((v >> (8 * k)) & 0xFF));
  };
  std::string zip, central;
  for (const auto& [name, data] : files) {
    const uint32_t offset = static_cast<uint32_t>(zip.size()), crc = crc32(data);
    const uint32_t size = static_cast<uint32_t>(data.size());
    const uint32_t name_size = static_cast<uint32_t>(name.size());
    le(&zip, 0x04034b50, 4), le(&zip, 20, 2), le(&zip, 0, 2), le(&zip, 0, 2), le(&zip, 0, 4);
    le(&zip, crc, 4), le(&zip, size, 4), le(&zip, size, 4), le(&zip, name_size, 2), le(&zip, 0, 2);
    zip += name + data;
    le(&central, 0x02014b50, 4), le(&central, 20, 2), le(&central, 20, 2), le(&central, 0, 2);
    le(&central, 0, 2), le(&central, 0, 4), le(&central, crc, 4), le(&central, size, 4);
    le(&central, size, 4), le(&central, name_size, 2), le(&central, 0, 2), le(&central, 0, 2);
    le(&central, 0, 2), le(&central, 0, 2), le(&central, 0, 4), le(&central, offset, 4);
    central += name;
  }
  const uint32_t central_at = static_cast<uint32_t>(zip.size());
  const uint32_t count = static_cast<uint32_t>(files.size());
  zip += central;
  le(&zip, 0x06054b50, 4), le(&zip, 0, 2), le(&zip, 0, 2), le(&zip, count, 2), le(&zip, count, 2);
  le(&zip, static_cast<uint32_t>(central.size()), 4), le(&zip, central_at, 4), le(&zip, 0, 2);
  return zip;
}

TEST_CASE("a zip member whose CRC does not match is read and named as damaged", "[input][damage]") {
  std::string zip = StoredZip({{"etc/ntp.conf", "server 10.0.0.1\n# padding-padding\n"},
                               {"etc/chrony.conf", "server 10.0.0.2\n"}});
  FakeSink whole;  // decoy: the same zip undamaged
  Read(zip, "a.zip", &whole);
  CHECK(whole.notices.empty());
  CHECK(whole.entries.size() == 2);

  size_t at = zip.find("padding-padding");
  REQUIRE(at != std::string::npos);
  zip[at] = 'P';  // the stored data no longer matches the CRC of its header
  FakeSink damaged;
  Read(zip, "a.zip", &damaged);
  REQUIRE(damaged.notices.size() == 1);
  INFO(damaged.notices[0].message);
  CHECK(damaged.notices[0].id == "archive-error");
  CHECK(damaged.notices[0].location.Render() == "a.zip!etc/ntp.conf");
  CHECK(damaged.notices[0].message.find("CRC") != std::string::npos);
  CHECK(damaged.notices[0].message.find("etc/ntp.conf") != std::string::npos);
  // What was read is still scanned, and the sound member after it too.
  CHECK(damaged.Find("a.zip!etc/ntp.conf") != nullptr);
  CHECK(damaged.Find("a.zip!etc/chrony.conf") != nullptr);
}

TEST_CASE("a bzip2 file whose level byte is damaged is named as a damaged gzip is, not skipped",
          "[input][damage]") {
  const std::vector<Member> members = {{"etc/ntp.conf", "server 10.0.0.1\n"}};
  std::string bz = Tar(members, archive_write_add_filter_bzip2);
  std::string gz = Tar(members, archive_write_add_filter_gzip);
  bz[3] = static_cast<char>(bz[3] ^ 0xff);  // "BZh9" -> "BZh\xc6": no level digit
  gz[2] = static_cast<char>(gz[2] ^ 0xff);  // deflate (8) -> 0xf7: no method gzip knows
  for (const auto& [bytes, name] : {std::pair{bz, "a.tar.bz2"}, std::pair{gz, "a.tar.gz"}}) {
    INFO(name);
    FakeSink sink;
    Read(bytes, name, &sink);
    CHECK(sink.entries.empty());
    REQUIRE(sink.notices.size() == 1);
    CHECK(sink.notices[0].id == "archive-error");
    CHECK(sink.notices[0].message ==
          std::string(name) + ": not a valid " + (bz == bytes ? "bzip2" : "gzip") + " stream");
  }
  // Decoys: text that starts with "BZh" is text; a sound bzip2 is read.
  CHECK(Sniff("BZh, not a level digit\nserver 10.0.0.1\n").kind == ContentKind::kPlain);
  FakeSink sound;
  Read(Tar(members, archive_write_add_filter_bzip2), "a.tar.bz2", &sound);
  CHECK(sound.notices.empty());
  CHECK(sound.Locations() == std::vector<std::string>{"a.tar.bz2!etc/ntp.conf"});
}

TEST_CASE("an archive with no members is named, not passed as scanned", "[input][damage]") {
  // Zero blocks are a tar's end mark: a gzip of zeros reads as an empty tar.
  std::string zeros = MakeArchive({{"z", std::string(1 << 20, '\0')}},
                                  archive_write_set_format_raw, archive_write_add_filter_gzip);
  FakeSink sink;
  Read(zeros, "zeros.tar.gz", &sink);
  CHECK(sink.entries.empty());
  REQUIRE(sink.notices.size() == 1);
  CHECK(sink.notices[0].id == "archive-empty");
  CHECK(sink.notices[0].level == Notice::Level::kNote);
  CHECK(sink.notices[0].message.find("zeros.tar.gz") != std::string::npos);

  // Decoy: a compressed tar with a member is not empty.
  FakeSink full;
  Read(Tar({{"a.conf", "server 10.0.0.1\n"}}, archive_write_add_filter_gzip), "a.tar.gz", &full);
  CHECK(full.NoticeIds().count("archive-empty") == 0);
  CHECK(full.entries.size() == 1);
}

// One member wanted by its chain, for ReadTarMemberAt.
class OneMember : public MemberFilter {
 public:
  explicit OneMember(Chain chain) : chain_(std::move(chain)) {}
  bool Wants(const Chain& c) const override { return c == chain_; }
  bool Done() const override { return done_; }
  Chain chain_;
  bool done_ = false;
};

// Takes the entries read again; the first one ends the read (OneMember is done).
struct OneMemberSink : FakeSink {
  explicit OneMemberSink(OneMember* only) : only(only) {}
  void Add(Entry e) override {
    only->done_ = true;
    FakeSink::Add(std::move(e));
  }
  OneMember* only;
};

TEST_CASE("a member of a tar file is found again alone by the offset of its headers",
          "[input][archive]") {
  ntpsweep::testing::TempDir tmp;
  // Names past 100 bytes need pax (and GNU) extension headers before the member's own.
  const std::string long_name = "usr/share/" + std::string(120, 'l') + "/ntp.conf";
  const std::vector<Member> members = {{"etc/ntp.conf", "server 10.0.0.1\n"},
                                       {long_name, "server 10.0.0.2\n"},
                                       {"bin/tool", std::string("\x7f"
                                                                "ELF\0\0",
                                                                6)},
                                       {"etc/chrony.conf", std::string(70000, 'x') + "\n"},
                                       {"etc/last.conf", "pool 10.0.0.3\n"}};
  for (auto* format : {archive_write_set_format_pax_restricted, archive_write_set_format_gnutar}) {
    const std::string path = tmp.path() + "/rootfs.tar";
    ntpsweep::testing::WriteWholeFile(path, MakeArchive(members, format));
    WalkOptions options;
    FakeSink pass;
    REQUIRE(OpenContainerFile(path, "rootfs.tar", options, pass, true));
    REQUIRE(pass.entries.size() == members.size());
    for (const Entry& e : pass.entries) {
      INFO(e.location.Render());
      if (e.location.Render() == "rootfs.tar!bin/tool") continue;  // binary: nothing to re-read
      REQUIRE(e.archive_offset >= 0);
      OneMember only(e.location.chain);
      WalkOptions again;
      again.only = &only;
      OneMemberSink sink(&only);
      REQUIRE(ReadTarMemberAt(path, "rootfs.tar", static_cast<uint64_t>(e.archive_offset), again,
                              sink));
      REQUIRE(sink.entries.size() == 1);
      CHECK(sink.entries[0].location == e.location);
      CHECK(sink.entries[0].data == e.data);
      CHECK(sink.notices.empty());
    }
  }
  // Inside a compressed stream, or one tar inside another, there is no offset in a file.
  std::string inner = Tar({{"etc/ntp.conf", "server 10.0.0.1\n"}});
  const std::string gz = tmp.path() + "/rootfs.tar.gz";
  ntpsweep::testing::WriteWholeFile(gz, Tar(members, archive_write_add_filter_gzip));
  const std::string outer = tmp.path() + "/outer.tar";
  ntpsweep::testing::WriteWholeFile(outer, Tar({{"inner.tar", inner}, {"top.conf", "pool x\n"}}));
  FakeSink sink;
  REQUIRE(OpenContainerFile(gz, "rootfs.tar.gz", WalkOptions{}, sink, true));
  REQUIRE(OpenContainerFile(outer, "outer.tar", WalkOptions{}, sink, true));
  std::map<std::string, int64_t> offsets;
  for (const Entry& e : sink.entries) offsets[e.location.Render()] = e.archive_offset;
  CHECK(offsets.at("rootfs.tar.gz!etc/ntp.conf") == -1);
  CHECK(offsets.at("outer.tar!inner.tar!etc/ntp.conf") == -1);
  CHECK(offsets.at("outer.tar!top.conf") >= 0);
}

// Linkage reads many members of one tar again: the file is opened once, and two threads read
// members of it at once, each member as the pass saw it. Decoys: an offset inside a member's
// data and one past the end read nothing; a file that is not an archive is refused.
TEST_CASE("members of a tar file opened once are read again by offset from several threads",
          "[input][archive]") {
  ntpsweep::testing::TempDir tmp;
  std::vector<Member> members;
  for (int i = 0; i < 40; ++i)
    members.push_back({"etc/" + std::string(i % 2 ? 110 : 5, 'n') + std::to_string(i) + ".conf",
                       "server 10.0.0." + std::to_string(i) + "\n" + std::string(i * 900, '#')});
  const std::string path = tmp.path() + "/rootfs.tar";
  ntpsweep::testing::WriteWholeFile(path, Tar(members));
  FakeSink pass;
  REQUIRE(OpenContainerFile(path, "rootfs.tar", WalkOptions{}, pass, true));
  REQUIRE(pass.entries.size() == members.size());
  TarMembers tar(path);
  REQUIRE(tar.ok());
  // Each thread reads every other member; each read stops after its own member.
  std::vector<std::vector<Entry>> got(2);
  std::vector<std::thread> threads;
  for (size_t t = 0; t < got.size(); ++t)
    threads.emplace_back([&, t] {
      for (size_t i = t; i < pass.entries.size(); i += got.size()) {
        OneMember only(pass.entries[i].location.chain);
        WalkOptions again;
        again.only = &only;
        OneMemberSink sink(&only);
        if (tar.ReadAt("rootfs.tar", static_cast<uint64_t>(pass.entries[i].archive_offset), again,
                       sink))
          for (Entry& e : sink.entries) got[t].push_back(std::move(e));
      }
    });
  for (std::thread& t : threads) t.join();
  std::map<std::string, std::string> again;
  for (const auto& list : got)
    for (const Entry& e : list) again[e.location.Render()] = e.data;
  REQUIRE(again.size() == pass.entries.size());
  for (const Entry& e : pass.entries) CHECK(again.at(e.location.Render()) == e.data);

  // Decoys: the first member looked for where a later one starts is not found, and nothing is
  // read past the end.
  OneMember first(pass.entries[0].location.chain);
  WalkOptions wanted;
  wanted.only = &first;
  FakeSink none;
  CHECK(tar.ReadAt("rootfs.tar", static_cast<uint64_t>(pass.entries[5].archive_offset), wanted,
                   none));
  CHECK(none.entries.empty());
  CHECK_FALSE(tar.ReadAt("rootfs.tar", 1u << 30, WalkOptions{}, none));
  const std::string text = tmp.path() + "/notes.txt";
  ntpsweep::testing::WriteWholeFile(text, "server 10.0.0.1\n");
  CHECK_FALSE(TarMembers(text).ok());
  CHECK_FALSE(TarMembers(tmp.path() + "/missing.tar").ok());
}

// Linkage reads a plain member again by pread at the data offset the pass recorded, with no
// archive object: every kind of member, in three tar dialects, must come back as the pass saw
// it; an offset or size that is not the member's reads nothing (the caller then asks
// libarchive). Decoys: a sparse member and a hard link get no data offset; a file cut inside a
// member is refused for it.
TEST_CASE("a plain member of a tar file is read again by pread at its data offset",
          "[input][archive]") {
  ntpsweep::testing::TempDir tmp;
  // One component past 100 bytes cannot be split into ustar's prefix and name: a pax or GNU
  // name header comes before the member's own.
  const std::string long_name = "usr/share/" + std::string(130, 'l') + "/ntp.conf";
  // Split into ustar's prefix and name fields, no extension header.
  const std::string prefixed = "usr/" + std::string(90, 'p') + "/" + std::string(60, 'q') + ".conf";
  std::string big = std::string(70000, '#') + "\nserver 10.0.0.3\n";
  std::string sparse = "server 10.0.0.5\n" + std::string(20000, 'x') + "\n";
  sparse += std::string(8192, '\0') + "pool 10.0.0.6\n";
  const std::vector<Member> members = {{"etc/ntp.conf", "server 10.0.0.1\n"},
                                       {long_name, "server 10.0.0.2\n"},
                                       {prefixed, "server 10.0.0.7\n"},
                                       {"./etc/dot.conf", "pool 10.0.0.4\n"},
                                       {"etc/big.conf", big},
                                       {"etc/empty.conf", ""},
                                       {"etc/same.conf", "", Member::kHardlink, "etc/ntp.conf"},
                                       {"etc/sparse.conf", sparse, Member::kSparse},
                                       {"etc/last.conf", "server 10.0.0.8\n"}};
  const std::string path = tmp.path() + "/rootfs.tar";
  for (auto* format : {archive_write_set_format_pax, archive_write_set_format_pax_restricted,
                       archive_write_set_format_gnutar}) {
    const std::string bytes = MakeArchive(members, format);
    ntpsweep::testing::WriteWholeFile(path, bytes);
    FakeSink pass;
    REQUIRE(OpenContainerFile(path, "rootfs.tar", WalkOptions{}, pass, true));
    REQUIRE(pass.entries.size() == 8);  // all but the hard link
    TarMembers tar(path);
    REQUIRE(tar.ok());
    const Entry* sparse_entry = pass.Find("rootfs.tar!etc/sparse.conf");
    REQUIRE(sparse_entry);
    CHECK(sparse_entry->data == sparse);
    // The pax writers store it with a hole (GNU.sparse); libarchive's gnutar writer, whole.
    const bool sparse_written = format != archive_write_set_format_gnutar;
    if (sparse_written) CHECK(sparse_entry->archive_data_offset == -1);
    for (const Entry& e : pass.entries) {
      INFO(e.location.Render());
      if (e.archive_data_offset == -1 && &e == sparse_entry && sparse_written) continue;
      REQUIRE(e.archive_offset >= 0);
      REQUIRE(e.archive_data_offset >= e.archive_offset + 512);
      const auto offset = static_cast<uint64_t>(e.archive_offset);
      const auto data_offset = static_cast<uint64_t>(e.archive_data_offset);
      const std::string& name = e.location.chain.back();
      FakeSink again;
      REQUIRE(tar.ReadDataAt("rootfs.tar", name, offset, data_offset, e.data.size(), WalkOptions{},
                             again));
      REQUIRE(again.entries.size() == 1);
      CHECK(again.entries[0].location == e.location);
      CHECK(again.entries[0].path == e.path);
      CHECK(again.entries[0].data == e.data);
      CHECK(again.entries[0].archive_offset == e.archive_offset);
      CHECK(again.entries[0].archive_data_offset == e.archive_data_offset);
      CHECK(again.notices.empty());
      // Decoys: a block later, another size, the headers' own offset, another name.
      FakeSink none;
      CHECK_FALSE(tar.ReadDataAt("rootfs.tar", name, offset, data_offset + 512, e.data.size(),
                                 WalkOptions{}, none));
      CHECK_FALSE(tar.ReadDataAt("rootfs.tar", name, offset, data_offset, e.data.size() + 1,
                                 WalkOptions{}, none));
      CHECK_FALSE(
          tar.ReadDataAt("rootfs.tar", name, offset, offset, e.data.size(), WalkOptions{}, none));
      if (data_offset == offset + 512)
        CHECK_FALSE(tar.ReadDataAt("rootfs.tar", name + "x", offset, data_offset, e.data.size(),
                                   WalkOptions{}, none));
      CHECK(none.entries.empty());
      // Its bytes alone, by the same header checks (the decoys refused alike), cut at `limit`.
      ntpsweep::ReadBuffer buffer;
      std::string_view bytes;
      REQUIRE(tar.ReadPlainData("rootfs.tar", name, offset, data_offset, e.data.size(), nullptr,
                                SIZE_MAX, &buffer, &bytes));
      CHECK(bytes == e.data);
      REQUIRE(tar.ReadPlainData("rootfs.tar", name, offset, data_offset, e.data.size(), nullptr, 3,
                                &buffer, &bytes));
      CHECK(bytes == e.data.substr(0, 3));
      CHECK_FALSE(tar.ReadPlainData("rootfs.tar", name, offset, data_offset + 512, e.data.size(),
                                    nullptr, SIZE_MAX, &buffer, &bytes));
      CHECK_FALSE(tar.ReadPlainData("rootfs.tar", name, offset, data_offset, e.data.size() + 1,
                                    nullptr, 3, &buffer, &bytes));
      CHECK_FALSE(tar.ReadPlainData("rootfs.tar", name, offset, offset, e.data.size(), nullptr,
                                    SIZE_MAX, &buffer, &bytes));
      if (data_offset == offset + 512)
        CHECK_FALSE(tar.ReadPlainData("rootfs.tar", name + "x", offset, data_offset, e.data.size(),
                                      nullptr, SIZE_MAX, &buffer, &bytes));
    }
    // --max-entry-size cuts the member read again as it cut the pass's.
    const Entry* big_entry = pass.Find("rootfs.tar!etc/big.conf");
    REQUIRE(big_entry);
    WalkOptions small;
    small.limits.max_entry_bytes = 1000;
    FakeSink cut_pass, cut_again;
    REQUIRE(OpenContainerFile(path, "rootfs.tar", small, cut_pass, true));
    const Entry* cut_big = cut_pass.Find("rootfs.tar!etc/big.conf");
    REQUIRE(cut_big);
    CHECK(cut_big->data == big.substr(0, 1000));
    REQUIRE(tar.ReadDataAt(
        "rootfs.tar", "etc/big.conf", static_cast<uint64_t>(big_entry->archive_offset),
        static_cast<uint64_t>(big_entry->archive_data_offset), big.size(), small, cut_again));
    REQUIRE(cut_again.entries.size() == 1);
    CHECK(cut_again.entries[0].data == cut_big->data);

    // A file cut inside big.conf: the member is refused (libarchive then says the file is cut).
    const std::string cut_path = tmp.path() + "/cut.tar";
    ntpsweep::testing::WriteWholeFile(
        cut_path, bytes.substr(0, static_cast<size_t>(big_entry->archive_data_offset) + 30000));
    TarMembers cut(cut_path);
    REQUIRE(cut.ok());
    FakeSink none;
    CHECK_FALSE(cut.ReadDataAt(
        "cut.tar", "etc/big.conf", static_cast<uint64_t>(big_entry->archive_offset),
        static_cast<uint64_t>(big_entry->archive_data_offset), big.size(), WalkOptions{}, none));
    CHECK(none.entries.empty());
  }
}

// Linkage reads a member again alone into a buffer it reuses (WalkOptions::sink_reads_members):
// one larger than ReadDataAt's first read (16 KiB past its header) is left to the sink with the
// file and its offset, one that read holds whole comes with its bytes. Whichever way, the sink
// gets the bytes the pass gave. Decoys: a member of exactly the first read, one past it, a
// member over --max-entry-size (read for its limit), the same reads without the option, and a
// binary member between them.
TEST_CASE("a tar member read again alone is left to a sink that reads members itself",
          "[input][archive]") {
  ntpsweep::testing::TempDir tmp;
  std::string big;
  for (int i = 0; big.size() < 70000; ++i) big += "# line " + std::to_string(i) + "\n";
  big += "server 10.0.0.3\n";
  const std::string whole_first = std::string(16384 - 17, '#') + "\nserver 10.0.0.4\n";
  REQUIRE(whole_first.size() == 16384);
  const std::string just_past = whole_first + "\n";
  const std::string binary = std::string(8, '\0') + std::string(40000, 'b');
  const std::vector<Member> members = {{"etc/ntp.conf", "server 10.0.0.1\n"},
                                       {"etc/big.conf", big},
                                       {"etc/whole.conf", whole_first},
                                       {"etc/past.conf", just_past},
                                       {"bin/blob", binary},
                                       {"etc/last.conf", "server 10.0.0.8\n"}};
  const std::string path = tmp.path() + "/rootfs.tar";
  ntpsweep::testing::WriteWholeFile(path, Tar(members));
  FakeSink pass;
  REQUIRE(OpenContainerFile(path, "rootfs.tar", WalkOptions{}, pass, true));
  TarMembers tar(path);
  REQUIRE(tar.ok());
  // Reads `name` again as linkage does (that member alone wanted); `*deferred`: the sink was
  // left to read it.
  auto again = [&](const std::string& name, WalkOptions options, bool* deferred) {
    const Entry* e = pass.Find("rootfs.tar!" + name);
    REQUIRE(e);
    size_t size = 0;
    for (const Member& m : members)
      if (m.name == name) size = m.data.size();
    OneMember only(e->location.chain);
    options.only = &only;
    FakeSink sink;
    REQUIRE(tar.ReadDataAt("rootfs.tar", name, static_cast<uint64_t>(e->archive_offset),
                           static_cast<uint64_t>(e->archive_data_offset), size, options, sink));
    CHECK(sink.notices.empty());
    *deferred = sink.deferred.count("rootfs.tar!" + name) == 1;
    return sink;
  };
  WalkOptions reads;
  reads.sink_reads_members = true;
  for (const auto& [name, left] :
       std::vector<std::pair<std::string, bool>>{{"etc/ntp.conf", false},
                                                 {"etc/big.conf", true},
                                                 {"etc/whole.conf", false},
                                                 {"etc/past.conf", true},
                                                 {"etc/last.conf", false}}) {
    INFO(name);
    const Entry* e = pass.Find("rootfs.tar!" + name);
    for (bool option : {true, false}) {
      INFO(option);
      bool deferred = false;
      FakeSink sink = again(name, option ? reads : WalkOptions{}, &deferred);
      CHECK(deferred == (option && left));
      REQUIRE(sink.entries.size() == 1);
      CHECK(sink.entries[0].data == e->data);
      CHECK(sink.entries[0].location == e->location);
      CHECK(sink.entries[0].archive_offset == e->archive_offset);
      CHECK(sink.entries[0].archive_data_offset == e->archive_data_offset);
    }
  }
  bool deferred = false;
  // --max-file-size: the sink reads as far as the pass's entry held, a byte past the bound.
  WalkOptions bounded = reads;
  bounded.limits.max_file_bytes = 30000;
  FakeSink bounded_pass;
  REQUIRE(OpenContainerFile(path, "rootfs.tar", bounded, bounded_pass, true));
  const Entry* bounded_big = bounded_pass.Find("rootfs.tar!etc/big.conf");
  REQUIRE(bounded_big);
  CHECK(bounded_big->data == big.substr(0, 30001));
  FakeSink bounded_again = again("etc/big.conf", bounded, &deferred);
  CHECK(deferred);
  REQUIRE(bounded_again.entries.size() == 1);
  CHECK(bounded_again.entries[0].data == bounded_big->data);
  // --max-entry-size below the member: read here, cut as the pass cut it.
  WalkOptions cut = reads;
  cut.limits.max_entry_bytes = 20000;
  FakeSink cut_again = again("etc/big.conf", cut, &deferred);
  CHECK_FALSE(deferred);
  REQUIRE(cut_again.entries.size() == 1);
  CHECK(cut_again.entries[0].data == big.substr(0, 20000));
}

// The bytes of the operand read, from the progress line ("ntpsweep: : 1.4 MiB, 16 entries...").
double BytesRead(const Progress& p) {
  std::string line = p.Line(1.0);
  size_t at = line.find(": ", line.find(": ") + 1);
  REQUIRE(at != std::string::npos);
  size_t end = 0;
  double v = std::stod(line.substr(at + 2), &end);
  std::string unit = line.substr(at + 2 + end + 1, 3);
  return v * (unit == "MiB" ? 1 << 20 : unit == "KiB" ? 1 << 10 : 1);
}

// Binary members of an uncompressed tar are skipped by seeking past them, not read: reads of
// 1 MiB took in the binaries that shared a block with the text around them. Decoys: the text
// members between them are read whole, and the same members gzip-compressed are read in full.
TEST_CASE("a plain tar file's text members are left to the worker, read at their data offsets",
          "[input][archive]") {
  ntpsweep::testing::TempDir tmp;
  // Each member of its own bytes, so that a read a block off gives other bytes; those over the
  // 8 KiB sniffed are left to the worker, smaller ones are read whole by the sniff already.
  auto text = [](char fill, size_t size, const std::string& line) {
    return std::string(size, fill) + "\n" + line + "\n";
  };
  const std::string long_name = "usr/share/" + std::string(130, 'l') + "/chrony.conf";
  std::string blob(
      "\x7f"
      "ELF\0\0",
      6);
  blob.resize(30000, 'e');
  std::string sparse = "server 10.0.0.5\n" + std::string(20000, 's') + "\n";
  sparse += std::string(8192, '\0') + "pool 10.0.0.6\n";
  const std::vector<Member> members = {
      {"etc/big.conf", text('b', 200000, "server 10.0.0.1")},  // past the walk's 64 KiB reads
      {long_name, text('n', 12000, "pool 10.0.0.2")},          // a pax or GNU name header first
      {"etc/small.conf", "server 10.0.0.3\n"},
      {"etc/link.conf", "", Member::kHardlink, "etc/big.conf"},
      {"bin/blob", blob},                            // decoy: binary, its head alone
      {"etc/sparse.conf", sparse, Member::kSparse},  // pax: holes, read by the walk
      {"etc/after.conf", text('a', 9000, "server 10.0.0.4")}};
  const std::string path = tmp.path() + "/rootfs.tar";
  for (auto* format : {archive_write_set_format_pax, archive_write_set_format_gnutar}) {
    const std::string bytes = MakeArchive(members, format);
    ntpsweep::testing::WriteWholeFile(path, bytes);
    // The same archive as a stream: every member read by the walk, as before.
    FakeSink stream;
    Read(bytes, "rootfs.tar", &stream);
    CHECK(stream.deferred.empty());
    FakeSink file;
    REQUIRE(OpenContainerFile(path, "rootfs.tar", WalkOptions{}, file, true));
    // libarchive's GNU tar writer stores no holes: a plain member there.
    std::set<std::string> plain = {"rootfs.tar!etc/big.conf", "rootfs.tar!" + long_name,
                                   "rootfs.tar!etc/after.conf"};
    if (format == archive_write_set_format_gnutar) plain.insert("rootfs.tar!etc/sparse.conf");
    CHECK(file.deferred == plain);
    CHECK(file.notices.empty());
    REQUIRE(file.Locations() == stream.Locations());
    for (const Entry& e : file.entries) {
      const Entry* same = stream.Find(e.location.Render());
      REQUIRE(same);
      CHECK(e.data == same->data);
    }
    CHECK(file.Find("rootfs.tar!etc/big.conf")->data == members[0].data);
    CHECK(file.Find("rootfs.tar!" + long_name)->data == members[1].data);
    CHECK(file.Find("rootfs.tar!etc/after.conf")->data == members[6].data);
    REQUIRE(file.amendments.size() == 1);
    CHECK(file.amendments[0].aliases.size() == stream.amendments[0].aliases.size());
    // The progress counts what the workers read: all but the binary member's rest.
    Progress progress(false);
    WalkOptions shown;
    shown.progress = &progress;
    FakeSink counted;
    REQUIRE(OpenContainerFile(path, "rootfs.tar", shown, counted, true));
    CHECK(BytesRead(progress) + static_cast<double>(blob.size()) >=
          static_cast<double>(bytes.size()));

    // --max-file-size: the worker is left the member up to it and a byte, as the walk read it.
    WalkOptions small;
    small.limits.max_file_bytes = 10000;
    FakeSink cut_stream, cut_file;
    Read(bytes, "rootfs.tar", &cut_stream, small.limits);
    REQUIRE(OpenContainerFile(path, "rootfs.tar", small, cut_file, true));
    CHECK(cut_file.deferred == plain);
    CHECK(cut_file.Find("rootfs.tar!etc/big.conf")->data.size() == 10001);
    for (const Entry& e : cut_file.entries)
      CHECK(e.data == cut_stream.Find(e.location.Render())->data);

    // A file cut inside the last member's data: that member is read by the walk, which says
    // where it ends; the ones before are still left to the worker.
    const size_t after = bytes.find(std::string(9000, 'a'));
    REQUIRE(after != std::string::npos);
    const std::string truncated = bytes.substr(0, after + 4000);
    ntpsweep::testing::WriteWholeFile(path, truncated);
    FakeSink cut_off, cut_off_stream;
    Read(truncated, "rootfs.tar", &cut_off_stream);
    REQUIRE(OpenContainerFile(path, "rootfs.tar", WalkOptions{}, cut_off, true));
    plain.erase("rootfs.tar!etc/after.conf");
    CHECK(cut_off.deferred == plain);
    REQUIRE(cut_off.notices.size() == cut_off_stream.notices.size());
    REQUIRE_FALSE(cut_off.notices.empty());
    for (size_t i = 0; i < cut_off.notices.size(); ++i)
      CHECK(cut_off.notices[i].message == cut_off_stream.notices[i].message);
    CHECK(cut_off.Locations() == cut_off_stream.Locations());
  }
}

TEST_CASE("a tar member left to the worker is scanned whole, up to --max-file-size",
          "[input][archive][cli]") {
  ntpsweep::testing::TempDir tmp;
  // The target past the sniffed head, at line 301 (a read a block off names another line); a
  // decoy past --max-file-size in the other.
  std::string big;
  for (int i = 0; i < 300; ++i)
    big += "# line " + std::to_string(1000 + i) + std::string(27, '.') + "\n";
  big += "server 10.20.30.40 iburst\n";
  const std::string cut = std::string(30000, '#') + "\nserver 10.20.30.40 iburst\n";
  const std::string near = std::string(12000, '#') + "\nserver 10.20.30.41 iburst\n";  // decoy
  const std::string tar = tmp.path() + "/rootfs.tar";
  ntpsweep::testing::WriteWholeFile(
      tar, Tar({{"etc/chrony/chrony.conf", big}, {"etc/ntp.conf", near}, {"etc/cut.conf", cut}}));
  auto r = ntpsweep::testing::RunNtpsweep(
      {"scan", "--host", "10.20.30.40", "--max-file-size", "20000", "--format", "json", tar});
  REQUIRE(r.exit_code == 1);
  auto report = nlohmann::json::parse(r.out);
  REQUIRE(report["findings"].size() == 1);
  CHECK(report["findings"][0]["location"].get<std::string>().find("chrony.conf") !=
        std::string::npos);
  CHECK(report["findings"][0]["line"] == 301);
  bool cut_named = false;
  for (const auto& n : report["notices"])
    cut_named |= n["id"] == "entry-truncated" &&
                 n["message"].get<std::string>().find("etc/cut.conf") != std::string::npos;
  CHECK(cut_named);
}

TEST_CASE("binary members of an uncompressed tar file are skipped unread", "[input][archive]") {
  ntpsweep::testing::TempDir tmp;
  std::vector<Member> members;
  for (int i = 0; i < 8; ++i) {
    std::string elf(
        "\x7f"
        "ELF\0\0",
        6);
    elf.resize(700u << 10, '\x01');
    members.push_back({"bin/tool" + std::to_string(i), elf});
    members.push_back({"etc/" + std::to_string(i) + ".conf",
                       "server 10.0.0." + std::to_string(i) + "\n" + std::string(i * 3000, '#')});
  }
  const std::string tar = tmp.path() + "/rootfs.tar";
  ntpsweep::testing::WriteWholeFile(tar, Tar(members));
  Progress progress(false);
  WalkOptions options;
  options.progress = &progress;
  FakeSink sink;
  REQUIRE(OpenContainerFile(tar, "rootfs.tar", options, sink, true));
  CHECK(sink.notices.empty());
  REQUIRE(sink.entries.size() == members.size());
  for (int i = 0; i < 8; ++i) {
    const Entry* e = sink.Find("rootfs.tar!etc/" + std::to_string(i) + ".conf");
    REQUIRE(e);
    CHECK(e->data == members[2 * static_cast<size_t>(i) + 1].data);
  }
  const double size = static_cast<double>(ntpsweep::testing::ReadWholeFile(tar).size());
  CHECK(BytesRead(progress) < size / 4);

  const std::string gz = tmp.path() + "/rootfs.tar.gz";
  ntpsweep::testing::WriteWholeFile(gz, Tar(members, archive_write_add_filter_gzip));
  Progress whole(false);
  options.progress = &whole;
  FakeSink compressed;
  REQUIRE(OpenContainerFile(gz, "rootfs.tar.gz", options, compressed, true));
  CHECK(compressed.entries.size() == members.size());
  CHECK(BytesRead(whole) >=
        0.99 * static_cast<double>(ntpsweep::testing::ReadWholeFile(gz).size()));
}

TEST_CASE("the progress line names the input, entries, findings and rate", "[input][progress]") {
  Progress off(false);
  off.BeginInput("x", 10);
  off.AddBytes(5);  // a no-op display, and no thread
  Progress p(false);
  p.AddEntry();
  p.AddFindings(2);
  CHECK(p.Line(1.0) == "ntpsweep: : 0 B, 1 entry, 2 findings, 0 B/s");  // counts in the right number
}

}  // namespace

namespace {

// One ustar member: its 512-byte header (typeflag '0', a regular file), its data, its padding.
std::string UstarMember(const std::string& name, const std::string& data) {
  std::string h(512, '\0');
  auto put = [&](size_t at, size_t width, const std::string& s) {
    h.replace(at, s.size(), s);
    (void)width;
  };
  auto octal = [](uint64_t v, int digits) {
    std::string s(static_cast<size_t>(digits), '0');
    for (int i = digits - 1; i >= 0 && v; --i, v >>= 3)
      s[static_cast<size_t>(i)] = static_cast<char>('0' + (v & 7));
    return s;
  };
  put(0, 100, name);
  put(100, 8, octal(0644, 7));
  put(108, 8, octal(0, 7));
  put(116, 8, octal(0, 7));
  put(124, 12, octal(data.size(), 11));
  put(136, 12, octal(0, 11));
  h[156] = '0';
  put(257, 6, std::string("ustar\0", 6));
  put(263, 2, "00");
  h.replace(148, 8, "        ");
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  put(148, 8, octal(sum, 6) + std::string("\0 ", 2));
  std::string m = h + data;
  m.append((512 - data.size() % 512) % 512, '\0');
  return m;
}

}  // namespace

TEST_CASE(
    "the binary reads tar member names as libarchive makes them: bytes, and a regular "
    "member named with a trailing slash taken for a directory",
    "[input][archive][tar]") {
  // The binary's own mbrtowc (src/ascii_mbrtowc.cpp) is what libarchive's tar reader converts
  // each name with, to find that slash: ASCII, UTF-8 and Latin-1 names.
  const std::string tar =
      UstarMember("etc/ntp.conf", "server 10.20.30.40 iburst\n") +
      UstarMember("etc/caf\xe9.conf", "server ntp-old.corp.example.com iburst\n") +
      UstarMember("etc/\xc3\xa9t\xc3\xa9.conf", "pool fd00::123 iburst\n") +
      // Decoys: the data of a "directory" is not a member's (libarchive reads it as headers).
      UstarMember("etc/old-servers/", "server ntp-old.corp.example.com iburst\n") +
      UstarMember("etc/caf\xe9-old/", "server 10.20.30.40 iburst\n") +
      UstarMember("etc/decoy.conf", "server 10.20.30.400 iburst\n") +
      UstarMember("etc/after.conf", "server 10.20.30.40\n") + std::string(1024, '\0');
  ntpsweep::testing::TempDir tmp;
  const std::string path = tmp / "names.tar";
  ntpsweep::testing::WriteWholeFile(path, tar);
  ntpsweep::testing::RunOptions in_tmp;
  in_tmp.cwd = tmp.path();
  ntpsweep::testing::RunResult r = ntpsweep::testing::RunCommand(
      {ntpsweep::testing::kBinary, "scan", "--fail-on", "none", "--host", "10.20.30.40", "--host",
       "ntp-old.corp.example.com", "--host", "fd00::123", "--format", "json", "names.tar"},
      in_tmp);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  nlohmann::json report = nlohmann::json::parse(r.out);
  std::set<std::string> found;  // the locations, as bytes
  for (const auto& f : report["findings"]) {
    std::string at;
    if (f.contains("location_base64"))
      REQUIRE(ntpsweep::Base64Decode(f["location_base64"].get<std::string>(), &at));
    else
      at = f["location"].get<std::string>();
    found.insert(at);
  }
  CHECK(found == std::set<std::string>{"names.tar!etc/ntp.conf", "names.tar!etc/caf\xe9.conf",
                                       "names.tar!etc/\xc3\xa9t\xc3\xa9.conf",
                                       "names.tar!etc/after.conf"});
  // The two slashed members' data, read as headers, are damaged ones: said twice.
  size_t damaged = 0;
  for (const auto& n : report["notices"])
    if (n["message"].get<std::string>().find("Damaged tar archive") != std::string::npos) ++damaged;
  CHECK(damaged == 2);
}

namespace {

// An rpm built by rpmbuild: one file, /etc/sysconfig/ntpd, in a gzip payload.
std::string BuildRpm(const ntpsweep::testing::TempDir& tmp) {
  const std::string top = tmp / "rpm";
  ntpsweep::testing::WriteWholeFile(top + "/SPECS/t.spec", R"(Name: ntp-legacy
Version: 1.0
Release: 1
Summary: legacy ntpd options
License: MIT
BuildArch: noarch
%description
Fixture package.
%install
mkdir -p %{buildroot}/etc/sysconfig
printf 'OPTIONS="-g -x 10.20.30.40"\n' > %{buildroot}/etc/sysconfig/ntpd
%files
/etc/sysconfig/ntpd
)");
  auto r = ntpsweep::testing::RunCommand({"/usr/bin/rpmbuild", "-bb", "--quiet", "--define",
                                          "_topdir " + top, "--define", "_binary_payload w9.gzdio",
                                          top + "/SPECS/t.spec"});
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  return ntpsweep::testing::ReadWholeFile(top + "/RPMS/noarch/ntp-legacy-1.0-1.noarch.rpm");
}

}  // namespace

TEST_CASE("an rpm whose header is damaged is named, not skipped as one binary file",
          "[input][damage][rpm]") {
  ntpsweep::testing::TempDir tmp;
  const std::string rpm = BuildRpm(tmp);
  auto be32 = [&](size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(rpm[at + i]);
    return v;
  };
  // The lead (96 bytes), the signature header (16 bytes, 16 per index entry, its data, padded
  // to 8), then the main header: magic, reserved, index entries, data size.
  REQUIRE(rpm.substr(96, 3) == "\x8e\xad\xe8");
  const size_t main = 96 + ((16 + 16 * size_t{be32(96 + 8)} + be32(96 + 12) + 7) & ~size_t{7});
  REQUIRE(rpm.substr(main, 3) == "\x8e\xad\xe8");
  auto damaged = [&](size_t at, std::string_view bytes) {
    std::string d = rpm;
    d.replace(at, bytes.size(), bytes);
    return d;
  };
  struct Case {
    const char* what;
    std::string rpm;
  };
  for (const Case& c : std::vector<Case>{
           {"its main header's magic zeroed", damaged(main, std::string(4, '\0'))},
           {"its main header's entry count off", damaged(main + 8, std::string("\0\0\0\1", 4))},
           {"its main header's data size off", damaged(main + 12, std::string("\0\0\0\x10", 4))},
       }) {
    INFO(c.what);
    FakeSink sink;
    Read(c.rpm, "p.rpm", &sink);
    CHECK(sink.entries.empty());
    CHECK(sink.skipped.empty());
    REQUIRE(sink.notices.size() == 1);
    CHECK(sink.notices[0].id == "archive-error");
    CHECK(sink.notices[0].location.Render() == "p.rpm");
    CHECK(sink.notices[0].message.starts_with("p.rpm: an rpm whose payload is no cpio archive"));
  }
  // Decoy: the rpm as built is read, with no notice.
  FakeSink sound;
  Read(rpm, "p.rpm", &sound);
  CHECK(sound.notices.empty());
  CHECK(sound.Locations() == std::vector<std::string>{"p.rpm!etc/sysconfig/ntpd"});
}

TEST_CASE("a VHDX whose file type identifier is damaged is named, not skipped as binary",
          "[input][damage][vhdx]") {
  ntpsweep::testing::TempDir tmp;
  const std::string raw = tmp / "raw.img", vhdx = tmp / "t.vhdx";
  ntpsweep::testing::WriteWholeFile(raw, std::string(4u << 20, '\0'));
  ntpsweep::testing::WriteWholeFile(tmp / "tree/etc/ntp.conf", "server 10.20.30.40\n");
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"/usr/sbin/mke2fs", "-q", "-t", "ext4", "-d", tmp / "tree", raw},
        std::vector<std::string>{"/usr/bin/qemu-img", "convert", "-f", "raw", "-O", "vhdx", raw,
                                 vhdx}}) {
    auto r = ntpsweep::testing::RunCommand(command);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  }
  const std::string sound = ntpsweep::testing::ReadWholeFile(vhdx);
  REQUIRE(sound.substr(0, 8) == "vhdxfile");
  REQUIRE(sound.substr(64u << 10, 4) == "head");
  auto read = [&](const std::string& bytes, FakeSink* sink) {
    ntpsweep::testing::WriteWholeFile(tmp / "d.vhdx", bytes);
    return OpenContainerFile(tmp / "d.vhdx", "d.vhdx", WalkOptions{}, *sink, true);
  };
  std::string damaged = sound;
  damaged.replace(0, 8, 8, '\0');  // the identifier's signature zeroed, its creator kept
  FakeSink sink;
  CHECK(read(damaged, &sink));
  CHECK(sink.entries.empty());
  REQUIRE(sink.notices.size() == 1);
  CHECK(sink.notices[0].id == "unsupported-format");
  CHECK(sink.notices[0].location.Render() == "d.vhdx");
  CHECK(sink.notices[0].message.starts_with(
      "d.vhdx: VHDX whose file type identifier at offset 0 is damaged"));
  // Decoys: the sound VHDX is one (the disk reader opens it); with its first header's checksum
  // off too, nothing says it is one: a binary file, as any.
  CHECK(ContainerFormat(sound.substr(0, kSniffBytes)) == "VHDX");
  damaged[(64u << 10) + 4] ^= 1;
  FakeSink binary;
  CHECK_FALSE(read(damaged, &binary));
  CHECK(binary.notices.empty());
}
