#include "host/target.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace {

using ntpsweep::host::Context;
using ntpsweep::host::Ipv6Bytes;
using ntpsweep::host::MatchKind;
using ntpsweep::host::ParseIpv4DottedQuad;
using ntpsweep::host::ParseIpv4InetAton;
using ntpsweep::host::ParseIpv6;
using ntpsweep::host::ParseTarget;
using ntpsweep::host::Target;
using ntpsweep::host::TargetSet;
using ntpsweep::host::TextMatch;

constexpr uint32_t Ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d) {
  return (a << 24) | (b << 16) | (c << 8) | d;
}

Ipv6Bytes V6(std::string_view s) {
  auto a = ParseIpv6(s);
  REQUIRE(a.has_value());
  return *a;
}

TargetSet Make(std::vector<std::string> values) {
  TargetSet set;
  for (const std::string& v : values) {
    std::string error;
    INFO(v << ": " << error);
    REQUIRE(set.Add(v, &error));
  }
  return set;
}

const char* KindName(MatchKind k) {
  switch (k) {
    case MatchKind::kExact:
      return "exact";
    case MatchKind::kInRange:
      return "range";
    case MatchKind::kEmbedded:
      return "embedded";
    case MatchKind::kShortName:
      return "short";
  }
  return "?";
}

// "text-of-match/kind/target" for every match, so a table row reads like the expected output.
std::vector<std::string> Render(const TargetSet& set, std::string_view text) {
  std::vector<std::string> out;
  for (const TextMatch& m : set.FindInText(text))
    out.push_back(std::string(text.substr(m.offset, m.length)) + "/" + KindName(m.kind) + "/" +
                  std::to_string(m.target));
  return out;
}

std::string RenderToken(const TargetSet& set, std::string_view token, Context ctx) {
  auto m = set.MatchToken(token, ctx);
  if (!m) return "none";
  return std::string(KindName(m->kind)) + "/" + std::to_string(m->target);
}

}  // namespace

TEST_CASE("ParseIpv4DottedQuad reads exactly four decimal parts", "[host]") {
  struct Row {
    const char* in;
    std::optional<uint32_t> want;
  };
  const Row rows[] = {
      {"10.0.0.1", Ip(10, 0, 0, 1)},
      {"0.0.0.0", 0u},
      {"255.255.255.255", 0xffffffffu},
      {"010.000.000.001", Ip(10, 0, 0, 1)},  // leading zeros are decimal here
      {"10.0.0.010", Ip(10, 0, 0, 10)},
      {"10.0.0.256", std::nullopt},
      {"1.2.3", std::nullopt},
      {"1.2.3.4.5", std::nullopt},
      {"1.2.3.", std::nullopt},
      {".1.2.3", std::nullopt},
      {"1..2.3", std::nullopt},
      {"0010.0.0.1", std::nullopt},
      {"0x0a.0.0.1", std::nullopt},
      {"10.0.0.1 ", std::nullopt},
      {"", std::nullopt},
      {"a.b.c.d", std::nullopt},
  };
  for (const Row& r : rows) {
    INFO(r.in);
    CHECK(ParseIpv4DottedQuad(r.in) == r.want);
  }
}

TEST_CASE("ParseIpv4InetAton follows glibc inet_aton", "[host]") {
  struct Row {
    const char* in;
    std::optional<uint32_t> want;
  };
  const Row rows[] = {
      {"10.0.0.1", Ip(10, 0, 0, 1)},
      {"012.0.0.1", Ip(10, 0, 0, 1)},   // octal
      {"10.0.0.010", Ip(10, 0, 0, 8)},  // octal, not ten
      {"10.1", Ip(10, 0, 0, 1)},
      {"10.0.1", Ip(10, 0, 0, 1)},
      {"10.65536", Ip(10, 1, 0, 0)},  // two parts: the tail fills 24 bits
      {"167772161", Ip(10, 0, 0, 1)},
      {"0x0a000001", Ip(10, 0, 0, 1)},
      {"0X0A000001", Ip(10, 0, 0, 1)},
      {"0xa.0.0.1", Ip(10, 0, 0, 1)},
      {"0xa.0.0.0x1", Ip(10, 0, 0, 1)},
      {"4294967295", 0xffffffffu},
      {"0", 0u},
      {"4294967296", std::nullopt},
      {"0x100000000", std::nullopt},
      {"256.0.0.1", std::nullopt},
      {"1.256.1", std::nullopt},
      {"1.2.65536", std::nullopt},
      {"1.2.3.256", std::nullopt},
      {"08.0.0.1", std::nullopt},
      {"09", std::nullopt},
      {"0x", std::nullopt},
      {"0xg", std::nullopt},
      {"1.2.3.4.5", std::nullopt},
      {"10.0.0.1.", std::nullopt},
      {".10.0.0.1", std::nullopt},
      {"10..1", std::nullopt},
      {"", std::nullopt},
      {"ntp1", std::nullopt},
      {"-1", std::nullopt},
  };
  for (const Row& r : rows) {
    INFO(r.in);
    CHECK(ParseIpv4InetAton(r.in) == r.want);
  }
  CHECK(ParseIpv4InetAton("1.2.65535") == Ip(1, 2, 255, 255));
  CHECK(ParseIpv4InetAton("1.16777215") == Ip(1, 255, 255, 255));
  CHECK(ParseIpv4InetAton("1.16777216") == std::nullopt);
}

TEST_CASE("ParseIpv6 accepts every RFC 4291 spelling", "[host]") {
  const Ipv6Bytes doc1 = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
  const char* same[] = {
      "2001:db8::1",          "2001:DB8::1",       "2001:0db8:0000:0000:0000:0000:0000:0001",
      "2001:db8:0:0:0:0:0:1", "2001:db8::0001",    "2001:db8:0::1",
      "2001:db8:0:0::0:1",    "2001:db8::0:0:0:1", "2001:db8::0.0.0.1",
  };
  for (const char* s : same) {
    INFO(s);
    CHECK(ParseIpv6(s) == doc1);
  }
  CHECK(ParseIpv6("::") == Ipv6Bytes{});
  CHECK(ParseIpv6("::1") == Ipv6Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1});
  CHECK(ParseIpv6("1::") == Ipv6Bytes{0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0});
  CHECK(ParseIpv6("::ffff:10.0.0.1") == ParseIpv6("::ffff:a00:1"));
  CHECK(ParseIpv6("::ffff:10.0.0.1") ==
        Ipv6Bytes{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 1});
  CHECK(ParseIpv6("1:2:3:4:5:6:7::") == ParseIpv6("1:2:3:4:5:6:7:0"));
  CHECK(ParseIpv6("::2:3:4:5:6:7:8") == ParseIpv6("0:2:3:4:5:6:7:8"));
  CHECK(ParseIpv6("1:2:3:4:5:6:1.2.3.4").has_value());

  const char* bad[] = {
      "",
      ":",
      ":::",
      "::g",
      "1:2:3:4:5:6:7",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "12345::1",
      ":1::2",
      "1::2:",
      "1:2:3:4:5:6:7:8::",
      "2001:db8::1.2.3",
      "::1.2.3.4.5",
      "::256.0.0.1",
      "1.2.3.4::",
      "1:2:3:4:5:6:7:1.2.3.4",
      "12:30:45",
      "00:11:22:33:44:55",
      "[::1]",
      "fe80::1%eth0",
      " ::1",
      "::1 ",
      "2001:db8::1/64",
  };
  for (const char* s : bad) {
    INFO(s);
    CHECK_FALSE(ParseIpv6(s).has_value());
  }
}

TEST_CASE("ParseTarget accepts addresses, CIDRs and host names", "[host]") {
  std::string error;
  SECTION("IPv4") {
    auto t = ParseTarget("10.0.0.1", &error);
    REQUIRE(t);
    CHECK(t->kind == Target::Kind::kIpv4);
    CHECK(t->ipv4 == Ip(10, 0, 0, 1));
    CHECK(t->prefix_len == 32);
    CHECK(t->spelling == "10.0.0.1");
  }
  SECTION("IPv6 in any spelling, brackets and zone allowed") {
    for (const char* s : {"2001:db8::1", "[2001:DB8::0001]", "2001:db8:0:0:0:0:0:1"}) {
      INFO(s);
      auto t = ParseTarget(s, &error);
      REQUIRE(t);
      CHECK(t->kind == Target::Kind::kIpv6);
      CHECK(t->ipv6 == V6("2001:db8::1"));
      CHECK(t->prefix_len == 128);
    }
    auto z = ParseTarget("fe80::1%eth0", &error);
    REQUIRE(z);
    CHECK(z->ipv6 == V6("fe80::1"));
  }
  SECTION("CIDR normalised to the network") {
    auto a = ParseTarget("10.20.30.77/24", &error);
    REQUIRE(a);
    CHECK(a->kind == Target::Kind::kIpv4Cidr);
    CHECK(a->ipv4 == Ip(10, 20, 30, 0));
    CHECK(a->prefix_len == 24);
    auto b = ParseTarget("fd00::1:2/64", &error);
    REQUIRE(b);
    CHECK(b->kind == Target::Kind::kIpv6Cidr);
    CHECK(b->ipv6 == V6("fd00::"));
    CHECK(b->prefix_len == 64);
    auto c = ParseTarget("[fd00:abcd:ef01::]/28", &error);
    REQUIRE(c);
    CHECK(c->ipv6 == V6("fd00:abc0::"));
    auto zero = ParseTarget("0.0.0.0/0", &error);
    REQUIRE(zero);
    CHECK(zero->kind == Target::Kind::kIpv4Cidr);
    CHECK(zero->prefix_len == 0);
    auto host = ParseTarget("10.0.0.1/32", &error);  // a full-length prefix is one address
    REQUIRE(host);
    CHECK(host->kind == Target::Kind::kIpv4);
    auto host6 = ParseTarget("2001:db8::1/128", &error);
    REQUIRE(host6);
    CHECK(host6->kind == Target::Kind::kIpv6);
  }
  SECTION("host names") {
    struct Row {
      const char* in;
      const char* name;
      const char* first_label;
    };
    const Row rows[] = {
        {"ntp1.corp.example.com", "ntp1.corp.example.com", "ntp1"},
        {"NTP1.Corp.Example.COM.", "ntp1.corp.example.com", "ntp1"},
        {"ntp1", "ntp1", ""},
        {"_ntp._udp.example.com", "_ntp._udp.example.com", "_ntp"},
        {"a-b.c-d", "a-b.c-d", "a-b"},
        {"0x0a000001", "0x0a000001", ""},  // a legal label, not an address in a target
        {"1ntp.example.com", "1ntp.example.com", "1ntp"},
        {"  ntp1.example.com  ", "ntp1.example.com", "ntp1"},
    };
    for (const Row& r : rows) {
      INFO(r.in);
      auto t = ParseTarget(r.in, &error);
      REQUIRE(t);
      CHECK(t->kind == Target::Kind::kHostName);
      CHECK(t->name == r.name);
      CHECK(t->first_label == r.first_label);
    }
    std::string label63(63, 'a');
    CHECK(ParseTarget(label63 + ".com", &error));
    std::string long253;
    while (long253.size() < 253) long253 += "abcdefghi.";
    long253.resize(253);
    if (long253.back() == '.') long253.back() = 'x';
    CHECK(ParseTarget(long253, &error));
  }
}

TEST_CASE("ParseTarget rejects invalid values with a reason", "[host]") {
  struct Row {
    std::string in;
    const char* reason;
  };
  const Row rows[] = {
      {"", "empty"},
      {"   ", "empty"},
      {"10.0.0.256", "IPv4"},
      {"1.2.3", "IPv4"},
      {"1.2.3.4.5", "IPv4"},
      {"host.123", "IPv4"},
      {"::g", "IPv6"},
      {"1::2::3", "IPv6"},
      {"[::1", "bracket"},
      {"10.0.0.0/33", "0-32"},
      {"fd00::/129", "0-128"},
      {"10.0.0.0/", "prefix"},
      {"10.0.0.0/-1", "prefix"},
      {"10.0.0.0/2x", "prefix"},
      {"10.0.0/8", "IPv4"},
      {"ntp1.example.com/24", "IPv4"},
      {"a..b", "empty label"},
      {".example.com", "empty label"},
      {"example.com..", "empty label"},
      {".", "empty label"},
      // A space or comma reads as a list: the error says what to write instead.
      {"ntp 1.example.com", "one host per value: repeat --host"},
      {"ntp1.exa mple.com", "one host per value: repeat --host"},
      {"ntp1.example.com,ntp2.example.com", "one host per value: repeat --host"},
      {"10.0.0.1:123", "drop the port: give 10.0.0.1"},
      {"https://ntp1.example.com/", "a host, not a URL: give ntp1.example.com"},
      {"ntp1!.example.com", "invalid character"},
      {"-ntp.example.com", "'-'"},
      {"ntp-.example.com", "'-'"},
      {std::string(64, 'a') + ".com", "63"},
      {std::string(252, 'a').insert(63, ".").insert(127, ".").insert(191, "."), "253"},
  };
  for (const Row& r : rows) {
    INFO(r.in);
    std::string error;
    CHECK_FALSE(ParseTarget(r.in, &error).has_value());
    bool hint = std::string_view(r.reason).find(": ") != std::string_view::npos;  // a way out
    if (!hint)
      CHECK_THAT(error, Catch::StartsWith("not an IPv4/IPv6 address, CIDR or host name: "));
    CHECK_THAT(error, Catch::Contains(r.reason));
  }
  TargetSet set;
  std::string error;
  CHECK_FALSE(set.Add("a..b", &error));
  CHECK(set.empty());
  CHECK_THAT(error, Catch::Contains("a..b"));
  CHECK_FALSE(ParseTarget("a..b", nullptr).has_value());  // a null error sink is fine
}

TEST_CASE("MatchToken in host values reads what the resolver reads", "[host]") {
  const TargetSet set = Make({"10.0.0.1", "2001:db8::1", "ntp1.corp.example.com"});
  struct Row {
    const char* token;
    const char* want;
  };
  const Row rows[] = {
      // IPv4 and its legacy inet_aton spellings
      {"10.0.0.1", "exact/0"},
      {"012.0.0.1", "exact/0"},
      {"10.1", "exact/0"},
      {"10.0.1", "exact/0"},
      {"167772161", "exact/0"},
      {"0x0a000001", "exact/0"},
      {"0xa.0.0.1", "exact/0"},
      {"10.0.0.1:123", "exact/0"},
      {"[10.0.0.1]", "exact/0"},
      {"[10.0.0.1]:123", "exact/0"},
      {" 10.0.0.1\t", "exact/0"},
      {"10.0.0.010", "none"},  // octal 8, not 10
      {"10.0.0.10", "none"},
      {"10.0.0.1.", "none"},
      {"10.0.0.1:", "none"},
      {"10.0.0.1:port", "none"},
      {"10.0.0.1:123456", "none"},
      {"10.0.0.1/24", "none"},
      {"110.0.0.1", "none"},
      {"10.0.0.1.5", "none"},
      {"1.10.0.0.1", "none"},
      {"x10.0.0.1", "none"},
      // IPv6 by value
      {"2001:db8::1", "exact/1"},
      {"2001:DB8:0:0:0:0:0:1", "exact/1"},
      {"2001:db8::0001", "exact/1"},
      {"2001:db8:0::1", "exact/1"},
      {"[2001:db8::1]", "exact/1"},
      {"[2001:db8::1]:123", "exact/1"},
      {"2001:db8::1%eth0", "exact/1"},
      {"2001:db8::1%25eth0", "exact/1"},
      {"[2001:db8::1%eth0]:123", "exact/1"},
      {"2001:db8::10", "none"},
      {"2001:db8::1:5", "none"},
      {"[2001:db8::1]:x", "none"},
      {"[2001:db8::1", "none"},
      {"[2001:db8::1]123", "none"},
      // IPv4 embedded in IPv6
      {"::ffff:10.0.0.1", "embedded/0"},
      {"::ffff:a00:1", "embedded/0"},
      {"::FFFF:0A00:0001", "embedded/0"},
      {"[::ffff:10.0.0.1]:123", "embedded/0"},
      {"::ffff:0:a00:1", "embedded/0"},
      {"::ffff:0:10.0.0.1", "embedded/0"},
      {"64:ff9b::a00:1", "embedded/0"},
      {"64:ff9b::10.0.0.1", "embedded/0"},
      {"::10.0.0.1", "none"},  // deprecated IPv4-compatible form is not translated
      {"::fffe:10.0.0.1", "none"},
      {"::ffff:10.0.0.2", "none"},
      {"64:ff9c::a00:1", "none"},
      {"2001:db8::10.0.0.1", "none"},
      // host names
      {"ntp1.corp.example.com", "exact/2"},
      {"NTP1.Corp.Example.COM.", "exact/2"},
      {"ntp1.corp.example.com:4460", "exact/2"},
      {"ntp1.corp.example.com.:123", "exact/2"},
      {"ntp1", "short/2"},
      {"NTP1", "short/2"},
      {"ntp1:123", "short/2"},
      {"ntp1.", "none"},  // absolute single-label name, not the short form
      {"ntp1.corp", "none"},
      {"ntp1.corp.example.com.au", "none"},
      {"a.ntp1.corp.example.com", "none"},
      {"ntp1-corp.example.com", "none"},
      {"ntp1.corp.example.com..", "none"},
      {"ntp1.corp.example.com:", "none"},
      {"[ntp1.corp.example.com]", "none"},
      {"ntp1 .corp.example.com", "none"},
      {"ntp2", "none"},
      {"", "none"},
      {"   ", "none"},
      {":", "none"},
      {"[]", "none"},
      {"12:30:45", "none"},
  };
  for (const Row& r : rows) {
    INFO("token '" << r.token << "'");
    CHECK(RenderToken(set, r.token, Context::kHostValue) == r.want);
  }
}

TEST_CASE("MatchToken in free text takes only dotted quads, IPv6 and full names", "[host]") {
  const TargetSet set = Make({"10.0.0.1", "2001:db8::1", "ntp1.corp.example.com"});
  struct Row {
    const char* token;
    const char* want;
  };
  const Row rows[] = {
      {"10.0.0.1", "exact/0"},
      {"010.000.000.001", "exact/0"},  // leading zeros are decimal in free text
      {"10.0.0.1:123", "exact/0"},
      {"[2001:db8::1]:123", "exact/1"},
      {"2001:db8::0001", "exact/1"},
      {"::ffff:10.0.0.1", "embedded/0"},
      {"ntp1.corp.example.com", "exact/2"},
      {"ntp1.corp.example.com.", "exact/2"},
      {"012.0.0.1", "none"},  // would be octal 10.0.0.1 for a resolver; decimal 12 here
      {"10.1", "none"},
      {"167772161", "none"},
      {"0x0a000001", "none"},
      {"0xa.0.0.1", "none"},
      {"ntp1", "none"},
      {"ntp1:123", "none"},
  };
  for (const Row& r : rows) {
    INFO("token '" << r.token << "'");
    CHECK(RenderToken(set, r.token, Context::kFreeText) == r.want);
  }
}

TEST_CASE("MatchToken with CIDR and single-label targets", "[host]") {
  const TargetSet set = Make({"10.20.30.0/24", "fd00::/64", "ntp1", "172.16.0.0/12"});
  struct Row {
    const char* token;
    Context ctx;
    const char* want;
  };
  const Row rows[] = {
      {"10.20.30.0", Context::kHostValue, "range/0"},
      {"10.20.30.255", Context::kHostValue, "range/0"},
      {"10.20.30.77:123", Context::kFreeText, "range/0"},
      {"10.20.7710", Context::kHostValue, "range/0"},  // 10.20.30.30 in inet_aton
      {"10.20.31.1", Context::kHostValue, "none"},
      {"10.20.29.255", Context::kHostValue, "none"},
      {"172.31.255.255", Context::kHostValue, "range/3"},
      {"172.32.0.0", Context::kHostValue, "none"},
      {"::ffff:10.20.30.5", Context::kHostValue, "range/0"},
      {"64:ff9b::a14:1e05", Context::kFreeText, "range/0"},
      {"fd00::1", Context::kHostValue, "range/1"},
      {"fd00:0:0:0:ffff:ffff:ffff:ffff", Context::kHostValue, "range/1"},
      {"[fd00::abcd]:123", Context::kFreeText, "range/1"},
      {"fd00:0:0:1::", Context::kHostValue, "none"},
      {"fd01::1", Context::kHostValue, "none"},
      {"ntp1", Context::kHostValue, "exact/2"},  // the whole name, not a short form
      {"NTP1.", Context::kHostValue, "exact/2"},
      {"ntp1", Context::kFreeText, "exact/2"},
      {"ntp1.example.com", Context::kHostValue, "none"},
  };
  for (const Row& r : rows) {
    INFO("token '" << r.token << "'");
    CHECK(RenderToken(set, r.token, r.ctx) == r.want);
  }
}

TEST_CASE("MatchToken reports the first matching target, full names before short names", "[host]") {
  const TargetSet set =
      Make({"10.0.0.0/8", "10.0.0.1", "ntp1.a.example", "ntp1.b.example", "ntp1"});
  CHECK(RenderToken(set, "10.0.0.1", Context::kHostValue) == "range/0");
  CHECK(RenderToken(set, "ntp1.b.example", Context::kHostValue) == "exact/3");
  CHECK(RenderToken(set, "ntp1", Context::kHostValue) == "exact/4");
  const TargetSet short_only = Make({"ntp1.a.example", "ntp1.b.example"});
  CHECK(RenderToken(short_only, "ntp1", Context::kHostValue) == "short/0");
  const TargetSet empty;
  CHECK(RenderToken(empty, "10.0.0.1", Context::kHostValue) == "none");
}

TEST_CASE("FindInText finds IPv4 only with boundaries", "[host]") {
  const TargetSet set = Make({"10.0.0.1"});
  struct Row {
    const char* text;
    std::vector<std::string> want;
  };
  const Row rows[] = {
      {"10.0.0.1", {"10.0.0.1/exact/0"}},
      {"server 10.0.0.1:123 iburst", {"10.0.0.1/exact/0"}},
      {"[10.0.0.1]", {"10.0.0.1/exact/0"}},
      {R"(["10.0.0.1", "x"])", {"10.0.0.1/exact/0"}},
      {"allow 10.0.0.1/32", {"10.0.0.1/exact/0"}},
      {"The old server was 10.0.0.1.", {"10.0.0.1/exact/0"}},
      {"The old server was 10.0.0.1...", {"10.0.0.1/exact/0"}},
      {"ip=10.0.0.1", {"10.0.0.1/exact/0"}},
      {"server:10.0.0.1", {"10.0.0.1/exact/0"}},
      {"cafe:10.0.0.1", {"10.0.0.1/exact/0"}},
      {"10.0.0.1-10.0.0.9", {"10.0.0.1/exact/0"}},
      {"(10.0.0.1)\n", {"10.0.0.1/exact/0"}},
      {"010.000.000.001", {"010.000.000.001/exact/0"}},
      {"a 10.0.0.1 b 10.0.0.1", {"10.0.0.1/exact/0", "10.0.0.1/exact/0"}},
      {"10.0.0.1:10.0.0.1", {"10.0.0.1/exact/0", "10.0.0.1/exact/0"}},
      {"10.0.0.10", {}},
      {"110.0.0.1", {}},
      {"10.0.0.1.5", {}},
      {"1.10.0.0.1", {}},
      {"version 1.10.0.0.1 released", {}},
      {"v10.0.0.1", {}},
      {"x10.0.0.1", {}},
      {"a10.0.0.1", {}},
      {"_10.0.0.1", {}},
      {".10.0.0.1", {}},
      {"10.0.0.1a", {}},
      {"10.0.0.1x", {}},
      {"10.0.0.1_", {}},
      {"10.0.0.1.nip.io", {}},
      {"10.0.0.1.a", {}},
      {"012.0.0.1", {}},
      {"10.1", {}},
      {"167772161", {}},
      {"0x0a000001", {}},
      {"10.0.0.0001", {}},
      {"10.0.0.2", {}},
      {"", {}},
  };
  for (const Row& r : rows) {
    INFO("text '" << r.text << "'");
    CHECK(Render(set, r.text) == r.want);
  }
}

TEST_CASE("FindInText reads escaped separators as plain ones, with the same boundaries", "[host]") {
  const TargetSet set = Make({"10.0.0.1", "ntp1.corp.example.com", "2001:db8::1"});
  struct Row {
    const char* text;
    std::vector<std::string> want;  // text-of-match/kind/target, "+esc" when escaped
  };
  auto render = [&](std::string_view text) {
    std::vector<std::string> out;
    for (const TextMatch& m : set.FindInText(text))
      out.push_back(std::string(text.substr(m.offset, m.length)) + "/" + KindName(m.kind) + "/" +
                    std::to_string(m.target) + (m.escaped ? "+esc" : ""));
    return out;
  };
  const Row rows[] = {
      // Regular expressions (Ansible regexp:, sed, grep -E), Markdown, defanged text.
      {R"(regexp: '^server 10\.0\.0\.1 ')", {R"(10\.0\.0\.1/exact/0+esc)"}},
      {R"(sed -E 's/10\.0\.0\.1/10.0.0.2/')", {R"(10\.0\.0\.1/exact/0+esc)"}},
      {R"(grep -E '^(server|pool) 10\.0\.0\.1$')", {R"(10\.0\.0\.1/exact/0+esc)"}},
      {"10[.]0[.]0[.]1", {"10[.]0[.]0[.]1/exact/0+esc"}},
      {R"("pattern": "10\\.0\\.0\\.1")", {R"(10\\.0\\.0\\.1/exact/0+esc)"}},
      {R"(10\.0.0[.]1)", {R"(10\.0.0[.]1/exact/0+esc)"}},
      {R"(^ntp1\.corp\.example\.com\b)", {R"(ntp1\.corp\.example\.com/exact/1+esc)"}},
      {"ntp1[.]corp[.]example[.]com", {"ntp1[.]corp[.]example[.]com/exact/1+esc"}},
      {R"(2001\:db8\:\:1)", {R"(2001\:db8\:\:1/exact/2+esc)"}},
      {R"(a 10.0.0.1 b 10\.0\.0\.1)", {"10.0.0.1/exact/0", R"(10\.0\.0\.1/exact/0+esc)"}},
      {R"(x\. 10.0.0.1)", {"10.0.0.1/exact/0"}},
      // Boundaries hold as in plain text.
      {R"(10\.0\.0\.10)", {}},
      {R"(110\.0\.0\.1)", {}},
      {R"(1\.10\.0\.0\.1)", {}},
      {R"(10\.0\.0\.1\.5)", {}},
      {"10[.]0[.]0[.]1[.]5", {}},
      {R"(10\.0\.0\.1\.nip\.io)", {}},
      {R"(x10\.0\.0\.1)", {}},
      {R"(ntp1\.corp\.example\.com\.au)", {}},
      {R"(xntp1\.corp\.example\.com)", {}},
      {R"(ntp\.corp\.example\.com)", {}},
      {R"(2001\:db8\:\:10)", {}},
      // Not escapes of a separator: three backslashes, other escapes, other brackets.
      {R"(10\\\.0\\\.0\\\.1)", {}},
      {R"(10\d0\d0\d1)", {}},
      {"10[,]0[,]0[,]1", {}},
      {"10(.)0(.)0(.)1", {}},
  };
  for (const Row& r : rows) {
    INFO("text '" << r.text << "'");
    CHECK(render(r.text) == r.want);
    if (!r.want.empty()) CHECK(set.MayMention(r.text));
  }
  // A free-text token reads escapes the same way; a daemon value does not.
  CHECK(RenderToken(set, R"(10\.0\.0\.1)", Context::kFreeText) == "exact/0");
  CHECK(RenderToken(set, R"(10\.0\.0\.1)", Context::kHostValue) == "none");
  CHECK(set.FindInText(R"(10\.0\.0\.2 and 10[.]0[.]0[.]3)").empty());
  CHECK_FALSE(set.MayMention(R"(ntp2\.corp\.example\.com and s/\d+\.\d+/x/)"));
}

TEST_CASE("FindInText compares IPv6 by value with boundaries", "[host]") {
  const TargetSet set = Make({"2001:db8::1"});
  struct Row {
    const char* text;
    std::vector<std::string> want;
  };
  const Row rows[] = {
      {"2001:db8::1", {"2001:db8::1/exact/0"}},
      {"server 2001:DB8::1 iburst", {"2001:DB8::1/exact/0"}},
      {"2001:0db8:0000:0000:0000:0000:0000:0001",
       {"2001:0db8:0000:0000:0000:0000:0000:0001/exact/0"}},
      {"x 2001:db8::0001 y", {"2001:db8::0001/exact/0"}},
      {"2001:db8:0:0::1", {"2001:db8:0:0::1/exact/0"}},
      {"http://[2001:db8::1]:123/", {"2001:db8::1/exact/0"}},
      {"fe 2001:db8::1%eth0 up", {"2001:db8::1/exact/0"}},
      {"http://[2001:db8::1%25eth0]/", {"2001:db8::1/exact/0"}},
      {"2001:db8::1/128", {"2001:db8::1/exact/0"}},
      {"It was 2001:db8::1.", {"2001:db8::1/exact/0"}},
      {"addr=2001:db8::1,", {"2001:db8::1/exact/0"}},
      {"server:2001:db8::1", {"2001:db8::1/exact/0"}},
      {"2001:db8::1: no route", {"2001:db8::1/exact/0"}},
      {"2001:db8::0.0.0.1", {"2001:db8::0.0.0.1/exact/0"}},
      {"2001:db8::10", {}},
      {"2001:db8::1:5", {}},
      {"2001:db8::1.5", {}},
      {"12001:db8::1", {}},
      {"g2001:db8::1", {}},
      {"x2001:db8::1", {}},
      {"2001:db8::1g", {}},
      {"2001:db8::1_x", {}},
      {"2001:db8::1.nip", {}},
      {"2001:db8::2", {}},
      {"2001:db8:1::1", {}},
      {"std::cout << 2001;", {}},
      {"at 12:30:45 mac 00:11:22:33:44:55", {}},
  };
  for (const Row& r : rows) {
    INFO("text '" << r.text << "'");
    CHECK(Render(set, r.text) == r.want);
  }
}

TEST_CASE("FindInText finds IPv4 targets inside IPv6 spellings as one match", "[host]") {
  const TargetSet set = Make({"10.0.0.1"});
  struct Row {
    const char* text;
    std::vector<std::string> want;
  };
  const Row rows[] = {
      {"::ffff:10.0.0.1", {"::ffff:10.0.0.1/embedded/0"}},
      {"from [::ffff:10.0.0.1]:123", {"::ffff:10.0.0.1/embedded/0"}},
      {"::ffff:a00:1", {"::ffff:a00:1/embedded/0"}},
      {"::ffff:0:a00:1", {"::ffff:0:a00:1/embedded/0"}},
      {"64:ff9b::a00:1", {"64:ff9b::a00:1/embedded/0"}},
      {"64:ff9b::10.0.0.1", {"64:ff9b::10.0.0.1/embedded/0"}},
      {"::ffff:10.0.0.1 and 10.0.0.1", {"::ffff:10.0.0.1/embedded/0", "10.0.0.1/exact/0"}},
      {"2001:db8::10.0.0.1", {}},  // some other IPv6 address that ends in these bytes
      {"::ffff:10.0.0.10", {}},
      {"::ffff:a00:10", {}},
      {"x::ffff:10.0.0.1", {}},
      {"1:2:10.0.0.1", {"10.0.0.1/exact/0"}},  // not IPv6 (too few groups): the quad stands alone
  };
  for (const Row& r : rows) {
    INFO("text '" << r.text << "'");
    CHECK(Render(set, r.text) == r.want);
  }
}

TEST_CASE("FindInText finds host names with label boundaries", "[host]") {
  const TargetSet set = Make({"ntp1.corp.example.com"});
  struct Row {
    const char* text;
    std::vector<std::string> want;
  };
  const Row rows[] = {
      {"ntp1.corp.example.com", {"ntp1.corp.example.com/exact/0"}},
      {"server NTP1.Corp.Example.COM. iburst", {"NTP1.Corp.Example.COM/exact/0"}},
      {R"(["ntp1.corp.example.com",)", {"ntp1.corp.example.com/exact/0"}},
      {"https://ntp1.corp.example.com/x", {"ntp1.corp.example.com/exact/0"}},
      {"ntp1.corp.example.com:4460", {"ntp1.corp.example.com/exact/0"}},
      {"user@ntp1.corp.example.com", {"ntp1.corp.example.com/exact/0"}},
      {"Moved off ntp1.corp.example.com.", {"ntp1.corp.example.com/exact/0"}},
      {"server:ntp1.corp.example.com", {"ntp1.corp.example.com/exact/0"}},
      {"ntp1.corp.example.com ntp1.corp.example.com",
       {"ntp1.corp.example.com/exact/0", "ntp1.corp.example.com/exact/0"}},
      {"ntp1.corp.example.com.au", {}},
      {"xntp1.corp.example.com", {}},
      {"ntp1.corp.example.community", {}},
      {"a.ntp1.corp.example.com", {}},
      {"ntp1-corp.example.com", {}},
      {"ntp1.corp.example.com-old", {}},
      {"ntp1.corp.example.com_x", {}},
      {"_ntp1.corp.example.com", {}},
      {"x-ntp1.corp.example.com", {}},
      {"a--ntp1.corp.example.com", {}},
      // No label starts with '-': a shell default (${NTP:-...}) or an option dash is punctuation.
      {"-ntp1.corp.example.com", {"ntp1.corp.example.com/exact/0"}},
      {"NTP=\"${NTP:-ntp1.corp.example.com}\"", {"ntp1.corp.example.com/exact/0"}},
      {"ntp1.corp.example.co", {}},
      {"ntp1", {}},  // short names are never reported in free text
      {"server ntp1 iburst", {}},
  };
  for (const Row& r : rows) {
    INFO("text '" << r.text << "'");
    CHECK(Render(set, r.text) == r.want);
  }
}

TEST_CASE("FindInText with CIDR targets", "[host]") {
  const TargetSet set = Make({"10.20.30.0/24", "fd00::/64"});
  struct Row {
    const char* text;
    std::vector<std::string> want;
  };
  const Row rows[] = {
      {"peer 10.20.30.40", {"10.20.30.40/range/0"}},
      {"10.20.30.0 10.20.30.255", {"10.20.30.0/range/0", "10.20.30.255/range/0"}},
      {"::ffff:10.20.30.5", {"::ffff:10.20.30.5/range/0"}},
      {"fd00::1234", {"fd00::1234/range/1"}},
      {"[fd00:0:0:0:1:2:3:4]:123", {"fd00:0:0:0:1:2:3:4/range/1"}},
      {"10.20.31.1", {}},
      {"110.20.30.1", {}},
      {"10.20.30.1.5", {}},
      {"fd00:0:0:1::1", {}},
      {"fd01::1", {}},
  };
  for (const Row& r : rows) {
    INFO("text '" << r.text << "'");
    CHECK(Render(set, r.text) == r.want);
  }
}

TEST_CASE("FindInText returns ordered non-overlapping matches, first target per span", "[host]") {
  const TargetSet set =
      Make({"example.com", "10.0.0.0/8", "10.0.0.1", "ntp.example.com", "2001:db8::1", "cafe.be"});
  const std::string text =
      "a ntp.example.com b 10.0.0.1 c example.com d [2001:db8::1]:123 cafe.be:10.9.9.9 "
      "10.0.0.1:cafe.be";
  const auto matches = set.FindInText(text);
  std::vector<std::string> got;
  size_t last_end = 0;
  for (const TextMatch& m : matches) {
    CHECK(m.offset >= last_end);  // in order and never overlapping
    last_end = m.offset + m.length;
    got.push_back(text.substr(m.offset, m.length) + "/" + KindName(m.kind) + "/" +
                  std::to_string(m.target));
  }
  const std::vector<std::string> want = {
      "ntp.example.com/exact/3", "10.0.0.1/range/1", "example.com/exact/0", "2001:db8::1/exact/4",
      "cafe.be/exact/5",         "10.9.9.9/range/1", "10.0.0.1/range/1",    "cafe.be/exact/5",
  };
  CHECK(got == want);
}

TEST_CASE("FindInText survives pathological input", "[host]") {
  const TargetSet set = Make({"10.0.0.1", "2001:db8::1", "a1.example.com"});
  std::string hexdump;
  for (int i = 0; i < 20000; ++i) hexdump += "ab:";
  hexdump += "10.0.0.1";
  CHECK(Render(set, hexdump) == std::vector<std::string>{"10.0.0.1/exact/0"});
  std::string dotted;
  for (int i = 0; i < 20000; ++i) dotted += "1.";
  CHECK(set.FindInText(dotted).empty());
  std::string binary;
  for (int i = 0; i < 4096; ++i) binary += static_cast<char>(i * 37 % 256);
  binary += " 10.0.0.1 ";
  binary += '\0';
  binary += "a1.example.com";
  CHECK(Render(set, binary) ==
        std::vector<std::string>{"10.0.0.1/exact/0", "a1.example.com/exact/2"});
  CHECK(Render(set, "10.0.0.1") == std::vector<std::string>{"10.0.0.1/exact/0"});
  CHECK(Render(set, "a1.example.com") == std::vector<std::string>{"a1.example.com/exact/2"});
}

TEST_CASE("MayMention never rejects text that FindInText matches", "[host]") {
  const std::vector<std::vector<std::string>> sets = {
      {"10.0.0.1"},
      {"2001:db8::1"},
      {"ntp1.corp.example.com"},
      {"10.20.30.0/24", "fd00::/64"},
      {"10.0.0.1", "2001:db8::1", "ntp1.corp.example.com", "ntp1"},
  };
  const std::vector<std::string> corpus = {
      "10.0.0.1",
      "server 10.0.0.1:123",
      "::ffff:10.0.0.1",
      "::ffff:a00:1",
      "64:ff9b::a00:1",
      "::ffff:0:a00:1",
      "2001:db8::1",
      "[2001:DB8::0001]:123",
      "2001:db8::1%25eth0",
      "ntp1.corp.example.com",
      "NTP1.CORP.EXAMPLE.COM.",
      "https://ntp1.corp.example.com/x",
      "ntp1",
      "10.20.30.40",
      "fd00::1",
      "::ffff:10.20.30.5",
      "10.0.0.10",
      "2001:db8::10",
      "12:30:45",
      "nothing to see here",
      "",
      "1.10.0.0.1",
      "ntp1.corp.example.com.au",
      "version 1.2.3",
      "std::string",
      "server ntp1 iburst",
  };
  size_t positives = 0, negatives = 0;
  for (const auto& values : sets) {
    const TargetSet set = Make(values);
    for (const std::string& text : corpus) {
      INFO("set " << values.front() << " text '" << text << "'");
      bool found = !set.FindInText(text).empty();
      if (found) {
        CHECK(set.MayMention(text));
        ++positives;
      }
      if (!set.MayMention(text)) {
        CHECK_FALSE(found);
        ++negatives;
      }
    }
  }
  CHECK(positives > 10);  // the property was exercised on both sides
  CHECK(negatives > 10);
  const TargetSet empty;
  CHECK_FALSE(empty.MayMention("10.0.0.1"));
  CHECK(empty.FindInText("10.0.0.1").empty());
}

TEST_CASE("FindInText agrees with MatchToken on random text", "[host]") {
  // Every reported span must name its target when read back as a free-text token, matches must
  // be ordered and disjoint, and MayMention must hold wherever something was found.
  const TargetSet set = Make({"10.0.0.1", "10.20.30.0/24", "2001:db8::1", "fd00::/64",
                              "ntp1.corp.example.com", "a1.example.com"});
  using namespace std::string_view_literals;
  const std::string_view pieces[] = {
      "10.0.0.1",
      "10.20.30.7",
      "2001:db8::1",
      "fd00::9",
      "::ffff:10.0.0.1",
      "64:ff9b::a00:1",
      "ntp1.corp.example.com",
      "NTP1.CORP.EXAMPLE.COM",
      "a1.example.com",
      "ntp1",
      "1",
      "0",
      "a",
      "ff",
      ":",
      "::",
      ".",
      "..",
      "[",
      "]",
      "%",
      "/",
      "-",
      "_",
      "x",
      " ",
      "\n",
      ",",
      "com",
      "au",
      "10",
      "256",
      "db8",
      "\0"sv,
      "\xff",
      "\\",
      "\\.",
      "[.]",
      "\\:",
  };
  std::mt19937 rng(12345);
  std::uniform_int_distribution<size_t> pick(0, std::size(pieces) - 1);
  std::uniform_int_distribution<int> count(1, 24);
  size_t found = 0;
  for (int iter = 0; iter < 5000; ++iter) {
    std::string text;
    for (int k = count(rng); k > 0; --k) text += pieces[pick(rng)];
    INFO("text '" << text << "'");
    const auto matches = set.FindInText(text);
    if (!matches.empty()) REQUIRE(set.MayMention(text));
    size_t end = 0;
    for (const TextMatch& m : matches) {
      REQUIRE(m.offset >= end);
      REQUIRE(m.length > 0);
      end = m.offset + m.length;
      REQUIRE(end <= text.size());
      auto back =
          set.MatchToken(std::string_view(text).substr(m.offset, m.length), Context::kFreeText);
      REQUIRE(back);
      CHECK(back->target == m.target);
      CHECK(back->kind == m.kind);
      ++found;
    }
  }
  CHECK(found > 1000);
}

TEST_CASE("Many targets match as each target alone does, the first in order winning",
          "[host][many]") {
  // The matcher looks values up among the targets; a pass over single-target sets, in order, is
  // the reference: the first that names a token is the target, with its kind.
  const std::vector<std::string> values = {
      "10.0.0.1",         "10.0.0.0/8",       "10.20.30.40",           "172.20.193.0/24",
      "fd00::123",        "fd00::/64",        "2001:db8::1",           "::ffff:0:0/96",
      "ntp1.example.com", "NTP1.example.com", "ntp1.corp.example.com", "time",
      "ntp.example.com",  "a1.example.com",   "10.20.30.40",           "192.0.2.7"};
  const TargetSet all = Make(values);
  std::vector<TargetSet> alone;
  for (const std::string& v : values) alone.push_back(Make({v}));
  using namespace std::string_view_literals;
  const std::string_view pieces[] = {"10.0.0.1",
                                     "10.0.0.10",
                                     "10.20.30.40",
                                     "10.20.30.41",
                                     "172.20.193.5",
                                     "172.20.194.5",
                                     "fd00::123",
                                     "fd00::9",
                                     "fd01::1",
                                     "2001:db8::1",
                                     "2001:db8::10",
                                     "::ffff:10.20.30.40",
                                     "::ffff:a14:1e28",
                                     "64:ff9b::a00:1",
                                     "::ffff:ac14:c105",
                                     "ntp1.example.com",
                                     "NTP1.Example.Com",
                                     "ntp1.corp.example.com",
                                     "ntp1",
                                     "time",
                                     "TIME",
                                     "ntp",
                                     "a1",
                                     "a1.example.com",
                                     "ntp.example.com",
                                     "192.0.2.7",
                                     "012.0.0.1",
                                     "0xa.0.0.1",
                                     "167772161",
                                     "2887041285",
                                     ".",
                                     ":",
                                     "::",
                                     " ",
                                     "-",
                                     "x",
                                     "1",
                                     "0",
                                     "a",
                                     ".au",
                                     "\\.",
                                     "[.]",
                                     "[",
                                     "]",
                                     "%eth0",
                                     ":123"};
  std::mt19937 rng(4242);
  std::uniform_int_distribution<size_t> pick(0, std::size(pieces) - 1);
  std::uniform_int_distribution<int> count(1, 6);
  size_t named = 0, unnamed = 0, mentions = 0;
  for (int iter = 0; iter < 4000; ++iter) {
    std::string text;
    for (int k = count(rng); k > 0; --k) text += pieces[pick(rng)];
    INFO("text '" << text << "'");
    for (Context context : {Context::kHostValue, Context::kFreeText}) {
      std::optional<ntpsweep::host::TokenMatch> expected;
      for (size_t i = 0; i < alone.size() && !expected; ++i)
        if (auto m = alone[i].MatchToken(text, context)) expected = {{i, m->kind}};
      auto got = all.MatchToken(text, context);
      REQUIRE(got.has_value() == expected.has_value());
      if (got) {
        CHECK(got->target == expected->target);
        CHECK(got->kind == expected->kind);
        ++named;
      } else {
        ++unnamed;
      }
    }
    // Every mention names its target as that target alone finds it, and no earlier target
    // finds one at the same place; every target's own mention is covered.
    const std::vector<TextMatch> found = all.FindInText(text);
    for (const TextMatch& m : found) {
      auto same = [&](const TextMatch& x) { return x.offset == m.offset && x.length == m.length; };
      const auto own = alone[m.target].FindInText(text);
      CHECK(std::any_of(own.begin(), own.end(),
                        [&](const TextMatch& x) { return same(x) && x.kind == m.kind; }));
      for (size_t i = 0; i < m.target; ++i) {
        const auto earlier = alone[i].FindInText(text);
        CHECK_FALSE(std::any_of(earlier.begin(), earlier.end(), same));
      }
      ++mentions;
    }
    for (const TargetSet& one : alone)
      for (const TextMatch& x : one.FindInText(text))
        CHECK(std::any_of(found.begin(), found.end(), [&](const TextMatch& m) {
          return m.offset < x.offset + x.length && x.offset < m.offset + m.length;
        }));
  }
  CHECK(named > 500);
  CHECK(unnamed > 1000);
  CHECK(mentions > 500);
}

TEST_CASE("CIDR targets of many prefix lengths: the first in order holding a value",
          "[host][many]") {
  // The CIDRs are looked up by prefix length; nested, repeated and adjacent networks of both
  // families, in both orders, must answer as a pass over the targets in order does: the first
  // that holds the value, exact addresses before it only where they come first.
  std::vector<std::string> values = {
      "10.20.30.0/24", "10.0.0.0/8",    "10.20.0.0/16",  "10.1.2.3/8",     "10.20.30.40",
      "172.16.0.0/12", "172.32.0.0/11", "224.0.0.0/3",   "192.0.2.128/25", "192.0.2.0/25",
      "fd00::/8",      "fd00:1::/32",   "fd00:1:2::/48", "2001:db8::/127", "2001:db8::2/127",
      "::ffff:0:0/96", "2001:db8::1"};
  const std::vector<std::string> tokens = {
      "10.20.30.0",        "10.20.30.255",    "10.20.31.0",     "10.20.255.255",
      "10.21.0.0",         "10.0.0.0",        "10.255.255.255", "11.0.0.0",
      "9.255.255.255",     "10.20.30.40",     "10.20.30.41",    "172.16.0.0",
      "172.31.255.255",    "172.15.255.255",  "172.32.0.0",     "172.63.255.255",
      "172.64.0.0",        "223.255.255.255", "224.0.0.0",      "192.0.2.127",
      "192.0.2.128",       "192.0.2.255",     "192.0.3.0",      "fd00::",
      "fdff:ffff::1",      "fe00::",          "fcff::1",        "fd00:1::1",
      "fd00:1:2::1",       "fd00:1:3::1",     "fd00:2::1",      "2001:db8::",
      "2001:db8::1",       "2001:db8::2",     "2001:db8::3",    "2001:db8::4",
      "::ffff:10.20.30.5", "::ffff:a14:1e05", "64:ff9b::a00:1", "::ffff:172.64.0.1",
      "::ffff:0:1",        "ntp1.example.com"};
  for (bool reversed : {false, true}) {
    if (reversed) std::reverse(values.begin(), values.end());
    const TargetSet all = Make(values);
    std::vector<TargetSet> alone;
    for (const std::string& v : values) alone.push_back(Make({v}));
    size_t named = 0;
    for (const std::string& token : tokens)
      for (Context context : {Context::kHostValue, Context::kFreeText}) {
        INFO((reversed ? "reversed, " : "") << "token '" << token << "'");
        std::optional<ntpsweep::host::TokenMatch> expected;
        for (size_t i = 0; i < alone.size() && !expected; ++i)
          if (auto m = alone[i].MatchToken(token, context)) expected = {{i, m->kind}};
        auto got = all.MatchToken(token, context);
        REQUIRE(got.has_value() == expected.has_value());
        if (!got) continue;
        CHECK(got->target == expected->target);
        CHECK(got->kind == expected->kind);
        const auto found = all.FindInText("server " + token + " iburst");
        REQUIRE(found.size() == 1);
        CHECK(found[0].target == expected->target);
        ++named;
      }
    CHECK(named > 60);
    // Decoys no CIDR or address holds, whatever the order.
    for (const char* decoy : {"11.0.0.0", "9.255.255.255", "172.64.0.0", "192.0.3.0",
                              "fe00::", "fcff::1", "2001:db8::4"}) {
      INFO("decoy '" << decoy << "'");
      CHECK_FALSE(all.MatchToken(decoy, Context::kHostValue).has_value());
      CHECK(all.FindInText(std::string("server ") + decoy).empty());
    }
  }
}

TEST_CASE("TargetSet moves keep the compiled matcher", "[host]") {
  TargetSet a = Make({"10.0.0.1", "ntp1.example.com"});
  TargetSet b = std::move(a);
  CHECK(b.targets().size() == 2);
  CHECK(Render(b, "x 10.0.0.1 ntp1.example.com") ==
        std::vector<std::string>{"10.0.0.1/exact/0", "ntp1.example.com/exact/1"});
  TargetSet c;
  c = std::move(b);
  CHECK(c.MayMention("ntp1.example.com"));
  CHECK(RenderToken(c, "ntp1", Context::kHostValue) == "short/1");
  std::string error;
  CHECK(c.Add("2001:db8::1", &error));  // recompiles with the new target
  CHECK(Render(c, "[2001:db8::1]") == std::vector<std::string>{"2001:db8::1/exact/2"});
}

namespace {

double MegabytesPerSecond(const std::string& text, double secs) {
  return static_cast<double>(text.size()) / (1 << 20) / secs;
}

template <typename F>
double Seconds(F&& f) {
  auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

// Informative only: run with `ntpsweep_tests "[.perf]" -s`.
TEST_CASE("FindInText throughput", "[.perf]") {
  const TargetSet set = Make({"10.0.0.1", "2001:db8::1", "ntp1.corp.example.com", "172.16.0.0/12"});
  // Candidate-dense text: addresses, times, MACs and C++ scopes on most lines.
  const std::string dense_chunk =
      "# /etc/ntp.conf: configuration for the NTP daemon, version 4.2.8p15\n"
      "server 192.168.1.20 iburst minpoll 4 maxpoll 10\n"
      "pool 0.debian.pool.ntp.org iburst\n"
      "restrict -6 default kod notrap nomodify nopeer noquery limited\n"
      "static std::string_view Host(const std::vector<int>& v) { return v.at(12); }\n"
      "Jan 12 12:30:45 host sshd[1234]: Accepted key from 10.0.0.10 port 51234 ssh2\n"
      "link/ether 00:11:22:33:44:55 brd ff:ff:ff:ff:ff:ff inet6 fe80::211:22ff:fe33:4455/64\n"
      "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\n";
  // Prose without a single candidate: the prefilter's own speed.
  const std::string plain_chunk =
      "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor.\n"
      "The daemon keeps the clock in step with its upstream servers; see the manual.\n";
  std::string dense, plain;
  while (dense.size() < (50u << 20)) dense += dense_chunk;
  while (plain.size() < (50u << 20)) plain += plain_chunk;
  dense += " ntp1.corp.example.com 10.0.0.1 ";

  std::vector<TextMatch> dense_matches, plain_matches;
  bool may = true;
  double t_dense = Seconds([&] { dense_matches = set.FindInText(dense); });
  double t_plain = Seconds([&] { plain_matches = set.FindInText(plain); });
  double t_may = Seconds([&] { may = set.MayMention(plain); });
  std::printf("FindInText dense: %.1f MB/s (%zu matches)\n", MegabytesPerSecond(dense, t_dense),
              dense_matches.size());
  std::printf("FindInText plain: %.1f MB/s\n", MegabytesPerSecond(plain, t_plain));
  std::printf("MayMention plain: %.1f MB/s\n", MegabytesPerSecond(plain, t_may));
  CHECK(dense_matches.size() == 2);
  CHECK(plain_matches.empty());
  CHECK_FALSE(may);
}
