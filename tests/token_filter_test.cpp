// Linkage keeps a Bloom filter of each candidate file's words and re-reads a file only when it
// may name a finding's variable or file: it must never say no to a word the text holds.
#include "scan/token_filter.h"

#include "scan/member_links.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

#include "disk_images.h"
#include "input/dispatch.h"
#include "run_binary.h"

using ntpsweep::scan::TokenFilter;

TEST_CASE("token filter: every word and every needle made of words is kept", "[linkage]") {
  TokenFilter f;
  f.AddWords(
      "server {{ ntp_servers }}\nCOPY files/Chrony.conf /etc/chrony/chrony.conf\n"
      "class { 'ntp': servers => $ntp::servers }\n${NTP_IP:-10.0.0.1}");
  for (const char* present : {"ntp_servers", "chrony.conf", "CHRONY.CONF", "ntp::servers",
                              "servers", "NTP_IP", "10.0.0.1", "files", "etc"})
    CHECK(f.MayContain(present));
  // A few dozen words get the smallest filter (512 bits); it answers no for most absent words.
  CHECK(f.bits() == 512);
  size_t rejected = 0;
  for (int i = 0; i < 200; ++i)
    rejected += f.MayContain("absent_variable_" + std::to_string(i)) ? 0 : 1;
  CHECK(rejected > 150);
  TokenFilter empty;
  CHECK_FALSE(empty.MayContain("ntp_servers"));
}

TEST_CASE("token filter: a long text gets a filter large enough to still say no", "[linkage]") {
  // A changelog-sized text of thousands of distinct words filled a fixed 512-bit filter, which
  // then let every needle through.
  std::string text;
  for (int i = 0; i < 3000; ++i) text += "word" + std::to_string(i * 7919) + (i % 9 ? " " : ".\n");
  TokenFilter f;
  f.AddWords(text);
  CHECK(f.bits() > 512);
  CHECK(f.bits() <= 32768);
  size_t kept = 0;
  for (int i = 0; i < 3000; ++i) kept += f.MayContain("WORD" + std::to_string(i * 7919)) ? 1 : 0;
  CHECK(kept == 3000);
  size_t rejected = 0;
  for (int i = 0; i < 200; ++i) rejected += f.MayContain("NTP_SERVER_" + std::to_string(i)) ? 0 : 1;
  CHECK(rejected > 150);
  // Words added later land in the filter at the size it has.
  f.AddWords("ntp_late_variable");
  CHECK(f.MayContain("ntp_late_variable"));
}

TEST_CASE("token filter: words are whole wherever they fall in the text", "[linkage]") {
  // Words are found 64 bytes at a time: one that crosses a block, starts or ends one, or ends
  // the text must be the same word as the needle, and a part of it must not be.
  for (size_t lead = 0; lead < 140; ++lead) {
    std::string text = std::string(lead, ' ') + "Ntp_Servers_Of_The_Site9 x";
    TokenFilter f;
    f.AddWords(text);
    CHECK(f.MayContain("ntp_servers_of_the_site9"));
    CHECK(f.MayContain("X"));
    TokenFilter at_end;
    at_end.AddWords(std::string(lead, '-') + "chrony_conf");
    CHECK(at_end.MayContain("CHRONY_CONF"));
    CHECK_FALSE(at_end.MayContain("chrony"));
    CHECK_FALSE(f.MayContain("ntp_servers"));
  }
}

TEST_CASE("token filter: members' filters merge into one that keeps all their words", "[linkage]") {
  TokenFilter group = TokenFilter::Wide();
  CHECK(group.set_bits() == 0);
  for (int i = 0; i < 50; ++i) {
    TokenFilter member = TokenFilter::Wide();
    member.AddWords("ntp_var_" + std::to_string(i) + " = x");
    group.Merge(member);
  }
  for (int i = 0; i < 50; ++i) CHECK(group.MayContain("NTP_VAR_" + std::to_string(i)));
  CHECK(group.set_bits() > 0);
  CHECK(group.set_bits() <= 51 * 3);
  size_t rejected = 0;
  for (int i = 0; i < 200; ++i) rejected += group.MayContain("absent_" + std::to_string(i)) ? 0 : 1;
  CHECK(rejected > 190);
}

// What linkage keeps of deferred archive members stays bounded however many there are (an
// archive of millions of tiny members), and a member's own words still decide (MayName).
TEST_CASE("member links: what is kept of deferred members is bounded", "[linkage]") {
  ntpsweep::scan::MemberLinks links;
  links.AddContainer("big.tar", "/nonexistent/big.tar");
  constexpr size_t kMembers = 300000;
  for (size_t i = 0; i < kMembers; ++i) {
    ntpsweep::Location at;
    at.chain = {"big.tar", "dir" + std::to_string(i % 97) + "/f" + std::to_string(i)};
    std::string text = "$VAR_" + std::to_string(i) + " src word" + std::to_string(i * 31);
    REQUIRE(links.Defer(at, text, static_cast<int64_t>(i) * 1024));
  }
  CHECK_FALSE(links.empty());
  const size_t bound =
      ntpsweep::scan::MemberLinks::kMaxGroups * 4096 + ntpsweep::scan::MemberLinks::kMaxListed * 24;
  CHECK(links.kept_bytes() <= bound);
  // Not a member of a container given to AddContainer: left to the caller.
  ntpsweep::Location elsewhere;
  elsewhere.chain = {"other.tar", "x"};
  CHECK_FALSE(links.Defer(elsewhere, "$X", 0));
  using ntpsweep::scan::MemberLinks;
  CHECK(MemberLinks::MayName("server $NTP_SERVERS", {"absent", "ntp_servers"}));
  CHECK_FALSE(MemberLinks::MayName("server $NTP_SERVERS", {"absent", "ntp"}));
}

// A member of a tar file of kReadBackBytes or more is listed by its offset alone: hashing its
// words cost more than reading it again at the end. Smaller members, and members without an
// offset (or nested), still keep their words in a group (4 KiB of filter).
TEST_CASE("member links: a large member of a tar file is listed without its words", "[linkage]") {
  using ntpsweep::scan::MemberLinks;
  const std::string large = std::string(MemberLinks::kReadBackBytes, ' ') + "$NTP_SERVERS";
  const size_t group_bytes = ntpsweep::scan::TokenFilter::Wide().bits() / 8;
  auto at = [](std::vector<std::string> chain) {
    ntpsweep::Location l;
    l.chain = std::move(chain);
    return l;
  };
  MemberLinks links;
  links.AddContainer("big.tar", "/nonexistent/big.tar");
  for (int i = 0; i < 100; ++i)
    REQUIRE(links.Defer(at({"big.tar", "etc/f" + std::to_string(i)}), large, i * 8192));
  CHECK_FALSE(links.empty());
  CHECK(links.kept_bytes() < group_bytes);
  // Decoys: one byte smaller, without an offset, nested: each keeps its words.
  for (const auto& [chain, text, offset] :
       {std::tuple{std::vector<std::string>{"big.tar", "small"},
                   large.substr(large.size() + 1 - MemberLinks::kReadBackBytes), int64_t{0}},
        std::tuple{std::vector<std::string>{"big.tar", "walked"}, large, int64_t{-1}},
        std::tuple{std::vector<std::string>{"big.tar", "in.tar", "x"}, large, int64_t{0}}}) {
    MemberLinks decoy;
    decoy.AddContainer("big.tar", "/nonexistent/big.tar");
    REQUIRE(decoy.Defer(at(chain), text, offset));
    CHECK(decoy.kept_bytes() >= group_bytes);
  }
}

// A member that could be read again only by walking its container again (inside a compressed
// stream: inflating all of it again) is kept whole in the store, a temporary file past its first
// block, up to a budget, and Replay hands it back from there, without opening its container (the
// files here do not exist). Decoys: a member of a tar file (it has an offset) keeps only its
// words; past the budget a costly member is refused (the caller observes it as it passes) and a
// cheap one keeps its words. Members of many sizes, each with its own bytes: one read back from
// a wrong offset is not the one stored.
TEST_CASE("member links: members read again only by a walk are kept whole, within a budget",
          "[linkage]") {
  using ntpsweep::scan::MemberLinks;
  ntpsweep::testing::TempDir tmp;
  constexpr uint64_t kBudget = 3 * MemberLinks::kStoreMemoryBytes;
  MemberLinks links(tmp.path(), kBudget);
  links.AddContainer("a.tar.gz", "/nonexistent/a.tar.gz");
  links.AddContainer("b.tar", "/nonexistent/b.tar");
  links.AddContainer("c.tar.zst", "/nonexistent/c.tar.zst");
  auto member = [](std::string container, std::string name, std::string data) {
    ntpsweep::input::Entry e;
    e.location.chain = {container, name};
    e.path = name;
    e.data = std::move(data);
    e.costly_to_reread = container.ends_with(".gz");
    return e;
  };
  std::map<std::string, ntpsweep::input::Entry> kept;
  auto keep = [&](ntpsweep::input::Entry e) {
    REQUIRE(links.Accepts(e));
    REQUIRE(links.Defer(e, e.data));
    kept[e.location.Render()] = std::move(e);
  };
  keep(member("a.tar.gz", "etc/sync.sh", "ntpdate \"$NTP_SERVER\"\n"));
  CHECK(links.stored_members() == 1);
  ntpsweep::input::Entry at_offset = member("b.tar", "etc/x.sh", "echo $NTP_SERVER\n");
  at_offset.archive_offset = 512;
  REQUIRE(links.Defer(at_offset, at_offset.data));
  CHECK(links.stored_members() == 1);
  // One of a zstd stream is kept whole too: read again, it would cost a second inflate.
  keep(member("c.tar.zst", "etc/y.sh", "echo $NTP_SERVER\n"));
  // The budget: members are kept until it is used up, then a costly one is refused and a cheap
  // one keeps its words.
  size_t n = 0;
  for (;; ++n) {
    std::string name = "f" + std::to_string(n);
    ntpsweep::input::Entry m = member(n % 3 ? "a.tar.gz" : "c.tar.zst", name,
                                      name + std::string(1000 + n * 7919 % 60000, 'y') + " $V\n");
    if (!links.Accepts(m)) break;
    keep(std::move(m));
  }
  CHECK(n > 50);
  ntpsweep::input::Entry refused = member("a.tar.gz", "late.sh", "echo $NTP_SERVER\n");
  refused.data += std::string(MemberLinks::kStoreMemoryBytes, 'z');
  CHECK_FALSE(links.Defer(refused, refused.data));
  refused.costly_to_reread = false;
  CHECK(links.Defer(refused, refused.data));
  CHECK(links.stored_members() == n + 2);
  CHECK(links.store_error().empty());
  CHECK(links.stored_bytes_on_disk() > 0);
  CHECK(links.stored_bytes_on_disk() <= kBudget);
  CHECK(links.stored_bytes_in_memory() <= MemberLinks::kStoreMemoryBytes);

  std::mutex mu;
  std::map<std::string, ntpsweep::input::Entry> read;
  links.Replay({"absent", "ntp_server"}, ntpsweep::input::WalkOptions{}, 2,
               [&](ntpsweep::input::Entry& e, std::string_view data, bool listed) {
                 std::lock_guard lock(mu);
                 CHECK(listed);
                 e.data = data;
                 read[e.location.Render()] = e;
               });
  CHECK(links.replay_error().empty());
  // Every member kept whole is handed back as it was, whatever its words (the caller judges
  // them); the containers that would need a walk or a read by offset do not exist here.
  REQUIRE(read.size() == kept.size());
  for (const auto& [where, e] : kept) {
    INFO(where);
    REQUIRE(read.count(where) == 1);
    const ntpsweep::input::Entry& got = read.at(where);
    CHECK(got.location.chain == e.location.chain);
    CHECK(got.path == e.path);
    CHECK(got.data == e.data);
    CHECK(got.costly_to_reread == e.costly_to_reread);
  }
  CHECK(read.count("b.tar!etc/x.sh") == 0);
}

// Members kept whole are read back in runs of consecutive records: a member larger than a run,
// runs cut where another container's records come between, and the last records still in
// memory; each is handed back with its own bytes, location and path.
TEST_CASE("member links: members kept whole come back by runs of records, each as it was",
          "[linkage]") {
  using ntpsweep::scan::MemberLinks;
  ntpsweep::testing::TempDir tmp;
  MemberLinks links(tmp.path(), 16 * MemberLinks::kReplayRunBytes);
  links.AddContainer("a.tar.zst", "/nonexistent/a.tar.zst");
  links.AddContainer("b.tar.gz", "/nonexistent/b.tar.gz");
  std::map<std::string, std::string> kept;
  for (size_t i = 0; i < 400; ++i) {
    ntpsweep::input::Entry m;
    m.path = "etc/f" + std::to_string(i) + ".sh";
    // Runs of a's members, then one of b's between them.
    m.location.chain = {i % 9 == 8 ? "b.tar.gz" : "a.tar.zst", m.path};
    m.costly_to_reread = true;
    const size_t size = i == 17   ? MemberLinks::kReplayRunBytes + 4099
                        : i == 18 ? 3 * MemberLinks::kReplayRunBytes / 2
                                  : 1 + i * 7919 % 30000;
    m.data = std::to_string(i) + " $V " + std::string(size, static_cast<char>('a' + i % 26));
    REQUIRE(links.Accepts(m));
    REQUIRE(links.Defer(m, m.data));
    kept[m.location.Render() + "|" + m.path] = m.data;
  }
  CHECK(links.stored_members() == kept.size());
  CHECK(links.stored_bytes_on_disk() > 4 * MemberLinks::kReplayRunBytes);
  std::mutex mu;
  std::map<std::string, std::string> read;
  links.Replay({"v"}, ntpsweep::input::WalkOptions{}, 2,
               [&](ntpsweep::input::Entry& e, std::string_view data, bool listed) {
                 std::lock_guard lock(mu);
                 CHECK(listed);
                 CHECK(e.costly_to_reread);
                 CHECK(read.emplace(e.location.Render() + "|" + e.path, data).second);
               });
  CHECK(links.replay_error().empty());
  CHECK(read == kept);
}

// Without a temporary file the members are kept in memory up to kHoldBytes, then refused (a
// costly one) or left their words (a cheap one), and still handed back as they were.
TEST_CASE("member links: without a temporary file members are kept in memory, within a budget",
          "[linkage]") {
  using ntpsweep::scan::MemberLinks;
  MemberLinks links("/nonexistent/ntpsweep-member-links-test");
  links.AddContainer("a.tar.gz", "/nonexistent/a.tar.gz");
  std::map<std::string, std::string> kept;
  size_t n = 0;
  for (;; ++n) {
    ntpsweep::input::Entry m;
    m.path = "f" + std::to_string(n);
    m.location.chain = {"a.tar.gz", m.path};
    m.data = m.path + std::string(100000 + n, 'y') + " $V\n";
    m.costly_to_reread = true;
    if (!links.Accepts(m)) {
      CHECK_FALSE(links.Defer(m, m.data));
      break;
    }
    REQUIRE(links.Defer(m, m.data));
    kept[m.location.Render()] = m.data;
  }
  CHECK(n > 10);
  CHECK(links.store_error().find("/nonexistent/ntpsweep-member-links-test") != std::string::npos);
  CHECK(links.stored_bytes_on_disk() == 0);
  CHECK(links.stored_bytes_in_memory() <= MemberLinks::kHoldBytes + MemberLinks::kStoreMemoryBytes);
  std::mutex mu;
  std::map<std::string, std::string> read;
  links.Replay({"v"}, ntpsweep::input::WalkOptions{}, 2,
               [&](ntpsweep::input::Entry& e, std::string_view data, bool) {
                 std::lock_guard lock(mu);
                 read[e.location.Render()] = data;
               });
  CHECK(read == kept);
}

namespace {

// Keeps what a disk walk gives as it is: a file the worker would read keeps its descriptor and
// its pieces of the image (Entry::member_extents).
class KeepingSink : public ntpsweep::input::EntrySink {
 public:
  void Add(ntpsweep::input::Entry e) override { entries.push_back(std::move(e)); }
  void Report(ntpsweep::Notice n) override { notices.push_back(std::move(n)); }
  void CountSkipped(std::string_view) override {}
  std::vector<ntpsweep::input::Entry> entries;
  std::vector<ntpsweep::Notice> notices;
};

}  // namespace

// A file of a raw ext4 or XFS image deferred for linkage is listed with its pieces of the image
// and read again alone from them, the image's directories not walked again; one read alone is
// handed back with its location, path and bytes, as the walk gave it. Decoys: a file of the same
// name in another directory, not deferred, is not read; an image changed since the pass (a file
// rewritten in place, or the image cut short) is walked again as it is now, with a notice naming
// it, never read from the pieces the pass saw.
TEST_CASE("member links: files of a disk image are read again alone, a changed image walked",
          "[linkage][disk]") {
  using ntpsweep::scan::MemberLinks;
  ntpsweep::testing::TempDir tmp;
  const std::string tree = tmp / "tree";
  ntpsweep::testing::WriteWholeFile(tree + "/a/setup.sh", "echo \"$NTP_SERVER\"\n");
  ntpsweep::testing::WriteWholeFile(tree + "/b/setup.sh", "echo \"$OTHER\"\n");
  // A file in pieces: text, a hole past the head the walk sniffs (a piece of zeros, or none
  // where the tool writes the zeros), more text.
  const std::string text = "export NTP_SERVER=pool\n" + std::string(20000, 'x') + "\n";
  const std::string big = text + std::string(128u << 10, '\0') + "tail\n";
  ntpsweep::testing::WriteWholeFile(tree + "/etc/big.conf", text);
  {
    std::ofstream out(tree + "/etc/big.conf", std::ios::binary | std::ios::in);
    out.seekp(static_cast<std::streamoff>(big.size() - 5));
    out << "tail\n";
    REQUIRE(out);
  }
  REQUIRE(ntpsweep::testing::ReadWholeFile(tree + "/etc/big.conf") == big);
  ntpsweep::testing::MakeExt4(tree, tmp / "d.ext4", 8u << 20);
  ntpsweep::testing::MakeXfs(tree, tmp / "d.xfs");
  for (const std::string name : {"d.ext4", "d.xfs"}) {
    INFO(name);
    const std::string image = tmp / name;
    const std::string pristine = ntpsweep::testing::ReadWholeFile(image);
    // The pass: the files the disk reader gives, deferred as the scan defers them.
    auto pass = [&](MemberLinks* links) {
      links->AddContainer(name, image);
      KeepingSink walked;
      REQUIRE(ntpsweep::input::OpenContainerFile(image, name, ntpsweep::input::WalkOptions{},
                                                 walked, true));
      CHECK(walked.notices.empty());
      size_t deferred = 0;
      for (const ntpsweep::input::Entry& e : walked.entries) {
        if (e.path == "b/setup.sh") continue;
        REQUIRE(e.cheap_to_rewalk);
        REQUIRE(e.member_file);
        REQUIRE_FALSE(e.member_extents.empty());
        REQUIRE(links->Defer(e, ""));
        ++deferred;
      }
      CHECK(deferred == 2);
    };
    std::mutex mu;
    std::map<std::string, std::string> read;
    auto replay = [&](MemberLinks& links) {
      read.clear();
      links.Replay({"ntp_server"}, ntpsweep::input::WalkOptions{}, 2,
                   [&](ntpsweep::input::Entry& e, std::string_view data, bool listed) {
                     std::lock_guard lock(mu);
                     CHECK(listed);
                     CHECK(e.location.chain.size() == 2);
                     CHECK(e.location.chain.back() == e.path);
                     read[e.location.Render()] = data;
                   });
    };
    SECTION("the image as the pass read it: each file read alone") {
      MemberLinks links;
      pass(&links);
      replay(links);
      CHECK(read ==
            std::map<std::string, std::string>{{name + "!a/setup.sh", "echo \"$NTP_SERVER\"\n"},
                                               {name + "!etc/big.conf", big}});
      CHECK(links.image_files_read_alone() == 2);
      CHECK(links.containers_walked_again() == 0);
      CHECK(links.replay_notices().empty());
    }
    SECTION("a file rewritten in place since: the image walked again as it is now") {
      MemberLinks links;
      pass(&links);
      std::string changed = pristine;
      const size_t at = changed.find("echo \"$NTP_SERVER\"\n");
      REQUIRE(at != std::string::npos);
      changed.replace(at, 19, "echo \"$NTP_CHANGE\"\n");
      ntpsweep::testing::WriteWholeFile(image, changed);
      replay(links);
      CHECK(read ==
            std::map<std::string, std::string>{{name + "!a/setup.sh", "echo \"$NTP_CHANGE\"\n"},
                                               {name + "!etc/big.conf", big}});
      CHECK(links.image_files_read_alone() == 0);
      CHECK(links.containers_walked_again() == 1);
      const std::vector<ntpsweep::Notice> notices = links.replay_notices();
      REQUIRE(notices.size() == 1);
      CHECK(notices[0].id == "disk-changed");
      CHECK(notices[0].location.Render() == name);
      CHECK(notices[0].message.starts_with(name + ": it changed since it was read"));
    }
    SECTION("the image cut short since: walked again, with a notice, no crash") {
      MemberLinks links;
      pass(&links);
      ntpsweep::testing::WriteWholeFile(image, pristine.substr(0, 64u << 10));
      replay(links);
      CHECK(links.image_files_read_alone() == 0);
      CHECK(links.containers_walked_again() == 1);
      REQUIRE(links.replay_notices().size() == 1);
      CHECK(links.replay_notices()[0].id == "disk-changed");
    }
    ntpsweep::testing::WriteWholeFile(image, pristine);
  }
}

// Replay reads a plain member of a tar file with its header and asks its bytes first: a member
// the sieve would turn away for want of a needle is done unread. The bytes must say no only where
// the text made of them cannot hold a needle: UTF-16 is decoded first (its bytes never hold a
// needle as written), and only the first --max-file-size bytes are text.
TEST_CASE("member links: a member's bytes rule it out only where its text holds no needle",
          "[linkage]") {
  using ntpsweep::scan::MemberLinks;
  const ntpsweep::host::LiteralSearch needles({"ntp_servers", "chrony.conf", ""});
  auto may = [&](std::string_view data, uint64_t max_bytes = 64) {
    return MemberLinks::MayHoldNeedle(data, max_bytes, needles);
  };
  auto utf16 = [](std::string_view s, bool big) {
    std::string out;
    for (char c : s) out += big ? std::string{'\0', c} : std::string{c, '\0'};
    return out;
  };
  // Held as written, in another case, ending at the last byte read.
  CHECK(may("{% for s in ntp_servers %}"));
  CHECK(may("COPY CHRONY.Conf /etc/chrony/"));
  CHECK(may(std::string(53, ' ') + "ntp_servers"));
  // UTF-16 with either BOM, and little-endian without one: no needle in the bytes as written.
  CHECK(may("\xFF\xFE" + utf16("- ntp_servers\n", false)));
  CHECK(may("\xFE\xFF" + utf16("- ntp_servers\n", true)));
  CHECK(may(utf16("- ntp_servers\n", false)));
  // Decoys: other names, a needle's parts apart or cut by NUL, one past --max-file-size, nothing.
  CHECK_FALSE(may("{% for s in dns_servers %} chrony-conf chrony_conf"));
  CHECK_FALSE(may(std::string_view("ntp_ servers chrony .conf ntp_\0servers", 39)));
  CHECK_FALSE(may(std::string(54, ' ') + "ntp_servers"));
  CHECK(may(std::string(54, ' ') + "ntp_servers", 65));
  CHECK_FALSE(may(""));
  // Without a needle nothing can be ruled out.
  CHECK(ntpsweep::host::LiteralSearch({}).Any("anything"));
  CHECK(ntpsweep::host::LiteralSearch({""}).Any(""));
}
