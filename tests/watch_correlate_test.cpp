// ntpsweep watch, correlation and outputs: hosts maps (CSV and /etc/hosts), scan and inventory
// reports, which clients they explain (with decoys), the CSV / JSON-lines / Markdown writers and
// the live table on a fake terminal.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <sstream>

#include "run_binary.h"
#include "watch/client_table.h"
#include "watch/correlate.h"
#include "watch/live.h"
#include "watch/ntp_packet.h"
#include "watch/report.h"

namespace {

using namespace ntpsweep::watch;
using namespace ntpsweep::testing;
using namespace std::chrono_literals;

const std::string kFixtures = kSourceDir + "/fixtures/watch";
const SysTime kNow = SysTime{std::chrono::seconds(1796398290)};  // 2026-12-04T15:31:30Z

Endpoint Addr(const std::string& text) {
  auto e = ParseEndpoint(text, 0);
  REQUIRE(e);
  return e->Unmapped();
}

std::vector<uint8_t> SntpRequest(SysTime t) {
  std::vector<uint8_t> b(48, 0);
  b[0] = static_cast<uint8_t>(3 << 6 | 4 << 3 | 3);
  uint64_t ts = ToNtp(t);
  for (int i = 0; i < 8; ++i) b[40 + i] = static_cast<uint8_t>(ts >> (56 - 8 * i));
  return b;
}

bool HasNotice(const std::vector<std::string>& notices, const std::string& part) {
  for (const std::string& n : notices)
    if (n.find(part) != std::string::npos) return true;
  return false;
}

std::string Locations(const Correlation& c) {
  std::string out;
  for (const Explanation& e : c.explanations)
    out += e.finding->location + ":" + std::to_string(e.finding->line) + " via " + e.via + "\n";
  return out;
}

struct Fixture {
  HostsMap map;
  StaticReport report;
  std::vector<std::string> notices;
  Fixture() {
    std::string error;
    REQUIRE(map.Load(kFixtures + "/hosts-map.csv", &notices, &error));
    REQUIRE(LoadStaticReport(kFixtures + "/scan-report.json", "", {}, &report, &notices, &error));
  }
};

}  // namespace

TEST_CASE("watch correlate: paths are compared by whole components", "[watch][correlate]") {
  CHECK(PathWithin("repos/app-a/etc/chrony.conf", "repos/app-a"));
  CHECK(PathWithin("repos/app-a/etc/chrony.conf", "./repos/app-a/"));
  CHECK(PathWithin("./repos//app-a/etc/chrony.conf", "repos/app-a"));
  CHECK(PathWithin("images/web.tar", "images/web.tar"));
  CHECK_FALSE(PathWithin("repos/app-a/etc/chrony.conf", "repos/app"));  // a prefix, not a parent
  CHECK_FALSE(PathWithin("repos/app-a-legacy/x", "repos/app-a"));
  CHECK_FALSE(PathWithin("repos/app-a", "repos/app-a/etc"));
  CHECK_FALSE(PathWithin("/srv/repos/app-a/x", "repos/app-a"));  // anchored at the report's root
  CHECK_FALSE(PathWithin("anything", ""));
}

TEST_CASE("watch correlate: old servers match by address, CIDR and name without case",
          "[watch][correlate]") {
  CHECK(ServerIsOld("NTP-OLD.corp.example.com", {"ntp-old.corp.example.com."}));
  CHECK(ServerIsOld("10.20.30.40", {"10.20.30.0/24"}));
  CHECK(ServerIsOld("::ffff:10.20.30.40", {"10.20.30.40"}));
  CHECK(ServerIsOld("2001:DB8::0:1", {"2001:db8::1"}));
  CHECK(ServerIsOld("2001:db8::77", {"2001:db8::/64"}));
  CHECK_FALSE(ServerIsOld("10.20.31.40", {"10.20.30.0/24"}));
  CHECK_FALSE(ServerIsOld("ntp-old.corp.example.com.evil", {"ntp-old.corp.example.com"}));
  CHECK_FALSE(ServerIsOld("ntp-new.corp.example.com", {"ntp-old.corp.example.com"}));
  CHECK_FALSE(ServerIsOld("10.20.30.40", {"ntp-old.corp.example.com"}));  // names are not resolved
  CHECK_FALSE(ServerIsOld("10.20.30.40", {"10.20.30.0/99"}));
}

TEST_CASE("watch correlate: a CSV hosts map is read by its header; bad lines are notices",
          "[watch][correlate]") {
  Fixture f;
  const std::string map = kFixtures + "/hosts-map.csv";
  CHECK(HasNotice(f.notices, map + ":2: column 'owner' is not used"));
  CHECK(HasNotice(f.notices, map + ":10: '10.0.9.300' is not an IPv4 or IPv6 address"));
  CHECK(HasNotice(f.notices, map + ":11: 2 fields where the header has 5"));
  const MappedHost* a = f.map.Find(Addr("10.0.1.11"));
  REQUIRE(a);
  CHECK(a->names == std::vector<std::string>{"app-a-01"});
  CHECK(a->repositories == std::vector<std::string>{"repos/app-a"});
  // Given as ::ffff:10.0.1.12; found as IPv4 and as the mapped form alike.
  const MappedHost* a2 = f.map.Find(Addr("10.0.1.12"));
  REQUIRE(a2);
  CHECK(a2 == f.map.Find(*ParseEndpoint("::ffff:10.0.1.12", 0)));
  CHECK(a2->names.front() == "APP-A-02.corp.example.com");
  // Its repository comes from a name-only row (other case, trailing dot).
  CHECK(a2->repositories == std::vector<std::string>{"repos/app-a"});
  CHECK(a2->where.size() == 2);
  // Written as 2001:DB8:0:B:0:0:0:1; a client shows as 2001:db8:0:b::1.
  const MappedHost* b = f.map.Find(Addr("2001:db8:0:b::1"));
  REQUIRE(b);
  CHECK(b->names.front() == "app-b-01");
  const MappedHost* db = f.map.Find(Addr("10.0.3.5"));
  REQUIRE(db);
  CHECK(db->names.front() == "db, primary");  // a quoted field with a comma
  CHECK(f.map.Find(Addr("10.0.9.9")) == nullptr);
  CHECK(f.map.Find(Addr("192.0.2.77")) == nullptr);
}

TEST_CASE(
    "watch correlate: clients are explained only by findings in their own repository or "
    "image",
    "[watch][correlate]") {
  Fixture f;
  const std::string report = kFixtures + "/scan-report.json";
  CHECK(HasNotice(f.notices, report + ": findings[6]: no location, line, rule or activity"));
  REQUIRE(f.report.described.size() == 1);
  CHECK(f.report.described[0] == "scan report " + report + ": 4 of 7 findings configure a client");

  Correlation a = Correlate(Addr("10.0.1.11"), f.map, f.report);
  CHECK(a.explained);
  CHECK(a.host == "app-a-01");
  CHECK(Locations(a) == "repos/app-a/etc/chrony.conf:3 via repository repos/app-a\n");
  CHECK(a.explanations[0].finding->rule == "chrony-source");

  Correlation a2 = Correlate(Addr("::ffff:10.0.1.12"), f.map, f.report);
  CHECK(a2.explained);
  CHECK(Locations(a2) == "repos/app-a/etc/chrony.conf:3 via repository repos/app-a\n");

  // Repository B has a commented-out line, a mention and a sibling repo-b-legacy: none counts.
  Correlation b = Correlate(Addr("2001:db8:0:b::1"), f.map, f.report);
  CHECK_FALSE(b.explained);
  CHECK(b.reason == "nothing static points at the server from there (repos/app-b) — go and look");

  // repos/app is a prefix of repos/app-a, not its parent.
  Correlation app = Correlate(Addr("10.0.1.30"), f.map, f.report);
  CHECK_FALSE(app.explained);
  CHECK(app.explanations.empty());

  Correlation web = Correlate(Addr("10.0.2.21"), f.map, f.report);
  CHECK(web.explained);
  CHECK(Locations(web) ==
        "images/web.tar!layer-2/etc/chrony/chrony.conf:1 via image images/web.tar\n");

  Correlation db = Correlate(Addr("10.0.3.5"), f.map, f.report);
  CHECK(db.explained);  // a template default counts: it renders into the config
  CHECK(db.explanations[0].finding->activity == "template");

  Correlation stranger = Correlate(Addr("192.0.2.77"), f.map, f.report);
  CHECK_FALSE(stranger.explained);
  CHECK_FALSE(stranger.in_map);
  CHECK(stranger.reason.rfind("not in the hosts map", 0) == 0);
}

TEST_CASE(
    "watch correlate: /etc/hosts names join a CSV map by name; an inventory report needs "
    "the old server's names",
    "[watch][correlate]") {
  HostsMap map;
  std::vector<std::string> notices;
  std::string error;
  REQUIRE(map.Load(kFixtures + "/hosts", &notices, &error));
  REQUIRE(map.Load(kFixtures + "/hosts-map.csv", &notices, &error));
  REQUIRE(map.Load(kFixtures + "/hosts-by-name.csv", &notices, &error));
  CHECK(HasNotice(notices, kFixtures + "/hosts:4: 'not-an-address' is not an IPv4 or IPv6"));
  CHECK(HasNotice(notices, kFixtures + "/hosts:5: an address without a host name"));
  const MappedHost* c = map.Find(Addr("10.0.1.40"));
  REQUIRE(c);
  CHECK(c->names == std::vector<std::string>{"App-C-01.corp.example.com", "app-c-01"});
  CHECK(c->repositories == std::vector<std::string>{"repos/app-c"});

  StaticReport report;
  CHECK_FALSE(
      LoadStaticReport(kFixtures + "/inventory-report.json", "", {}, &report, &notices, &error));
  CHECK(error.find("name the old one with --host") != std::string::npos);
  REQUIRE(LoadStaticReport(kFixtures + "/inventory-report.json", "",
                           {"ntp-old.corp.example.com", "10.20.30.0/24"}, &report, &notices,
                           &error));
  CHECK(report.described[0].find(": 2 of 5 references configure a client") != std::string::npos);
  Correlation app_c = Correlate(Addr("10.0.1.40"), map, report);
  CHECK(app_c.explained);  // NTP-OLD.corp... in the report, ntp-old.corp... on the command line
  CHECK(Locations(app_c) == "repos/app-c/etc/chrony.conf:4 via repository repos/app-c\n");
  CHECK(Correlate(Addr("2001:db8:0:b::1"), map, report).explained);  // 10.20.30.40 in the /24
  // app-a: a backup copy of the old server and an active line for the new one explain nothing.
  CHECK_FALSE(Correlate(Addr("10.0.1.11"), map, report).explained);
  // repos/app: only a template expression, which may or may not render to the old server.
  CHECK_FALSE(Correlate(Addr("10.0.1.30"), map, report).explained);
}

TEST_CASE("watch correlate: a report made inside one repository is labelled with it",
          "[watch][correlate]") {
  HostsMap map;
  std::vector<std::string> notices;
  std::string error;
  REQUIRE(map.Parse("address,repo\n10.0.0.1,app-a\n10.0.0.2,app-b\n", "m.csv", &notices, &error));
  const std::string json = R"({"findings": [{"rule": "chrony-source", "activity": "active",
      "location": "etc/chrony.conf", "chain": ["etc/chrony.conf"], "line": 1}]})";
  StaticReport report;
  REQUIRE(ParseStaticReport(json, "a.json", "app-a", {}, &report, &notices, &error));
  CHECK(report.findings[0].root == "app-a/etc/chrony.conf");
  CHECK(Correlate(Addr("10.0.0.1"), map, report).explained);
  CHECK_FALSE(Correlate(Addr("10.0.0.2"), map, report).explained);
}

TEST_CASE("watch correlate: malformed maps and reports are named with their place",
          "[watch][correlate]") {
  std::vector<std::string> notices;
  std::string error;
  StaticReport report;
  CHECK_FALSE(ParseStaticReport("{\n  \"findings\": [\n    {\"rule\": }\n", "r.json", "", {},
                                &report, &notices, &error));
  CHECK(error.rfind("r.json:3:14: not a JSON report", 0) == 0);
  CHECK_FALSE(ParseStaticReport("{\"findings\": [", "r.json", "", {}, &report, &notices, &error));
  CHECK(error.find("it ends early") != std::string::npos);
  CHECK_FALSE(ParseStaticReport("{\"runs\": []}", "s.sarif", "", {}, &report, &notices, &error));
  CHECK(error.find("neither a scan report") != std::string::npos);
  CHECK_FALSE(ParseStaticReport("{\"findings\": 3}", "r.json", "", {}, &report, &notices, &error));
  CHECK(error == "r.json: \"findings\" is not a list");
  CHECK(ParseStaticReport("{\"findings\": [7]}", "r.json", "", {}, &report, &notices, &error));
  CHECK(HasNotice(notices, "r.json: findings[0]: not an object"));
  CHECK_FALSE(
      LoadStaticReport(kFixtures + "/no-such-report.json", "", {}, &report, &notices, &error));
  CHECK(error.find("no-such-report.json: cannot read the report") != std::string::npos);

  HostsMap map;
  CHECK_FALSE(map.Parse("\n# owners\nweb1 runs the shop\n", "m.txt", &notices, &error));
  CHECK(error.rfind("m.txt:3: neither a CSV header", 0) == 0);
  CHECK_FALSE(map.Parse("owner,image\nx,y\n", "m.csv", &notices, &error));
  CHECK(error.rfind("m.csv:1: the CSV header names neither a host nor an address", 0) == 0);
  notices.clear();
  REQUIRE(map.Parse(
      "host,address\r\nweb1,10.0.0.1\r\n\"web2\n(spare)\",10.0.0.2\r\nweb3,\"10.0.0.3\r\n", "q.csv",
      &notices, &error));
  CHECK(HasNotice(notices, "q.csv:5: a quoted field never closes"));
  REQUIRE(map.Find(Addr("10.0.0.2")));
  CHECK(map.Find(Addr("10.0.0.2"))->names.front() == "web2\n(spare)");
  CHECK(map.Find(Addr("10.0.0.1")));
  CHECK_FALSE(map.Find(Addr("10.0.0.3")));
  HostsMap empty;
  CHECK_FALSE(empty.Load(kFixtures + "/no-such-map.csv", &notices, &error));
  CHECK(error.find("cannot read the hosts map") != std::string::npos);
}

namespace {

// A table with one explained, one unexplained and one unmapped client, and the views of it.
struct Watched {
  Fixture f;
  ClientTable table{10};
  RunSummary s;
  Watched() {
    Endpoint server = Addr("192.0.2.1");
    server.port = 123;
    for (auto [addr, port] : {std::pair{"10.0.1.11", 40001},
                              {"2001:db8:0:b::1", 40002},
                              {"192.0.2.77", 40003},
                              {"10.0.1.11", 40004}}) {
      Endpoint from = Addr(addr);
      from.port = static_cast<uint16_t>(port);
      table.Observe(kNow + std::chrono::seconds(port - 40000), from, server, SntpRequest(kNow));
    }
    s.source = "listen";
    s.inputs = {"192.0.2.1:123"};
    s.any_time = true;
    s.start = kNow;
    s.end = kNow + 1min;
    s.stop = StopReason::kSignal;
    s.correlated = true;
    s.static_from = f.report.described;
    s.maps = {"hosts-map.csv"};
    s.notices = {"a | notice"};
  }
  std::vector<ClientView> Views() const { return ViewClients(table, &f.map, &f.report); }
};

// RFC 4180 reader for the test: records of fields.
std::vector<std::vector<std::string>> ReadCsv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        field += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(field);
      field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(field);
      field.clear();
      rows.emplace_back();
      ++i;
    } else {
      field += c;
    }
  }
  rows.pop_back();  // after the last CRLF
  return rows;
}

}  // namespace

TEST_CASE("watch outputs: CSV quotes by RFC 4180 and says explained or unexplained",
          "[watch][output]") {
  CHECK(CsvField("plain") == "plain");
  CHECK(CsvField("a,b") == "\"a,b\"");
  CHECK(CsvField("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(CsvField("two\nlines") == "\"two\nlines\"");
  CHECK(CsvField("cr\r") == "\"cr\r\"");
  Watched w;
  std::ostringstream out;
  WriteCsv(out, w.Views());
  const std::string text = out.str();
  CHECK(text.find("\r\n") != std::string::npos);
  CHECK(text.find_first_of('\n') == text.find("\r\n") + 1);  // CRLF line ends
  auto rows = ReadCsv(text);
  REQUIRE(rows.size() == 4);
  for (const auto& r : rows) CHECK(r.size() == 14);
  CHECK(rows[0][0] == "address");
  CHECK(rows[0][13] == "explanation");
  CHECK(rows[1][0] == "10.0.1.11");
  CHECK(rows[1][1] == "app-a-01");
  CHECK(rows[1][4] == "2");
  CHECK(rows[1][6] == "client");
  CHECK(rows[1][7] == "40001 40004");
  CHECK(rows[1][12] == "explained");
  CHECK(rows[1][13] ==
        "repos/app-a/etc/chrony.conf:3 (rule chrony-source, repository repos/app-a)");
  CHECK(rows[2][0] == "192.0.2.77");
  CHECK(rows[2][12] == "unexplained");
  CHECK(rows[2][13].rfind("not in the hosts map", 0) == 0);
  CHECK(rows[3][0] == "2001:db8:0:b::1");
  CHECK(rows[3][12] == "unexplained");
}

TEST_CASE("watch outputs: JSON lines are one client a line, then the summary", "[watch][output]") {
  Watched w;
  std::ostringstream out;
  WriteJsonLines(out, w.s, w.table, w.Views());
  std::istringstream in(out.str());
  std::vector<nlohmann::json> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  REQUIRE(lines.size() == 4);
  CHECK(lines[0]["record"] == "client");
  CHECK(lines[0]["address"] == "10.0.1.11");
  CHECK(lines[0]["host"] == "app-a-01");
  CHECK(lines[0]["static"]["explained"] == true);
  CHECK(lines[0]["static"]["findings"][0]["location"] == "repos/app-a/etc/chrony.conf");
  CHECK(lines[0]["static"]["findings"][0]["via"] == "repository repos/app-a");
  CHECK(lines[1]["host"].is_null());
  CHECK(lines[1]["static"]["explained"] == false);
  CHECK(lines[3]["record"] == "summary");
  CHECK(lines[3]["clients"] == 3);
  CHECK(lines[3]["packets"]["requests"] == 4);
  CHECK(lines[3]["correlation"]["explained"] == 1);
  CHECK(lines[3]["correlation"]["unexplained"] == 2);
}

TEST_CASE(
    "watch outputs: the Markdown summary lists clients, then the unexplained, then the "
    "explained",
    "[watch][output]") {
  Watched w;
  std::ostringstream out;
  WriteMarkdown(out, w.s, w.table, w.Views());
  const std::string md = out.str();
  INFO(md);
  CHECK(md.rfind("# ntpsweep watch: 3 clients still ask the old server\n", 0) == 0);
  CHECK(md.find("**2 unexplained**, 1 explained") != std::string::npos);
  CHECK(md.find("| `10.0.1.11` | app-a-01 | 2 | 2026-12-04T15:31:31.000000Z | "
                "2026-12-04T15:31:34.000000Z | client | 4 | sntp | explained |") !=
        std::string::npos);
  CHECK(md.find("| `192.0.2.77` |  | 1 |") != std::string::npos);
  const size_t unexplained = md.find("## Unexplained: go and look");
  const size_t explained = md.find("## Explained by the static analysis");
  REQUIRE(unexplained != std::string::npos);
  REQUIRE(explained != std::string::npos);
  CHECK(unexplained < explained);
  CHECK(md.find("- `2001:db8:0:b::1` (app-b-01): nothing static points at the server from there "
                "(repos/app-b) — go and look") != std::string::npos);
  CHECK(md.find("  - `repos/app-a/etc/chrony.conf:3`, rule `chrony-source` (active, repository "
                "repos/app-a)") != std::string::npos);
  CHECK(md.find("- a \\| notice") != std::string::npos);  // a pipe cannot break the table
  // Without correlation: no static column, no sections.
  RunSummary plain = w.s;
  plain.correlated = false;
  std::ostringstream out2;
  WriteMarkdown(out2, plain, w.table, ViewClients(w.table, nullptr, nullptr));
  CHECK(out2.str().find("Static analysis") == std::string::npos);
  CHECK(out2.str().find("## Unexplained") == std::string::npos);
}

TEST_CASE("watch outputs: text marks each client explained or UNEXPLAINED", "[watch][output]") {
  Watched w;
  std::ostringstream out;
  WriteText(out, w.s, w.table, w.Views());
  const std::string text = out.str();
  INFO(text);
  CHECK(text.find("10.0.1.11 (app-a-01)  2 requests") != std::string::npos);
  CHECK(text.find("  explained by:\n    repos/app-a/etc/chrony.conf:3 (rule chrony-source, "
                  "repository repos/app-a)\n") != std::string::npos);
  CHECK(text.find("192.0.2.77  1 request") != std::string::npos);
  CHECK(text.find("  UNEXPLAINED: not in the hosts map") != std::string::npos);
  CHECK(text.find("Static analysis: 1 explained, 2 unexplained\n") != std::string::npos);
}

TEST_CASE(
    "watch live table: draws on change at most once a second, in place, within the "
    "terminal",
    "[watch][live]") {
  std::ostringstream screen;
  TerminalSize size{8, 80};
  ManualClock clock(kNow);
  LiveTable live(
      screen, [&] { return size; },
      [](const ClientRecord& r) {
        return r.address.AddressText() == "10.0.0.1" ? std::string("web1 explained")
                                                     : std::string();
      });
  ClientTable table(100);
  Endpoint server = Addr("192.0.2.1");
  auto request = [&](const std::string& addr) {
    Endpoint from = Addr(addr);
    from.port = 40000;
    table.Observe(clock.Wall(), from, server, SntpRequest(clock.Wall()));
  };
  // The first drawing at once, even with no client; it starts by erasing below the cursor.
  CHECK(live.PendingWithin(table, clock.Elapsed()) == Duration{0});
  REQUIRE(live.Update(table, clock.Elapsed()));
  CHECK(screen.str() ==
        "\033[Jntpsweep watch: 0 clients, 0 requests (Ctrl-C stops)\n"
        "ADDRESS  REQUESTS  LAST SEEN  IMPLEMENTATION  STATIC\n");
  CHECK_FALSE(live.Update(table, clock.Elapsed()));  // nothing changed
  CHECK(live.PendingWithin(table, clock.Elapsed()) == std::nullopt);

  clock.Advance(100ms);
  request("10.0.0.1");
  CHECK(live.PendingWithin(table, clock.Elapsed()) == Duration{900ms});
  CHECK_FALSE(live.Update(table, clock.Elapsed()));  // changed, but drawn 100 ms ago
  clock.Advance(900ms);
  screen.str("");
  REQUIRE(live.Update(table, clock.Elapsed()));
  // Up over the two lines drawn before, erase, draw three.
  CHECK(screen.str() ==
        "\r\033[2A\033[J"
        "ntpsweep watch: 1 client, 1 request (Ctrl-C stops)\n"
        "ADDRESS   REQUESTS  LAST SEEN  IMPLEMENTATION  STATIC\n"
        "10.0.0.1         1  15:31:30   sntp            web1 explained\n");

  // More clients than rows: the most recent stay in view, a line counts the others; no line is
  // wider than the terminal (a wrapped line would break the next cursor-up).
  for (int i = 2; i <= 9; ++i) {
    clock.Advance(1s);
    request("10.0.0." + std::to_string(i));
  }
  size = {8, 40};
  screen.str("");
  REQUIRE(live.Update(table, clock.Elapsed()));
  std::string drawn = screen.str();
  INFO(drawn);
  CHECK(drawn.rfind("\r\033[3A\033[J", 0) == 0);
  std::vector<std::string> lines;
  std::istringstream in(drawn.substr(std::string("\r\033[3A\033[J").size()));
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  REQUIRE(lines.size() == 7);  // rows - 1: the cursor keeps the last row
  for (const std::string& l : lines) CHECK(l.size() <= 39);
  CHECK(lines[2].rfind("10.0.0.9 ", 0) == 0);
  CHECK(lines[5].rfind("10.0.0.6 ", 0) == 0);
  CHECK(lines[6] == "... 5 more (the summary lists every cli");
  CHECK(live.drawings() == 3);

  screen.str("");
  live.Clear();
  CHECK(screen.str() == "\r\033[7A\033[J");
}
