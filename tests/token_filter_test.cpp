// Linkage keeps a Bloom filter of each candidate file's words and re-reads a file only when it
// may name a finding's variable or file: it must never say no to a word the text holds.
#include "scan/token_filter.h"

#include "scan/member_links.h"

#include <catch2/catch.hpp>

#include <string>

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

// A member that cannot be read again alone (inside a compressed stream: only by inflating all
// of it again) is held in memory while it fits, and Replay judges it from there, without
// opening its container (the file here does not exist). Decoys: a member of a tar file (it has
// an offset), one of a zstd stream and one past kHoldMemberBytes keep only their words, and a
// costly one that does not fit is refused (the caller observes it as it passes).
TEST_CASE("member links: members read again only by inflating are held, within a budget",
          "[linkage]") {
  using ntpsweep::scan::MemberLinks;
  MemberLinks links;
  links.AddContainer("a.tar.gz", "/nonexistent/a.tar.gz");
  links.AddContainer("b.tar", "/nonexistent/b.tar");
  auto member = [](std::string container, std::string name, std::string data) {
    ntpsweep::input::Entry e;
    e.location.chain = {container, name};
    e.path = name;
    e.data = std::move(data);
    e.costly_to_reread = container.ends_with(".gz");
    return e;
  };
  ntpsweep::input::Entry held = member("a.tar.gz", "etc/sync.sh", "ntpdate \"$NTP_SERVER\"\n");
  REQUIRE(links.Accepts(held));
  REQUIRE(links.Defer(held, held.data));
  const size_t one = links.held_bytes();
  CHECK(one > held.data.size());
  ntpsweep::input::Entry at_offset = member("b.tar", "etc/x.sh", "echo $NTP_SERVER\n");
  at_offset.archive_offset = 512;
  REQUIRE(links.Defer(at_offset, at_offset.data));
  // Nor one of a zstd stream or a nested archive (cheap to read again by a walk): its words only.
  ntpsweep::input::Entry cheap = member("c.tar.zst", "etc/y.sh", "echo $NTP_SERVER\n");
  links.AddContainer("c.tar.zst", "/nonexistent/c.tar.zst");
  REQUIRE(links.Defer(cheap, cheap.data));
  CHECK(links.held_bytes() == one);
  ntpsweep::input::Entry large =
      member("a.tar.gz", "usr/share/big.sh",
             "$NTP_SERVER " + std::string(MemberLinks::kHoldMemberBytes, 'x'));
  CHECK_FALSE(links.Accepts(large));
  CHECK_FALSE(links.Defer(large, large.data));
  large.costly_to_reread = false;  // a zstd stream: its words kept, read by a walk
  CHECK(links.Defer(large, large.data));
  CHECK(links.held_bytes() == one);
  // The budget: costly members are held until it is used up, then refused.
  size_t n = 0;
  for (;; ++n) {
    ntpsweep::input::Entry m =
        member("a.tar.gz", "f" + std::to_string(n), std::string(60000, 'y') + " $V\n");
    if (!links.Accepts(m)) break;
    REQUIRE(links.Defer(m, m.data));
  }
  CHECK(n > 100);
  CHECK(links.held_bytes() <= MemberLinks::kHoldBytes);

  std::mutex mu;
  std::map<std::string, std::string> read;
  links.Replay({"absent", "ntp_server"}, ntpsweep::input::WalkOptions{}, 2,
               [&](ntpsweep::input::Entry& e, bool listed) {
                 std::lock_guard lock(mu);
                 CHECK(listed);
                 read[e.location.Render()] = e.data;
               });
  // Every held member is handed back as it was, whatever its words (the caller judges them);
  // the containers that would need a walk or a read by offset do not exist here.
  CHECK(read.size() == n + 1);
  CHECK(read.at("a.tar.gz!etc/sync.sh") == held.data);
  CHECK(read.count("b.tar!etc/x.sh") == 0);
  CHECK(read.count("c.tar.zst!etc/y.sh") == 0);
}
