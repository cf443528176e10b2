// `ntpsweep inventory` end to end: the binary over fixtures/syntaxes, in text, JSON and CSV.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>

#include "run_binary.h"
#include "scan/inventory.h"

namespace {

using namespace ntpsweep::testing;  // run_binary.h

RunOptions InSource() {
  RunOptions o;
  o.cwd = kSourceDir;
  return o;
}

}  // namespace

TEST_CASE("inventory: JSON groups every source by server, literal and expressions", "[inventory]") {
  auto r = RunNtpsweep({"inventory", "--format", "json", "fixtures/syntaxes"}, InSource());
  REQUIRE(r.exit_code == 0);
  auto doc = nlohmann::json::parse(r.out);
  std::set<std::string> literal, expressions;
  size_t total = 0;
  for (const auto& s : doc["servers"]) {
    (s["kind"] == "literal" ? literal : expressions).insert(s["server"].get<std::string>());
    total += s["count"].get<size_t>();
    for (const auto& ref : s["references"]) {
      CHECK(ref["line"].get<int>() > 0);
      CHECK(ref.contains("rule"));
    }
  }
  for (const char* h : {"10.20.30.40", "ntp-old.corp.example.com", "2001:db8::123", "192.0.2.50",
                        "192.0.2.60", "192.0.2.70", "192.0.2.80", "192.0.2.90", "time.cloudflare.com",
                        "time.windows.com", "0.rhel.pool.ntp.org"})
    CHECK(literal.count(h) == 1);
  for (const char* e : {"{{ server }}", "<%= $server %>", "${ntp_servers}", "$NTP_IP"})
    CHECK(expressions.count(e) == 1);
  CHECK(literal.count("127.0.0.1") == 0);
  CHECK(literal.count("10.20.30.0/24") == 0);
  CHECK(total > 60);
}

TEST_CASE("inventory: the text table and CSV agree with the JSON", "[inventory]") {
  auto text = RunNtpsweep({"inventory", "--color", "never", "fixtures/syntaxes/dhcp"}, InSource());
  REQUIRE(text.exit_code == 0);
  CHECK(text.out.find("10.20.30.40  ") != std::string::npos);
  CHECK(text.out.find("fixtures/syntaxes/dhcp/dnsmasq.conf:1:") != std::string::npos);
  CHECK(text.out.find("dnsmasq.conf:3:") == std::string::npos);  // option:nntp-server
  CHECK(text.out.find(" time sources: ") != std::string::npos);
  auto csv = RunNtpsweep({"inventory", "--format", "csv", "fixtures/syntaxes/dhcp"}, InSource());
  REQUIRE(csv.exit_code == 0);
  std::istringstream lines(csv.out);
  std::string header;
  std::getline(lines, header);
  CHECK(header == "server,kind,host,location,line,column,rule,directive,activity,embedded_path");
  size_t rows = 0;
  for (std::string l; std::getline(lines, l);) ++rows;
  auto json = RunNtpsweep({"inventory", "--format", "json", "fixtures/syntaxes/dhcp"}, InSource());
  size_t total = 0;
  auto parsed = nlohmann::json::parse(json.out);
  for (const auto& s : parsed["servers"]) total += s["count"].get<size_t>();
  CHECK(rows == total);
  // Same input, same bytes.
  auto again = RunNtpsweep({"inventory", "--format", "csv", "fixtures/syntaxes/dhcp"}, InSource());
  CHECK(again.out == csv.out);
}

TEST_CASE("inventory: a missing operand is an input error", "[inventory]") {
  auto r = RunNtpsweep({"inventory", "no/such/dir"}, InSource());
  CHECK(r.exit_code == 2);
}

TEST_CASE("inventory: canonical hosts group spellings", "[inventory]") {
  using ntpsweep::scan::CanonicalHost;
  CHECK(CanonicalHost("NTP1.Example.COM.") == "ntp1.example.com");
  CHECK(CanonicalHost("2001:0DB8:0:0::0123") == "2001:db8::123");
  CHECK(CanonicalHost("[fd00::1]") == "fd00::1");
  CHECK(CanonicalHost("10.0.0.1") == "10.0.0.1");
  CHECK(CanonicalHost("2001:db8:0:1:0:0:0:1") == "2001:db8:0:1::1");  // the longest zero run
  CHECK(CanonicalHost("::ffff:a00:1") == "::ffff:10.0.0.1");          // RFC 5952 section 5
}

TEST_CASE("inventory: each regex rule finds its sources where others apply too, decoys none",
          "[inventory]") {
  ntpsweep::rules::RuleSet rules;
  rules.LoadBuiltin();
  // The regex rules are tried together first (one pass): each must still find its own lines,
  // alone in a file or beside the others, and none may find the decoys.
  const std::string embedded = "echo \"server 192.0.2.11 iburst\" >> \"$conf\"\n";
  const std::string timesyncd = "printf 'NTP=192.0.2.12\\n' > /etc/systemd/timesyncd.conf\n";
  const std::string commented = "# server 192.0.2.13 iburst\n";
  const std::string registry =
      "reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\W32Time\\Parameters /v NtpServer /t "
      "REG_SZ /d 192.0.2.14 /f\n";
  const std::string decoys =
      "echo \"the server 192.0.2.21 is down\"\n"
      "proxy_pass='server 192.0.2.22:80;'\n"
      "reg add HKLM\\SOFTWARE\\Example /v Name /d 192.0.2.23 /f\n"
      "# the pool was 192.0.2.24 once\n";
  auto hosts = [&](std::string_view path, const std::string& text) {
    std::set<std::string> out;
    for (const auto& s :
         ntpsweep::scan::CollectSources(rules, ntpsweep::Location{{std::string(path)}}, path, text)
             .sources)
      out.insert(s.host);
    return out;
  };
  using Set = std::set<std::string>;
  CHECK(hosts("scripts/a.sh", embedded + decoys) == Set{"192.0.2.11"});
  CHECK(hosts("scripts/b.sh", decoys + timesyncd) == Set{"192.0.2.12"});
  CHECK(hosts("scripts/c.sh", commented + decoys) == Set{"192.0.2.13"});
  CHECK(hosts("scripts/d.cmd", decoys + registry) == Set{"192.0.2.14"});
  CHECK(hosts("scripts/all.sh", embedded + timesyncd + decoys + commented) ==
        Set{"192.0.2.11", "192.0.2.12", "192.0.2.13"});
  CHECK(hosts("scripts/none.sh", decoys).empty());
}
