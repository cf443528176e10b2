// The gate (host/prefilter.h) may let through more than it must, never less: every spelling that
// FindInText or MatchToken accepts for a target is seen by its patterns, and decoys that name
// no target are rejected, so the gate is not trivially open.
#include "host/prefilter.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "all_at_once.h"
#include "host/target.h"

namespace {

// `min` to `max` of `pieces` drawn at random and joined: the random tests' texts.
std::string RandomPieces(std::span<const std::string_view> pieces, std::mt19937& rng, int min,
                         int max) {
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::string text;
  for (int k = std::uniform_int_distribution<int>(min, max)(rng); k > 0; --k)
    text += pieces[pick(rng)];
  return text;
}

// Calls check(text) for every joining of up to `most` of `pieces` (the empty text first).
void ForEachJoin(const std::vector<std::string>& pieces, size_t most,
                 const std::function<void(const std::string&)>& check) {
  std::vector<size_t> index;
  std::function<void()> all = [&] {
    std::string text;
    for (size_t i : index) text += pieces[i];
    check(text);
    if (index.size() == most) return;
    for (size_t i = 0; i < pieces.size(); ++i) {
      index.push_back(i);
      all();
      index.pop_back();
    }
  };
  all();
}

using namespace ntpsweep::host;

TargetSet Make(const std::vector<std::string>& values) {
  TargetSet set;
  std::string error;
  for (const std::string& v : values) REQUIRE(set.Add(v, &error));
  return set;
}

std::string Base(uint64_t v, int base, bool upper) {
  char buf[40];
  if (base == 8)
    std::snprintf(buf, sizeof buf, "0%llo", static_cast<unsigned long long>(v));
  else if (base == 16)
    std::snprintf(buf, sizeof buf, upper ? "0X%llX" : "0x%llx", static_cast<unsigned long long>(v));
  else
    std::snprintf(buf, sizeof buf, "%llu", static_cast<unsigned long long>(v));
  return buf;
}

// Every inet_aton spelling shape of `v`: 4, 3, 2 and 1 parts, each part in a random base.
std::vector<std::string> ResolverSpellings(uint32_t v, std::mt19937& rng) {
  std::uniform_int_distribution<int> pick(0, 3);
  auto part = [&](uint64_t x) {
    int b = pick(rng);
    return Base(x, b == 0 ? 10 : b == 1 ? 8 : 16, b == 3);
  };
  std::vector<std::string> out;
  for (int i = 0; i < 8; ++i) {
    out.push_back(part(v >> 24) + "." + part((v >> 16) & 255) + "." + part((v >> 8) & 255) + "." +
                  part(v & 255));
    out.push_back(part(v >> 24) + "." + part((v >> 16) & 255) + "." + part(v & 0xffff));
    out.push_back(part(v >> 24) + "." + part(v & 0xffffff));
    out.push_back(part(v));
  }
  return out;
}

bool Gated(const Prefilter& gate, const std::string& text) {
  return (gate.Scan(text) & (Prefilter::kTargets | Prefilter::kResolverForms)) != 0;
}

// Texts of 1 to `max_pieces` random `pieces`: every one the targets name passes the gate; more
// than `min_named` are named and more than `min_rejected` others are turned away.
void GateNeverRejectsNamed(const TargetSet& set, const Prefilter& gate,
                           std::span<const std::string_view> pieces, std::mt19937& rng,
                           int iterations, int max_pieces, size_t min_named, size_t min_rejected) {
  size_t positives = 0, negatives = 0;
  for (int iter = 0; iter < iterations; ++iter) {
    std::string text = RandomPieces(pieces, rng, 1, max_pieces);
    bool named = !set.FindInText(text).empty() || set.MatchToken(text, Context::kHostValue);
    INFO("text '" << text << "'");
    if (named) {
      REQUIRE(Gated(gate, text));
      ++positives;
    } else if (!Gated(gate, text)) {
      ++negatives;
    }
  }
  CHECK(positives > min_named);
  CHECK(negatives > min_rejected);  // the gate also says no
}

}  // namespace

TEST_CASE("prefilter: every spelling a matcher accepts passes the gate", "[host][prefilter]") {
  const TargetSet set =
      Make({"10.20.30.40", "172.16.0.0/12", "192.168.7.0/24", "10.0.0.0/8", "2001:db8::1",
            "fd00::/64", "::ffff:0:0/96", "ntp1.corp.example.com", "time"});
  const Prefilter gate(set, {});
  std::mt19937 rng(2026);
  std::vector<std::string> spellings = {
      // Free text and daemon values of the IPv4 target, IPv4-in-IPv6 forms.
      "10.20.30.40",
      "010.020.030.040",
      "::ffff:10.20.30.40",
      "::ffff:a14:1e28",
      "::FFFF:0A14:1E28",
      "64:ff9b::a14:1e28",
      "::ffff:0:a14:1e28",
      "[::ffff:a14:1e28]:123",
      // CIDR members, dotted and resolver forms.
      "172.31.255.254",
      "172.16.0.1",
      "0254.0x1f.1.2",
      "172.1048577",
      "2886729729",
      "0xAC100001",
      "192.168.7.99",
      "10.255.255.255",
      "10.1",
      "012.3.4.5",
      // IPv6 spellings, zones, brackets.
      "2001:db8::1",
      "2001:DB8:0:0:0:0:0:1",
      "2001:0db8::0001",
      "[2001:db8::1]:123",
      "2001:db8::0.0.0.1",
      "fd00::1:2",
      "FD00:0:0:0:0:0:0:9",
      "fd00::",
      "fd00::1%eth0",
      // Names, short names.
      "ntp1.corp.example.com",
      "NTP1.Corp.Example.COM.",
      "https://ntp1.corp.example.com:4460/",
      "ntp1",
      "NTP1",
      "time",
      "TIME.",
      // Escaped separators, escaped the same way throughout or mixed (host::UnescapedText).
      "10\\.20\\.30\\.40",
      "10\\\\.20\\\\.30\\\\.40",
      "10[.]20[.]30[.]40",
      "10\\.20.30[.]40",
      "010\\.020\\.030\\.040",
      "::ffff:10\\.20\\.30\\.40",
      "172\\.16\\.0\\.1",
      "172[.]31.255\\.254",
      "192\\\\.168\\\\.7\\\\.99",
      "2001\\:db8\\:\\:1",
      "fd00\\:\\:9",
      "::ffff\\:a14\\:1e28",
      "ntp1\\.corp\\.example\\.com",
      "ntp1[.]corp[.]example[.]com",
      "ntp1\\\\.corp\\\\.example\\\\.com",
      "ntp1\\.corp.example[.]com",
  };
  for (uint32_t v : {0x0a141e28u, 0xac100001u, 0xc0a80763u, 0x0a000001u})
    for (std::string& s : ResolverSpellings(v, rng)) spellings.push_back(std::move(s));
  size_t checked = 0;
  for (const std::string& s : spellings) {
    INFO("spelling '" << s << "'");
    // The generator must produce real spellings, or the property proves nothing.
    bool named = set.MatchToken(s, Context::kHostValue) || !set.FindInText(s).empty();
    REQUIRE(named);
    CHECK(Gated(gate, "server " + s + " iburst"));
    CHECK(Gated(gate, s));
    ++checked;
  }
  CHECK(checked > 60);
}

TEST_CASE("prefilter: random text that FindInText or MatchToken names is never rejected",
          "[host][prefilter]") {
  const TargetSet set = Make({"10.0.0.1", "10.20.30.0/24", "2001:db8::1", "fd00::/64",
                              "ntp1.corp.example.com", "a1.example.com"});
  const Prefilter gate(set, {});
  const std::string_view pieces[] = {"10.0.0.1",
                                     "10.20.30.7",
                                     "2001:db8::1",
                                     "fd00::9",
                                     "::ffff:10.0.0.1",
                                     "64:ff9b::a00:1",
                                     "ntp1.corp.example.com",
                                     "NTP1",
                                     "a1",
                                     "012",
                                     "0x",
                                     "a",
                                     "1",
                                     "0",
                                     ":",
                                     "::",
                                     ".",
                                     " ",
                                     "\n",
                                     "10",
                                     "256",
                                     "db8",
                                     "ff",
                                     "com",
                                     "167772161",
                                     "%",
                                     "[",
                                     "]",
                                     "\\",
                                     "\\.",
                                     "[.]",
                                     "\\:"};
  std::mt19937 rng(99);
  GateNeverRejectsNamed(set, gate, pieces, rng, 20000, 12, 1000, 1000);
}

TEST_CASE("prefilter: decoys that name no target are rejected", "[host][prefilter]") {
  const TargetSet set = Make({"10.20.30.40", "fd00::123", "ntp-old.corp.example.com"});
  const Prefilter gate(set, {});
  for (const char* decoy :
       {"server 10.20.30.41 iburst", "pool 0.debian.pool.ntp.org", "10.2.30.40", "fd01::123",
        "ntp.corp.example.com", "std::string", "Lorem ipsum dolor sit amet", "", "12:30:45",
        "10\\.20\\.30\\.41", "10[.]2[.]30[.]40", "ntp\\.corp\\.example\\.com", "s/\\d+\\.\\d+/x/",
        "fd01\\:\\:123"}) {
    INFO("decoy '" << decoy << "'");
    CHECK_FALSE(Gated(gate, decoy));
  }
}

TEST_CASE("prefilter: groups and tracked literals are reported apart", "[host][prefilter]") {
  const TargetSet set = Make({"10.0.0.1"});
  const Prefilter gate(set, {{QuoteLiteral("base64")}, {"^[ \\t]*include[ \\t]"}},
                       {"\\bserver\\b", "ntp_servers"});
  std::vector<char> tracked;
  CHECK(gate.Scan("x: !!binary BASE64 data", &tracked) == 2u);
  CHECK(tracked == std::vector<char>{0, 0});
  CHECK(gate.Scan("# a comment\n  include /etc/chrony/extra.conf\n", &tracked) == 4u);
  CHECK(gate.Scan("see the include directive", &tracked) == 0u);  // not at a line start
  CHECK(gate.Scan("ntp_servers: [10.0.0.1]", &tracked) == Prefilter::kTargets);
  CHECK(tracked == std::vector<char>{0, 1});
  CHECK(gate.Scan("SERVER and Ntp_Servers", &tracked) == 0u);
  CHECK(tracked == std::vector<char>{1, 1});
  CHECK(gate.Scan("servers", &tracked) == 0u);  // not the whole word
  CHECK(tracked == std::vector<char>{0, 0});
  const TargetSet none;
  const Prefilter empty(none, {});
  CHECK(empty.Scan("10.0.0.1") == 0u);
}

TEST_CASE("prefilter: hex and zero-led numbers pass only with a target part's value",
          "[host][prefilter]") {
  const TargetSet set = Make({"10.20.30.40"});
  const Prefilter gate(set, {});
  // Code tables and version numbers: every shape of a resolver part, none of the target's values
  // beside a dot (0x0a is the first part's value, but a one-part spelling is all 32 bits).
  for (const char* decoy : {"table = [0x0a, 0x14, 0x1e, 0x28, 0x1f]", "version 1.05 and 2.010",
                            "chmod 0755 file; umask 022", "0x0a141e29", "color: #0a141e"}) {
    INFO("decoy '" << decoy << "'");
    CHECK_FALSE(Gated(gate, decoy));
  }
  for (const char* spelling : {"0xa.20.30.40", "10.0x14.30.40", "10.20.036.050", "012.20.7720",
                               "10.0x141e28", "0X0A141E28", "x=0xa141e28;", "012\\.20\\.30\\.40"}) {
    INFO("spelling '" << spelling << "'");
    REQUIRE(set.MatchToken(spelling, Context::kHostValue).has_value() ==
            (std::string_view(spelling).find('\\') == std::string_view::npos &&
             std::string_view(spelling).find('=') == std::string_view::npos));
    CHECK(Gated(gate, spelling));
  }
  // Part values alone are not enough: with 5.6.7.8 a target too, 05 and 0x0a are part values,
  // but no run of the parts around them spells an address of a target.
  const TargetSet two = Make({"10.20.30.40", "5.6.7.8"});
  const Prefilter gate2(two, {});
  for (const char* decoy : {"release 1.05 of 2.010", "0x0a.0x14.0x1e.0x29", "v0x5.6.7.9"}) {
    INFO("decoy '" << decoy << "'");
    CHECK_FALSE(Gated(gate2, decoy));
  }
  for (const char* spelling : {"0x5.6.7.8", "1.0x5.6.7.8", "x=05.6.7.8", "0xa.0x14.0x1e.0x28.5"}) {
    INFO("spelling '" << spelling << "'");
    CHECK(Gated(gate2, spelling));
  }
  ResolverPartValues values = PartValuesOf(set.targets());
  CHECK(values.whole == std::vector<uint32_t>{0x0a141e28u});
  CHECK(values.dotted == std::vector<uint32_t>{10, 20, 30, 40, 0x1e28, 0x141e28});
}

TEST_CASE("prefilter: a dotted quad with zero-led octets is free text only with a target's address",
          "[host][prefilter]") {
  const TargetSet set = Make({"10.20.30.40", "5.0.7.8"});
  const Prefilter gate(set, {});
  // Free text reads leading zeros as decimal: each spelling names a target, and the gate says
  // so as free text (kTargets), not only as a resolver form that needs a rule's words.
  for (const char* spelling :
       {"010.20.30.40", "10.020.30.040", "server 010.020.030.040 iburst", "x=10.20.30.040;",
        "010\\.20\\.30\\.40", "10[.]020[.]30[.]40", "10\\\\.20.030[.]40", "5]010.20.30.40",
        "05.00.07.008", "005.0.7.08:123", "::ffff:010.20.30.40"}) {
    INFO("spelling '" << spelling << "'");
    REQUIRE(!set.FindInText(spelling).empty());
    CHECK((gate.Scan(spelling) & Prefilter::kTargets) != 0);
  }
  // Zero-led numbers everywhere, no target's address among them (nor a free-text spelling).
  for (const char* decoy :
       {"010.20.30.41", "010.20.30", "10.20.30.0400", "0010.20.30.41", "010.20..30.40",
        "010.20.30[40", "version 01.02.03.04", "2024.01.05 10.20", "05.0.7.9 and 10.20.030.4"}) {
    INFO("decoy '" << decoy << "'");
    CHECK((gate.Scan(decoy) & Prefilter::kTargets) == 0);
    CHECK(set.FindInText(decoy).empty());
  }
  const std::vector<uint32_t> addresses = {0x0a141e28u};
  CHECK(HasZeroLedQuad("a 010.20.30.40 b", addresses));
  CHECK_FALSE(HasZeroLedQuad("a 010.20.30.41 b", addresses));
  CHECK_FALSE(HasZeroLedQuad("", addresses));
  CHECK_FALSE(HasZeroLedQuad("0", addresses));
}

TEST_CASE("prefilter: resolver shapes found by hand answer as Hyperscan's patterns did",
          "[host][prefilter]") {
  const TargetSet set = Make({"10.20.30.40", "5.0.7.8", "10.1.0.0/16"});
  std::vector<std::string> shapes;
  for (const Target& t : set.targets())
    for (const GatePattern& p : GatePatterns(t))
      if (p.shape && std::find(shapes.begin(), shapes.end(), p.pattern) == shapes.end())
        shapes.push_back(p.pattern);
  REQUIRE(shapes.size() == 3);
  // Each shape a group of its own, compiled as the gate compiled them before.
  const Prefilter reference(TargetSet(), {{shapes[0]}, {shapes[1]}, {shapes[2]}});
  const Prefilter gate(set, {});
  const ResolverPartValues values = PartValuesOf(set.targets());
  size_t matched = 0, unmatched = 0, named = 0;
  auto check = [&](const std::string& text) {
    INFO("text '" << text << "'");
    bool expected = reference.Scan(text) != 0;
    REQUIRE(HasResolverShape(text) == expected);
    (expected ? matched : unmatched) += 1;
    // The gate adds what a shape's hit let the part checks find, as before.
    uint32_t bits = gate.Scan(text);
    if (expected && HasResolverPart(text, values)) REQUIRE((bits & Prefilter::kResolverForms) != 0);
    if (expected && HasZeroLedQuad(text, values.whole)) {
      REQUIRE((bits & Prefilter::kTargets) != 0);
      ++named;
    }
  };
  // Every text of up to four pieces: each byte a shape reads before, at and after a zero.
  const std::vector<std::string> pieces = {"0", "00", "7", "9",  "x", "X",  "f", "G", "_",
                                           ".", "]",  "[", "\\", " ", "\n", "a", "Z", "\xc3"};
  ForEachJoin(pieces, 4, check);
  // Longer texts cross the sixteen-byte blocks: near-misses (hex dumps, versions, modes, dates,
  // escaped dots) and the targets' parts as resolvers and free text spell them.
  const std::string_view long_pieces[] = {"0",
                                          "00",
                                          "010",
                                          "0x",
                                          "0X1f",
                                          "0xa",
                                          "0x0a141e28",
                                          "012",
                                          "024",
                                          "036",
                                          "050",
                                          "05",
                                          "020",
                                          "040",
                                          "030",
                                          "0xG",
                                          "1.05",
                                          "2.010",
                                          "0755",
                                          "2024-01-05",
                                          "x0",
                                          "_0",
                                          "a0",
                                          "9",
                                          ".",
                                          "\\.",
                                          "\\\\.",
                                          "[.]",
                                          "]",
                                          "[",
                                          " ",
                                          "\n",
                                          "10",
                                          "20",
                                          "30",
                                          "40",
                                          "0x14",
                                          "0x1e",
                                          "0x28",
                                          "07720",
                                          "5",
                                          "0.7.8",
                                          "0x5",
                                          "010.20.30.40",
                                          "10.20.036.050",
                                          "00:00",
                                          "ab",
                                          "\xc3\xa9",
                                          "0x0a.0x14.0x1e.0x28"};
  std::mt19937 random(14);
  for (int n = 0; n < 60000; ++n) check(RandomPieces(long_pieces, random, 1, 24));
  CHECK(matched > 1000);
  CHECK(unmatched > 1000);
  CHECK(named > 100);
}

// HasResolverPart and HasZeroLedQuad as they were written first: a memchr stop at every zero,
// each part judged whole. The fast versions must answer the same for every text.
bool ReferenceResolverPart(std::string_view text, const ResolverPartValues& values) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto hex = [&](char c) { return digit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); };
  auto word = [&](char c) {
    return digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  auto has = [](const std::vector<uint32_t>& list, uint64_t v) {
    return std::binary_search(list.begin(), list.end(), v);
  };
  auto judge = [&](size_t begin, size_t end, uint64_t v) {
    if (has(values.whole, v)) return true;
    bool dotted = (begin > 0 && text[begin - 1] == '.') ||
                  (end < text.size() && (text[end] == '.' || text[end] == '\\'));
    return dotted && has(values.dotted, v);
  };
  const size_t n = text.size();
  for (size_t i = 0; i + 1 < n;) {
    size_t zero = text.find('0', i);
    if (zero == std::string_view::npos || zero + 1 >= n) break;
    i = zero;
    char next = text[i + 1];
    if ((next == 'x' || next == 'X') && i + 2 < n && hex(text[i + 2])) {
      size_t end = i + 2;
      uint64_t v = 0;
      bool fits = true;
      for (; end < n && hex(text[end]); ++end) {
        char c = text[end];
        v = v * 16 + static_cast<uint64_t>(digit(c) ? c - '0' : (c | 0x20) - 'a' + 10);
        fits = fits && v <= 0xffffffffULL;
      }
      if (fits && judge(i, end, v) && SpellsTargetAround(text, i, values)) return true;
      i = end;
    } else if (digit(next) && (i == 0 || !word(text[i - 1]))) {
      size_t end = i + 1;
      uint64_t v = 0;
      bool octal = true;
      for (; end < n && digit(text[end]); ++end) {
        octal = octal && text[end] < '8';
        v = v * 8 + static_cast<uint64_t>(text[end] - '0');
        octal = octal && v <= 0xffffffffULL;
      }
      if (octal && judge(i, end, v) && SpellsTargetAround(text, i, values)) return true;
      i = end;
    } else {
      ++i;
    }
  }
  return false;
}

bool ReferenceZeroLedQuad(std::string_view text, const std::vector<uint32_t>& addresses) {
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  auto in_run = [&](char c) { return digit(c) || c == '.' || c == '\\' || c == '[' || c == ']'; };
  constexpr uint32_t kNoOctet = 0xffffffffu;
  std::vector<uint32_t> chain;
  auto spells_target = [&] {
    for (size_t p = 0; p + 4 <= chain.size(); ++p) {
      if (std::find(chain.begin() + p, chain.begin() + p + 4, kNoOctet) != chain.begin() + p + 4)
        continue;
      uint32_t address = chain[p] << 24 | chain[p + 1] << 16 | chain[p + 2] << 8 | chain[p + 3];
      if (std::binary_search(addresses.begin(), addresses.end(), address)) return true;
    }
    return false;
  };
  const size_t n = text.size();
  for (size_t i = 0; i + 1 < n;) {
    size_t zero = text.find('0', i);
    if (zero == std::string_view::npos || zero + 1 >= n) break;
    i = zero;
    if (!digit(text[i + 1]) || (i > 0 && digit(text[i - 1]))) {
      ++i;
      continue;
    }
    size_t begin = i, end = i;
    while (begin > 0 && in_run(text[begin - 1])) --begin;
    while (end < n && in_run(text[end])) ++end;
    chain.clear();
    for (size_t k = begin; k < end;) {
      size_t sep = k;
      while (k < end && !digit(text[k])) ++k;
      if (k == end) break;
      if (!chain.empty() && std::count(text.begin() + sep, text.begin() + k, '.') != 1) {
        if (spells_target()) return true;
        chain.clear();
      }
      uint32_t value = 0;
      size_t digits = 0;
      for (; k < end && digit(text[k]); ++k, ++digits)
        value = digits < 3 ? value * 10 + static_cast<uint32_t>(text[k] - '0') : kNoOctet;
      chain.push_back(value <= 255 ? value : kNoOctet);
    }
    if (spells_target()) return true;
    i = end;
  }
  return false;
}

TEST_CASE("prefilter: the AVX2 and SSE2 number-lead searches find every lead a byte loop finds",
          "[host][prefilter]") {
  // A lead is a '0' before 'x'/'X' or before a digit, with no digit before it.
  auto by_bytes = [](std::string_view text) {
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    std::vector<size_t> leads;
    for (size_t i = 0; i + 1 < text.size(); ++i)
      if (text[i] == '0' &&
          ((text[i + 1] | 0x20) == 'x' || (digit(text[i + 1]) && (i == 0 || !digit(text[i - 1])))))
        leads.push_back(i);
    return leads;
  };
  // Leads and decoys (a '0' after a digit, before a letter, 'x' alone, '/' and ':' beside the
  // digits, bytes with the high bit set) planted at and across the 16- and 32-byte block edges.
  const std::string_view pieces[] = {"0x", "0X", "00", "07", "09", "0", "x", "X",    "10",   "90",
                                     "0a", "0/", "/0", "0:", ":0", "a", " ", "\xff", "\x80", "."};
  std::mt19937 random(17);
  size_t found = 0;
  for (int round = 0; round < 20000; ++round) {
    size_t size = std::uniform_int_distribution<size_t>(0, 200)(random);
    std::string text(size, 'a');
    for (size_t k = 0; k < size; ++k) {
      std::string_view piece = pieces[random() % std::size(pieces)];
      // Half the pieces at a block edge, or one byte before or after it.
      size_t at = random() % 2 ? k : (k / 16) * 16 + random() % 3 - 1;
      if (at < size)
        text.replace(at, std::min(piece.size(), size - at), piece.substr(0, size - at));
    }
    INFO("text '" << text << "'");
    const std::vector<size_t> expected = by_bytes(text);
    REQUIRE(NumberLeads(text, false) == expected);
    if (HasAvx2Leads()) REQUIRE(NumberLeads(text, true) == expected);
    found += expected.size();
  }
  CHECK(found > 50000);
  // A lead in the last byte before the 32-byte loop hands over, and in the text's last two bytes.
  for (size_t size : {33, 34, 48, 49, 64, 65, 66}) {
    for (size_t at = 0; at + 1 < size; ++at) {
      std::string text(size, ' ');
      text[at] = '0';
      text[at + 1] = 'x';
      REQUIRE(NumberLeads(text, true) == std::vector<size_t>{at});
      REQUIRE(NumberLeads(text, false) == std::vector<size_t>{at});
    }
  }
}

TEST_CASE("prefilter: the part and zero-led quad checks answer as their first versions",
          "[host][prefilter]") {
  const TargetSet set = Make({"10.20.30.40", "5.0.7.8", "10.1.0.0/16", "0.0.0.9"});
  const ResolverPartValues values = PartValuesOf(set.targets());
  size_t parts = 0, quads = 0;
  auto check = [&](const std::string& text) {
    INFO("text '" << text << "'");
    bool part = ReferenceResolverPart(text, values),
         quad = ReferenceZeroLedQuad(text, values.whole);
    REQUIRE(HasResolverPart(text, values) == part);
    REQUIRE(HasZeroLedQuad(text, values.whole) == quad);
    parts += part;
    quads += quad;
  };
  // Every text of up to four pieces: the bytes around a zero, a hex digit past 'f', word bytes.
  const std::vector<std::string> pieces = {"0", "00", "7", "9", "x",  "X", "f", "G",
                                           "_", ".",  "]", "[", "\\", " ", "a", "\xc3"};
  ForEachJoin(pieces, 4, check);
  // Longer texts cross the sixteen-byte blocks and hold the targets' parts in every base, in
  // dotted runs of three dots or fewer, next to decoys (long hex numbers, words, dates).
  const std::string_view long_pieces[] = {"0",
                                          "00",
                                          "010",
                                          "0x",
                                          "0X1F",
                                          "0xa",
                                          "0x0a141e28",
                                          "0x00000000a141e28",
                                          "0xffffffffff",
                                          "012",
                                          "024",
                                          "036",
                                          "050",
                                          "05",
                                          "00000005",
                                          "0.7.8",
                                          "0x5",
                                          "07720",
                                          "011",
                                          "0x14",
                                          "0x1e",
                                          "0x28",
                                          "0x0A",
                                          "0x9",
                                          "10",
                                          "20",
                                          "30",
                                          "40",
                                          "1",
                                          "9",
                                          "8",
                                          "08",
                                          ".",
                                          "..",
                                          "\\.",
                                          "\\\\.",
                                          "[.]",
                                          "]",
                                          "[",
                                          " ",
                                          "\n",
                                          "_",
                                          "a",
                                          "x",
                                          "w0",
                                          "_0",
                                          "1.05",
                                          "2.010",
                                          "010.20.30.40",
                                          "10.20.036.050",
                                          "012.20.7720",
                                          "01202417050",
                                          "2024-01-05",
                                          "\xc3\xa9"};
  std::mt19937 random(15);
  for (int n = 0; n < 200000; ++n) check(RandomPieces(long_pieces, random, 1, 20));
  CHECK(parts > 1000);
  CHECK(quads > 100);
}

TEST_CASE("prefilter: a part too short for the least whole address is judged as before",
          "[host][prefilter]") {
  // Not beside a dot a part must be a whole address: one of fewer digits than the least one
  // (1.0.0.0, 0x1000000) is turned away unread. The spellings of 1.0.0.0 with the fewest digits,
  // a digit short of them, and the short parts beside a dot (which the bound must not touch).
  const TargetSet set = Make({"1.0.0.0", "10.20.30.40", "10.1.0.0/16"});
  const ResolverPartValues values = PartValuesOf(set.targets());
  REQUIRE(values.whole.front() == 0x01000000u);
  const std::string_view pieces[] = {
      "0x1000000", "0x01000000", "0xffffff",   "0x0a141e28", "0xa141e28",   "0x28",       "0x1e28",
      "0x141e28",  "0x0",        "0100000000", "077777777",  "01205017050", "0120501705", "012",
      "024",       "036",        "050",        "01",         "0x1",         "0x0a",       ".",
      "\\.",       "\\\\.",      "[.]",        "1.",         "0.0.0",       " ",          "a",
      "0",         "x",          "_",          "\n"};
  std::mt19937 random(23);
  size_t parts = 0, short_rejected = 0;
  for (int n = 0; n < 100000; ++n) {
    const std::string text = RandomPieces(pieces, random, 1, 8);
    INFO("text '" << text << "'");
    const bool part = ReferenceResolverPart(text, values);
    REQUIRE(HasResolverPart(text, values) == part);
    parts += part;
    short_rejected += !part && text.find("0xffffff") != std::string::npos;
  }
  CHECK(parts > 1000);
  CHECK(short_rejected > 1000);
  // Alone, the least address's shortest spellings name it, and one digit fewer does not.
  CHECK(HasResolverPart(" 0x1000000 ", values));
  CHECK(HasResolverPart(" 0100000000 ", values));
  CHECK_FALSE(HasResolverPart(" 0xffffff ", values));
  CHECK_FALSE(HasResolverPart(" 077777777 ", values));
  CHECK(HasResolverPart(" 0x0a.0x14.0x1e.0x28 ", values));  // short parts beside dots
  CHECK(HasResolverPart(" 012.024.036.050 ", values));
}

TEST_CASE("prefilter: the shape checks answer as their first versions on long numbers and runs",
          "[host][prefilter]") {
  // The checks read a number's digits and a dotted run sixteen bytes at a time: numbers and runs
  // longer than a block, starting or ending at a block's edge or at the text's last bytes.
  const TargetSet set = Make({"10.20.30.40", "5.0.7.8", "10.1.0.0/16", "0.0.0.9"});
  const ResolverPartValues values = PartValuesOf(set.targets());
  std::vector<std::string> shapes;
  for (const Target& t : set.targets())
    for (const GatePattern& p : GatePatterns(t))
      if (p.shape && std::find(shapes.begin(), shapes.end(), p.pattern) == shapes.end())
        shapes.push_back(p.pattern);
  REQUIRE(shapes.size() == 3);
  const Prefilter reference_shape(TargetSet(), {{shapes[0]}, {shapes[1]}, {shapes[2]}});
  // Targets' parts and quads in every base beside decoys: long hex and octal numbers that pass
  // 32 bits or carry a target's value in their last digits, versions, dates, hex dumps.
  const std::string_view pieces[] = {"0x0000000000a141e28",
                                     "0x00000000000000000000000000014",
                                     "0x10FFFF",
                                     "0x1F0000000",
                                     "0xa141e28",
                                     "0x0a141e28ff",
                                     "0x1f",
                                     "0x",
                                     "0x0a.0x14.0x1e.0x28",
                                     "01205017050",
                                     "0001205017050",
                                     "012050170501",
                                     "037777777777",
                                     "040000000000",
                                     "0000000000000000000012",
                                     "0123456789012345678",
                                     "012.024.036.050",
                                     "010.020.030.040",
                                     "0010.020.030.040",
                                     "10.20.30.040",
                                     "010\\.20\\.30\\.40",
                                     "010[.]20[.]30[.]40",
                                     "010..20.30.40",
                                     "1.0.2.3",
                                     "1.05",
                                     "2.010",
                                     "05.0.07.08",
                                     "00.00.00.011",
                                     "2024.01.05",
                                     "00000000.00000000.0",
                                     ".",
                                     "\\.",
                                     "[.]",
                                     "0",
                                     "00",
                                     "9",
                                     "a",
                                     "x",
                                     " ",
                                     "_"};
  std::mt19937 random(20);
  size_t shaped = 0, parts = 0, quads = 0;
  for (int round = 0; round < 40000; ++round) {
    size_t size = std::uniform_int_distribution<size_t>(1, 120)(random);
    std::string text(size, random() % 2 ? ' ' : '7');
    for (size_t k = 0; k < size / 4; ++k) {
      std::string_view piece = pieces[random() % std::size(pieces)];
      // Half the pieces at a block edge, one byte before or after it, or ending the text.
      size_t at = random() % 2   ? random() % size
                  : random() % 4 ? (random() % 8) * 16 + random() % 3 - 1
                                 : size - std::min(size, piece.size());
      if (at < size)
        text.replace(at, std::min(piece.size(), size - at), piece.substr(0, size - at));
    }
    INFO("text '" << text << "'");
    const bool shape = reference_shape.Scan(text) != 0, part = ReferenceResolverPart(text, values),
               quad = ReferenceZeroLedQuad(text, values.whole);
    REQUIRE(HasResolverShape(text) == shape);
    REQUIRE(HasResolverPart(text, values) == part);
    REQUIRE(HasZeroLedQuad(text, values.whole) == quad);
    shaped += shape;
    parts += part;
    quads += quad;
  }
  CHECK(shaped > 10000);
  CHECK(parts > 1000);
  CHECK(quads > 1000);
}

TEST_CASE("prefilter: a compiled gate is cached and reused only for the same patterns",
          "[host][prefilter]") {
  namespace fs = std::filesystem;
  fs::path dir = fs::temp_directory_path() / ("ntpsweep-gate-cache-" + std::to_string(getpid()));
  fs::remove_all(dir);
  const char* old = std::getenv("NTPSWEEP_CACHE_DIR");
  std::string saved = old ? old : "";
  setenv("NTPSWEEP_CACHE_DIR", dir.c_str(), 1);
  auto files = [&] {
    std::vector<fs::path> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec)) out.push_back(e.path());
    return out;
  };
  const TargetSet set = Make({"10.20.30.40", "ntp1.example.com"});
  {
    const Prefilter first(set, {{QuoteLiteral("base64")}});
    REQUIRE(files().size() == 1);
  }
  // The stored database is what the next gate uses: garble its tail and the same patterns
  // fail to load it, compile again and still judge right.
  const Prefilter cached(set, {{QuoteLiteral("base64")}});
  CHECK(cached.Scan("server 10.20.30.40") == Prefilter::kTargets);
  CHECK(cached.Scan("a BASE64 blob") == 2u);
  CHECK(cached.Scan("server 10.20.30.41") == 0u);
  {
    fs::path stored = files().at(0);
    std::string bytes;
    {
      std::ifstream in(stored, std::ios::binary);
      bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    bytes.resize(bytes.size() / 2);
    std::ofstream(stored, std::ios::binary | std::ios::trunc) << bytes;
  }
  const Prefilter recompiled(set, {{QuoteLiteral("base64")}});
  CHECK(recompiled.Scan("server 10.20.30.40") == Prefilter::kTargets);
  CHECK(recompiled.Scan("ntp1.example.com") & Prefilter::kTargets);
  // Other patterns, another file.
  const Prefilter other(set, {{QuoteLiteral("gzip")}});
  CHECK(other.Scan("a gzip blob") == 2u);
  CHECK(other.Scan("a BASE64 blob") == 0u);
  CHECK(files().size() == 2);
  // Turned off: nothing is written.
  fs::remove_all(dir);
  setenv("NTPSWEEP_CACHE_DIR", "", 1);
  const Prefilter uncached(set, {{QuoteLiteral("data")}});
  CHECK(uncached.Scan("some data") == 2u);
  CHECK_FALSE(fs::exists(dir));
  if (old)
    setenv("NTPSWEEP_CACHE_DIR", saved.c_str(), 1);
  else
    unsetenv("NTPSWEEP_CACHE_DIR");
}

TEST_CASE("prefilter: escaped-dot anchors judged by HasMixedSeparatorsAt pass what one regex did",
          "[host][prefilter]") {
  // The shared pattern the anchors replaced: a letter or digit, two different kinds of dot
  // separator around a run of name characters, a letter or digit.
  const std::string kinds[] = {"\\.", "\\\\\\.", "\\\\\\\\\\.", "\\[\\.\\]"};
  std::string alternatives;
  for (const std::string& x : kinds)
    for (const std::string& y : kinds)
      if (x != y) alternatives += (alternatives.empty() ? "" : "|") + x + "[0-9a-z_-]+" + y;
  const Prefilter reference(TargetSet(), {{"[0-9a-z](?:" + alternatives + ")[0-9a-z]"}});
  // A name target: in these texts only a mixed spelling can let an entry through as free text.
  const Prefilter gate(Make({"ntp-old.corp.example.com"}), {});
  auto judged = [](std::string_view text) {
    for (size_t at = 0; at < text.size(); ++at)
      if ((text[at] == '.' || text[at] == ']') && HasMixedSeparatorsAt(text, at)) return true;
    return false;
  };
  size_t mixed = 0, plain = 0;
  auto check = [&](const std::string& text) {
    INFO("text '" << text << "'");
    bool expected = reference.Scan(text) == 2u;
    REQUIRE(judged(text) == expected);
    REQUIRE(((gate.Scan(text) & Prefilter::kTargets) != 0) == expected);
    (expected ? mixed : plain) += 1;
  };
  // Every text of up to four pieces, then longer random ones.
  const std::vector<std::string> pieces = {"a",     "Z",       "9",   "_", "-", ".",  "\\.",
                                           "\\\\.", "\\\\\\.", "[.]", "[", "]", "\\", "\n"};
  ForEachJoin(pieces, 4, check);
  std::mt19937 random(11);
  for (int n = 0; n < 100000; ++n) {
    std::string text;
    for (size_t k = 6 + random() % 10; k > 0; --k) text += pieces[random() % pieces.size()];
    check(text);
  }
  CHECK(mixed > 200);
  CHECK(plain > 1000);
}

TEST_CASE("prefilter: whole-word literals report what Hyperscan's \\b reports",
          "[host][prefilter]") {
  // "\\bword\\b" is compiled as its literal and checked at each hit; "\\b(?:word)\\b" is
  // left to Hyperscan. Words that start or end with a non-word byte invert the check there.
  const TargetSet set = Make({"10.0.0.1"});
  const std::vector<std::string> words = {"server", "ntp\\x5fhost", "\\x2dname", "x\\x3d", "a"};
  std::vector<std::string> tracked;
  for (const std::string& w : words) {
    tracked.push_back("\\b" + w + "\\b");
    tracked.push_back("\\b(?:" + w + ")\\b");
  }
  const Prefilter gate(set, {tracked}, tracked);
  const std::string texts[] = {"server",
                               "servers",
                               "xserver",
                               "_server",
                               "server_",
                               "server-x",
                               "-server",
                               "a server.",
                               "SERVER\n",
                               "\xc3server\xa9",
                               "xservers server",
                               "ntp_host",
                               "ntp_hosts",
                               "my ntp_host:",
                               "-name",
                               "a-name",
                               "x -name=",
                               "x-namex",
                               "--name",
                               "x=",
                               "x==",
                               "yx=",
                               "x=1",
                               " x= ",
                               "a",
                               "ab",
                               "b a b",
                               "_a_",
                               "",
                               "\n\na\n"};
  std::vector<size_t> hit_count(tracked.size(), 0);
  for (const std::string& text : texts) {
    INFO("text '" << text << "'");
    std::vector<char> hits;
    gate.ScanTracked(text, &hits);
    REQUIRE(hits.size() == tracked.size());
    for (size_t i = 0; i < tracked.size(); i += 2) {
      INFO("pattern " << tracked[i]);
      CHECK(hits[i] == hits[i + 1]);
      hit_count[i] += hits[i] != 0;
    }
    // In the gate, where such a pattern is a group of its own, too (bit g + 1 of group g = 0).
    CHECK(gate.Scan(text) ==
          (std::any_of(hits.begin(), hits.end(), [](char h) { return h; }) ? 2u : 0u));
  }
  for (size_t i = 0; i < tracked.size(); i += 2) {
    INFO("pattern " << tracked[i]);
    CHECK(hit_count[i] > 0);
    CHECK(hit_count[i] < std::size(texts));
  }
}

TEST_CASE("prefilter: line-start literals report what Hyperscan's ^[ \\t]* pattern reports",
          "[host][prefilter]") {
  // "^[ \\t]*word[ \\t]" is compiled as its literal and checked at each hit;
  // "^[ \\t]*(?:word)[ \\t]" is left to Hyperscan.
  const std::vector<std::string> words = {"include", "includefile", "a\\x2db"};
  std::vector<std::vector<std::string>> groups;
  for (const std::string& w : words) {
    groups.push_back({"^[ \\t]*" + w + "[ \\t]"});
    groups.push_back({"^[ \\t]*(?:" + w + ")[ \\t]"});
  }
  const Prefilter gate(TargetSet(), groups);
  size_t hits = 0, misses = 0;
  auto check = [&](const std::string& text) {
    INFO("text '" << text << "'");
    uint32_t bits = gate.Scan(text);
    for (size_t g = 0; g < groups.size(); g += 2) {
      INFO("pattern " << groups[g][0]);
      bool literal = (bits >> (g + 1)) & 1, regex = (bits >> (g + 2)) & 1;
      REQUIRE(literal == regex);
      (regex ? hits : misses) += 1;
    }
  };
  const std::vector<std::string> pieces = {" ",       "\t",          "\n",  "\r", "x",
                                           "include", "INCLUDEfile", "a-b", "-",  "\xc3"};
  ForEachJoin(pieces, 5, check);
  CHECK(hits > 1000);
  CHECK(misses > 1000);
}

TEST_CASE("prefilter: groups scanned apart give the bits one combined pass gives",
          "[host][prefilter]") {
  // The linkage hints' shape (short literals found in most texts) beside the targets and a
  // group that stays in the gate's database; the hints alone, and with a checked literal.
  const TargetSet set = Make({"10.20.30.40", "ntp-old.corp.example.com", "fd00::123"});
  const std::vector<std::vector<std::string>> groups = {
      {"b64", "data:[a-z0-9/+.-]*(?:;[a-z0-9=+.-]*)*,"},
      {"^[ \\t]*include[ \\t]"},
      {QuoteLiteral("{{"), QuoteLiteral("${"), "src", "\\bvar\\x2e"}};
  const Prefilter combined(set, groups);
  const Prefilter apart(set, groups, {}, 8u);
  const Prefilter both_apart(set, groups, {}, 4u | 8u);
  REQUIRE(apart.all_bits() == combined.all_bits());
  const std::string_view pieces[] = {"10.20.30.40",
                                     "010.20.30.40",
                                     "0x0a141e28",
                                     "ntp-old",
                                     "ntp-old.corp.example.com",
                                     "fd00::123",
                                     "b64",
                                     "data:,",
                                     "include ",
                                     "\n",
                                     " ",
                                     "{{",
                                     "${",
                                     "{",
                                     "$",
                                     "SRC",
                                     "src_",
                                     "var.",
                                     "xvar.",
                                     "10.20.30.41",
                                     "0x1f",
                                     "a"};
  std::mt19937 random(8);
  size_t hinted = 0, unhinted = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string text = RandomPieces(pieces, random, 0, 8);
    INFO("text '" << text << "'");
    uint32_t bits = combined.Scan(text);
    REQUIRE(apart.Scan(text) == bits);
    REQUIRE(both_apart.Scan(text) == bits);
    ((bits & 8u) ? hinted : unhinted) += 1;
  }
  CHECK(hinted > 1000);
  CHECK(unhinted > 1000);
}

TEST_CASE("prefilter: texts of either size give the apart groups' bits one combined pass gives",
          "[host][prefilter]") {
  // Up to kOnePassBytes the gate's and the apart groups' patterns are scanned together (for a
  // few targets; many keep two passes): texts on both sides of the limit answer as one pass does.
  std::vector<std::string> values = {"10.20.30.40", "fd00::123", "ntp7.corp.example.com",
                                     "ntp3.corp.example.com", "10.20.7.40"};
  const bool many = GENERATE(false, true);
  for (int i = 0; many && i < 20; ++i) {
    values.push_back("ntp" + std::to_string(i) + ".site.example.com");
    values.push_back("10.30." + std::to_string(i) + ".40");
  }
  const TargetSet set = Make(values);
  const std::vector<std::vector<std::string>> groups = {
      {"b64"},
      {"^[ \\t]*include[ \\t]"},
      {QuoteLiteral("{{"), QuoteLiteral("${"), "src", "\\bvar\\x2e"}};
  const Prefilter combined(set, groups);
  const Prefilter apart(set, groups, {}, 8u);
  const std::string_view pieces[] = {"ntp7.corp.example.com",
                                     "ntp7.corp.example.co",
                                     "xntp7.corp.example.com",
                                     "ntp19\\.corp\\.example\\.com",
                                     "ntp3[.]corp[.]example[.]com",
                                     "ntp3",
                                     "ntp5.site.example.com",
                                     "10.20.7.40",
                                     "10.30.5.40",
                                     "10.20.7.41",
                                     "::ffff:a14:740",
                                     "fd00::123",
                                     "b64",
                                     "include ",
                                     "\n",
                                     " ",
                                     "{{",
                                     "${",
                                     "SRC",
                                     "var.",
                                     "xvar.",
                                     "a"};
  std::mt19937 random(18);
  std::uniform_int_distribution<size_t> around(Prefilter::kOnePassBytes - 64,
                                               Prefilter::kOnePassBytes + 64);
  size_t small = 0, large = 0, hinted = 0, named = 0;
  for (int n = 0; n < 6000; ++n) {
    // Pieces at the start and the end, filler between them to a size near the limit.
    std::string head = RandomPieces(pieces, random, 0, 4),
                tail = RandomPieces(pieces, random, 0, 4);
    size_t size = n % 4 == 0 ? head.size() + tail.size()
                             : std::max(around(random), head.size() + tail.size());
    std::string text = head + std::string(size - head.size() - tail.size(), ' ') + tail;
    INFO("text '" << text << "'");
    uint32_t bits = combined.Scan(text);
    REQUIRE(apart.Scan(text) == bits);
    (text.size() <= Prefilter::kOnePassBytes ? small : large) += 1;
    hinted += (bits & 8u) != 0;
    named += (bits & Prefilter::kTargets) != 0;
  }
  CHECK(small > 1000);
  CHECK(large > 1000);
  CHECK(hinted > 1000);
  CHECK(named > 1000);
}

TEST_CASE("prefilter: tracked patterns scanned apart report what one combined pass reports",
          "[host][prefilter]") {
  // The gate scans the tracked patterns in a database of their own, only when asked; one
  // database holding them as groups is the single pass it replaced.
  const TargetSet set = Make({"10.20.30.40", "fd00::123", "ntp-old.corp.example.com"});
  const std::vector<std::vector<std::string>> groups = {
      {QuoteLiteral("base64"), "data:[a-z0-9/+.-]*(?:;[a-z0-9=+.-]*)*,"},
      {"^[ \\t]*(?:include|confdir)[ \\t]"},
      {QuoteLiteral("{{"), QuoteLiteral("source")}};
  const std::vector<std::string> tracked = {
      "\\bserver\\b",           QuoteLiteral("ntp_servers"), "\\bpool\\b",
      QuoteLiteral("{{"),       QuoteLiteral("base64"),      "",
      QuoteLiteral("timesyncd")};
  std::vector<std::vector<std::string>> combined_groups = groups;
  for (const std::string& t : tracked) combined_groups.push_back({t});
  const Prefilter split(set, groups, tracked);
  const Prefilter combined(set, combined_groups);
  const uint32_t group_mask = (1u << (groups.size() + 1)) - 1 | Prefilter::kResolverForms;
  const std::string_view pieces[] = {"10.20.30.40",
                                     "10.20.30.41",
                                     "fd00::123",
                                     "fd01::1",
                                     "ntp-old.corp.example.com",
                                     "ntp-old",
                                     "012.20.30.40",
                                     "0x0a141e28",
                                     "167772161",
                                     "server",
                                     "servers",
                                     "pool",
                                     "ntp_servers",
                                     "timesyncd",
                                     "{{",
                                     "}}",
                                     "base64",
                                     "data:text/plain;base64,",
                                     "include",
                                     "confdir",
                                     "source",
                                     " ",
                                     "\n",
                                     "  ",
                                     "\t",
                                     ".",
                                     ":",
                                     "0",
                                     "1.05",
                                     "0x1f",
                                     "#",
                                     "="};
  std::mt19937 rng(11);
  size_t with_targets = 0, with_tracked = 0, without = 0;
  std::vector<char> hits, split_hits;
  for (int iter = 0; iter < 5000; ++iter) {
    std::string text = RandomPieces(pieces, rng, 0, 10);
    INFO("text '" << text << "'");
    uint32_t all = combined.Scan(text);
    uint32_t bits = split.Scan(text);
    REQUIRE(bits == (all & group_mask));
    REQUIRE(split.Scan(text, &hits) == bits);
    split.ScanTracked(text, &split_hits);
    REQUIRE(hits == split_hits);
    REQUIRE(hits.size() == tracked.size());
    for (size_t i = 0; i < tracked.size(); ++i)
      REQUIRE((hits[i] != 0) == (!tracked[i].empty() && (all >> (groups.size() + 1 + i)) & 1));
    with_targets += (bits & Prefilter::kTargets) != 0;
    with_tracked += std::count(hits.begin(), hits.end(), 1) > 0;
    without += bits == 0 && std::count(hits.begin(), hits.end(), 1) == 0;
  }
  CHECK(with_targets > 500);
  CHECK(with_tracked > 500);
  CHECK(without > 50);
}

TEST_CASE("prefilter: a CIDR's resolver forms pass only where their run spells a member",
          "[host][prefilter]") {
  // 172.20.193.0/24 is 2887041280 to 2887041535 as one number, 0xac14c100 to 0xac14c1ff.
  const TargetSet set = Make({"10.20.30.40", "172.20.193.0/24", "ntp1.example.com"});
  const Prefilter gate(set, {});
  for (const char* spelling :
       {"2887041280", "2887041535", "x=2887041300;", "0xac14c105", "0XAC14C1FF", "025405140405",
        "172.20.49413", "172.1360133", "0254.0x14.0301.5", "0xac.20.193.5", "172\\.20\\.193\\.5",
        "1.2 and 172.20.193.7:123", "ts 1700000000 then 2887041281"}) {
    INFO("spelling '" << spelling << "'");
    CHECK(Gated(gate, spelling));
  }
  for (const char* decoy :
       {"2887041279", "2887041536", "id 1700000000", "0xac14c200", "172.21.193.5", "172.20.194.5",
        "172.20.49664", "172.1360384", "version 172.3", "0xdeadbeef", "12345678901", "10.20.30.41",
        "ntp2.example.com", "::ffff:a14:1e29", "00000a14: 1e28"}) {
    INFO("decoy '" << decoy << "'");
    CHECK_FALSE(Gated(gate, decoy));
  }
}

TEST_CASE("prefilter: many targets and CIDRs, random text that names one is never rejected",
          "[host][prefilter][many]") {
  // A thousand-target gate has a pattern per family, not per target, where it can: the hits it
  // reports must still cover every spelling the matchers accept, and decoys near each target
  // must still be turned away.
  std::vector<std::string> values = {"172.20.193.0/24", "172.18.45.0/24", "fd7b:84b1::/64",
                                     "ntp-old.corp.example.com", "fd00::123"};
  std::mt19937 rng(1000);
  std::uniform_int_distribution<int> byte(0, 255);
  std::vector<std::string> quads;
  for (int i = 0; i < 200; ++i) {
    quads.push_back("10." + std::to_string(byte(rng)) + "." + std::to_string(byte(rng)) + "." +
                    std::to_string(byte(rng)));
    values.push_back(quads.back());
    values.push_back("ntp" + std::to_string(i) + ".ap.example.net");
  }
  const TargetSet set = Make(values);
  const Prefilter gate(set, {});
  std::vector<std::string> pieces = {"2887041281",
                                     "2887041279",
                                     "2888453377",
                                     "0xac14c10a",
                                     "0xac14c20a",
                                     "172.20.193.9",
                                     "172.20.194.9",
                                     "172.1360129",
                                     "fd7b:84b1::1",
                                     "fd7b:84b2::1",
                                     "fd00::123",
                                     "fd00::124",
                                     "ntp-old",
                                     "ntp7",
                                     "ntp7.ap.example.net",
                                     "ntp7.ap.example.netx",
                                     "x",
                                     ".",
                                     ":",
                                     " ",
                                     "0",
                                     "1",
                                     "10.",
                                     "\\.",
                                     "[.]",
                                     "::ffff:",
                                     "a",
                                     "1e28",
                                     "%",
                                     "\n",
                                     "=",
                                     "0x"};
  for (int i = 0; i < 12; ++i) {
    const std::string& q = quads[static_cast<size_t>(i)];
    uint32_t v = *ParseIpv4DottedQuad(q);
    char hex[16];
    std::snprintf(hex, sizeof hex, "%x:%x", v >> 16, v & 0xffff);
    pieces.push_back(q);
    pieces.push_back(q + "0");                // near miss: a longer last octet
    pieces.push_back(hex);                    // the IPv4-in-IPv6 groups
    pieces.push_back(std::to_string(v));      // one-part resolver form
    pieces.push_back(std::to_string(v + 1));  // and its neighbour
  }
  // The shared patterns judge by value: a target's quad and IPv4-in-IPv6 groups pass in every
  // separator spelling, its neighbour's do not.
  for (uint32_t delta : {0u, 1u}) {
    uint32_t v = *ParseIpv4DottedQuad(quads[0]) + delta;
    char quad[32], mapped[48], nat64[48];
    std::snprintf(quad, sizeof quad, "%u[.]%u[.]%u[.]%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255,
                  v & 255);
    std::snprintf(mapped, sizeof mapped, "[::FFFF:%x:%x]:123", v >> 16, v & 0xffff);
    std::snprintf(nat64, sizeof nat64, "64\\:ff9b\\:\\:%x\\:%x", v >> 16, v & 0xffff);
    for (const char* text : {quad, mapped, nat64}) {
      INFO(text);
      bool named = !set.FindInText(text).empty() || set.MatchToken(text, Context::kHostValue);
      CHECK(named == (delta == 0));
      CHECK(Gated(gate, text) == named);
    }
  }
  std::vector<std::string_view> views(pieces.begin(), pieces.end());
  GateNeverRejectsNamed(set, gate, views, rng, 6000, 6, 300, 500);
}

TEST_CASE("prefilter: many names and addresses answer like each target alone",
          "[host][prefilter][many]") {
  // Past a few names each one's first label stands for its spellings, past a few addresses one
  // pattern per first part for their two- and three-part forms, and a CIDR's one-part forms are
  // the prefixes its numbers share: every text a single target's gate passes for a spelling of
  // that target passes the shared gate, and near misses stay out.
  std::vector<std::string> values = {"172.20.193.0/24", "172.18.0.0/16", "10.64.0.0/10"};
  std::mt19937 rng(11);
  std::uniform_int_distribution<int> byte(1, 254);
  for (int i = 0; i < 40; ++i) {
    values.push_back(std::to_string(byte(rng)) + "." + std::to_string(byte(rng)) + "." +
                     std::to_string(byte(rng)) + "." + std::to_string(byte(rng)));
    values.push_back("ntp" + std::to_string(i) + ".site" + std::to_string(i % 3) + ".example.org");
  }
  values.push_back("time-a.example.org");
  values.push_back("time-a.example.net");  // the same first label as the one above
  const TargetSet many = Make(values);
  const Prefilter shared(many, {});
  std::vector<std::string> pieces = {" ", "x", ".", "\\.", "[.]",  "\\\\.",   "=",   "\n",
                                     "0", "1", "9", "ntp", "site", "example", "org", "-"};
  auto push = [&](std::string s) { pieces.push_back(std::move(s)); };
  for (size_t k = 0; k < values.size(); ++k) {
    const std::string& value = values[k];
    if (value.find('/') != std::string::npos) continue;
    if (auto v = ParseIpv4DottedQuad(value)) {
      if (k % 4) continue;  // a sample of the addresses keeps the texts varied
      for (std::string& s : ResolverSpellings(*v, rng)) push(s);
      push(std::to_string(*v >> 24) + "." + std::to_string(((*v >> 16) & 255) + 1) + "." +
           std::to_string(*v & 0xffff));  // near miss: the next second part
      push(std::to_string(*v + 1));
      continue;
    }
    if (k % 3) continue;
    push(value);
    push(value.substr(0, value.find('.')));
    push(value + "x");  // a longer last label: no name
    std::string escaped, bracketed;
    for (char c : value) {
      escaped += c == '.' ? std::string("\\.") : std::string(1, c);
      bracketed += c == '.' ? std::string("[.]") : std::string(1, c);
    }
    push(escaped);
    push(bracketed);
    push("x" + value.substr(0, value.rfind('.')));  // the name without its last label
  }
  for (const char* s :
       {"2887041281", "025405140401", "0xac14c101", "172.20.49409", "2887122945", "2887107584",
        "172.1179649", "172.19.0.1", "10.64.3.4", "10.127.255.255", "10.128.0.0", "171966465",
        "01220000001", "TIME-A\\.EXAMPLE\\.NET", "time-a[.]example[.]com",
        // A CIDR's first part and one-part hex form in every base, zeros and case: literals now.
        "0x00AC14C1FE", "0X0ac14c200", "000254.20.193.4", "0x0ac.20.193.4", "0XAC.20.49409",
        "0xac.0x14.0xc1.0x05", "0x0ac.20.194.4", "0xac14c1", "ac14c1", "0xac12ffff", "0xac130000",
        // A CIDR member inside IPv6 (judged with the addresses' mapped and NAT64 prefixes now).
        "::ffff:ac14:c105", "64:ff9b::ac12:1", "::ffff:0:ac14:c1ff", "[::FFFF:AC14:C101]:123",
        "::ffff:a40:1", "64\\:ff9b\\:\\:ac12\\:ff00", "::ffff:ac14:c205", "::fffe:ac14:c105",
        "ac14:c105", "AC12:"})
    push(s);
  // The one-part forms of the addresses (a shape per first part now): with zeros before the
  // octal form, inside longer numbers and beside hex digits.
  for (size_t k = 3; k < values.size(); k += 8)
    if (auto v = ParseIpv4DottedQuad(values[k])) {
      char octal[20];
      std::snprintf(octal, sizeof octal, "00%o", *v);
      for (const std::string& s :
           {std::string(octal), std::to_string(*v) + "1", "9" + std::to_string(*v),
            "0x" + std::to_string(*v), "a" + std::to_string(*v) + ".", std::to_string(*v - 1)})
        push(s);
    }
  std::vector<std::string_view> views(pieces.begin(), pieces.end());
  // The answers of each target's own gate (its literals): the shared gate must pass every text
  // one of them passes for a spelling of its target.
  std::vector<TargetSet> alone;
  std::vector<std::unique_ptr<Prefilter>> alone_gates;
  for (const std::string& v : values) {
    alone.push_back(Make({v}));
    alone_gates.push_back(
        std::make_unique<Prefilter>(alone.back(), std::vector<std::vector<std::string>>{}));
  }
  size_t named = 0, rejected = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string text = RandomPieces(views, rng, 1, 5);
    INFO("text '" << text << "'");
    uint32_t bits = shared.Scan(text);
    bool free_text = !many.FindInText(text).empty();
    bool host_value = many.MatchToken(text, Context::kHostValue).has_value();
    if (free_text) CHECK((bits & Prefilter::kTargets) != 0);
    if (host_value) CHECK((bits & (Prefilter::kTargets | Prefilter::kResolverForms)) != 0);
    for (size_t k = 0; k < values.size(); ++k) {
      if (alone[k].FindInText(text).empty() && !alone[k].MatchToken(text, Context::kHostValue))
        continue;
      uint32_t own = alone_gates[k]->Scan(text);
      INFO("target " << values[k]);
      CHECK((bits & own & (Prefilter::kTargets | Prefilter::kResolverForms)) != 0);
    }
    if (free_text || host_value)
      ++named;
    else if (!Gated(shared, text))
      ++rejected;
  }
  CHECK(named > 300);
  CHECK(rejected > 100);
  for (const char* decoy :
       {"2887041279", "2887041536", "172.20.49664", "172.17.255.255", "172.1114112", "2887057407",
        "10.128.0.1", "10.63.255.255", "0x00ac14c200", "0x0ac.20.194.4", "000254.20.194.4",
        "0xac14c0ff", "::ffff:ac14:c205", "ac14:c105 ac12:0001", "U+AC14: 가", "::ffff:a80:1"}) {
    INFO("decoy '" << decoy << "'");
    CHECK_FALSE(Gated(shared, decoy));
  }
  // An address's one-part form inside a longer number, or a neighbour's, is no spelling: judged
  // by value, not found as a literal.
  for (size_t k = 3; k < values.size(); k += 8)
    if (auto v = ParseIpv4DottedQuad(values[k])) {
      for (const std::string& decoy : {"9" + std::to_string(*v), std::to_string(*v) + "7",
                                       std::to_string(*v + 1), "x" + std::to_string(*v) + "0"}) {
        INFO("decoy '" << decoy << "' near " << values[k]);
        if (many.MatchToken(decoy, Context::kHostValue) || !many.FindInText(decoy).empty())
          continue;  // the neighbour may be a target too
        CHECK_FALSE(Gated(shared, decoy));
      }
    }
  // A first label alone is a short name (a resolver form), never the name in free text.
  for (const char* decoy :
       {"ntp3.site1.example.org", "ntp0\\.site0\\.example\\.com", "time-a.example.com",
        "time-b.example.org", "ntp0", "ntp0 site0 example org"}) {
    INFO("decoy '" << decoy << "'");
    CHECK((shared.Scan(decoy) & Prefilter::kTargets) == 0);
  }
}

TEST_CASE("prefilter: databases compiled on first use answer alike on every thread",
          "[host][prefilter]") {
  // The rule words' database and the small texts' one-pass database are compiled by the first
  // scan that needs them; scans on other threads meanwhile wait for the words or take two passes.
  // Every thread starts at once on a new gate, so that several race to the first use.
  const TargetSet set = Make({"10.20.30.40"});
  const std::vector<std::vector<std::string>> groups = {{QuoteLiteral("base64")},
                                                        {QuoteLiteral("{{"), "\\bsrc\\b"}};
  const std::vector<std::string> tracked = {"\\bserver\\b", "ntp_servers", QuoteLiteral("chrony")};
  constexpr uint32_t kEncoding = 2u, kHint = 4u;
  struct Case {
    std::string text;
    uint32_t bits;
    std::vector<char> hits;
  };
  const std::string filler(3000, ' ');  // past kOnePassBytes: the two-pass path
  const std::vector<Case> cases = {
      {"server 10.20.30.40 iburst", Prefilter::kTargets, {1, 0, 0}},
      {"ntp_servers: ['{{ 10.20.30.40 }}']", Prefilter::kTargets | kHint, {0, 1, 0}},
      {"chrony: !!binary BASE64", kEncoding, {0, 0, 1}},
      {"src: " + filler + "servers 10.20.30.40", Prefilter::kTargets | kHint, {0, 0, 0}},
      // Decoys: a neighbour address, words inside longer words.
      {"servers 10.20.30.41", 0u, {0, 0, 0}},
      {"sources: chronyd_servers srcdir", 0u, {0, 0, 1}},
      {filler + "server 10.20.30.4", 0u, {1, 0, 0}},
  };
  constexpr int kThreads = 6;
  for (int round = 0; round < 8; ++round) {
    const Prefilter gate(set, groups, tracked, kHint);
    std::atomic<int> wrong{0}, scans{0};
    ntpsweep::testing::RunAllAtOnce(kThreads, [&](int t) {
      std::vector<char> hits;
      for (int n = 0; n < 40; ++n) {
        const Case& c = cases[static_cast<size_t>(t + n) % cases.size()];
        // Half the scans ask for the words too, half only for the gate's bits.
        uint32_t bits = (t + n) % 2 ? gate.Scan(c.text, &hits) : gate.Scan(c.text);
        if ((t + n) % 2 == 0) gate.ScanTracked(c.text, &hits);
        wrong += bits != c.bits || hits != c.hits;
        ++scans;
      }
    });
    INFO("round " << round);
    CHECK(scans == kThreads * 40);
    CHECK(wrong == 0);
  }
}

TEST_CASE("prefilter: a short name counts only where a token can start", "[host][prefilter]") {
  // A first label inside a longer word (localtime64, HAS_TIME64) is no short name: a reader
  // splits a host value at a byte that is no letter, digit or '_'. After an escape a reader
  // decodes (\t, %20, \u0020) it may still start one, as it may after any other byte.
  std::vector<std::string> many = {"time64.us.example.net", "time6.eu.example.net"};
  for (int i = 0; i < 20; ++i) many.push_back("tick" + std::to_string(i) + ".lab.example.net");
  const std::vector<std::vector<std::string>> few_values = {
      {"time64.us.example.net", "time6.eu.example.net"}};
  for (const std::vector<std::string>& values : {few_values[0], many}) {
    const TargetSet set = Make(values);
    // Alone, and with a group scanned apart (small texts then take one pass over both).
    const Prefilter alone(set, {});
    const Prefilter with_group(set, {{QuoteLiteral("base64")}}, {}, 2u);
    for (const Prefilter* gate : {&alone, &with_group}) {
      INFO(values.size() << " targets, " << (gate == &alone ? "alone" : "with a group"));
      for (const char* decoy : {"localtime64", "clock_gettime64(", "#define HAS_TIME64", "_time64",
                                "9time64", "xtime6 ", "__NR_clock_gettime64 403", "localtime6.h"}) {
        INFO("decoy '" << decoy << "'");
        CHECK(set.FindInText(decoy).empty());
        CHECK((gate->Scan(decoy) & (Prefilter::kTargets | Prefilter::kResolverForms)) == 0);
      }
      for (const char* named :
           {"time64", "server time64 iburst", "NTP=time64", "time64:123", "TIME6", "\"\\ttime64\"",
            "a\\ntime6", "%20time64", "\\u0020time64", "features-time64.ph"}) {
        INFO("named '" << named << "'");
        CHECK((gate->Scan(named) & Prefilter::kResolverForms) != 0);
      }
    }
    if (values.size() > 2) CHECK((with_group.Scan("tick7,tick8") & Prefilter::kResolverForms) != 0);
    CHECK(set.MatchToken("time64", Context::kHostValue).has_value());
    CHECK(set.MatchToken("TIME6:123", Context::kHostValue).has_value());
  }
  CHECK(ShortNameMayStart("time64", 0));
  CHECK(ShortNameMayStart(" time64", 1));
  CHECK(ShortNameMayStart("\\ttime64", 2));
  CHECK_FALSE(ShortNameMayStart("localtime64", 5));
  CHECK_FALSE(ShortNameMayStart("abcdefgtime64", 7));  // no escape within six bytes
}

TEST_CASE("prefilter: CIDR ranges are merged, ascending, and looked up by value",
          "[host][prefilter]") {
  // Nested, adjacent and overlapping CIDRs, out of order, up to the last address: one range
  // each where they touch, found by value at both edges, and nothing just outside.
  const TargetSet set = Make({"255.255.255.128/25", "10.20.30.0/24", "192.0.2.128/25", "10.0.0.0/8",
                              "255.255.255.0/24", "172.16.0.0/12", "192.0.2.0/25", "10.20.30.40"});
  const ResolverPartValues values = PartValuesOf(set.targets());
  using Range = std::pair<uint32_t, uint32_t>;
  CHECK(values.ranges == std::vector<Range>{{0x0a000000u, 0x0affffffu},
                                            {0xac100000u, 0xac1fffffu},
                                            {0xc0000200u, 0xc00002ffu},
                                            {0xffffff00u, 0xffffffffu}});
  for (const char* named :
       {"10.0.0.0", "10.255.255.255", "172.16.0.0", "172.31.255.255", "192.0.2.0", "192.0.2.127",
        "192.0.2.128", "192.0.2.255", "255.255.255.0", "255.255.255.255"}) {
    INFO("named " << named);
    const std::string text = std::string("at ") + named + " here";
    CHECK(QuadNamesTarget(text, 3, values));
    CHECK(SpellsTargetAround(text, 3, values));
  }
  for (const char* decoy : {"9.255.255.255", "11.0.0.0", "172.15.255.255", "172.32.0.0",
                            "192.0.1.255", "192.0.3.0", "255.255.254.255"}) {
    INFO("decoy " << decoy);
    const std::string text = std::string("at ") + decoy + " here";
    CHECK_FALSE(QuadNamesTarget(text, 3, values));
    CHECK_FALSE(SpellsTargetAround(text, 3, values));
  }
  CHECK(SpellsTargetAround("0xac1fffff", 0, values));  // 172.31.255.255, one part, hex
  CHECK_FALSE(SpellsTargetAround("0xac200000", 0, values));
}
