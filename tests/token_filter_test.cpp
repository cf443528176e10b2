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
