// End-to-end: the built binary over fixtures/e2e, a small root file system (etc/, usr/share/)
// plus a repository-like part (docs/, scripts/). The expectation table below was written by
// reading every fixture line against what the issue asks for; it is not a copy of tool output.
//
// Targets used throughout (documentation ranges):
//   192.0.2.10                 one IPv4 address
//   2001:db8::123              one IPv6 address (matched by value, any spelling)
//   ntp-old.corp.example.net   a host name (short name `ntp-old` only in host positions)
//   198.51.100.0/28            a CIDR (198.51.100.0 - 198.51.100.15)
#include <sys/stat.h>
#include <sys/types.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <map>
#include <nlohmann/json.hpp>
#include <ostream>
#include <set>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "run_binary.h"

namespace {

using namespace ntpsweep::testing;  // run_binary.h
using Json = nlohmann::json;

const std::string kFixtures = kSourceDir + "/fixtures/e2e";

const std::vector<std::string> kHostArgs = {"--host", "192.0.2.10",
                                            "--host", "2001:db8::123",
                                            "--host", "ntp-old.corp.example.net",
                                            "--host", "198.51.100.0/28"};

struct Row {
  std::string file;
  int line;
  std::string rule;
  std::string activity;
  std::string severity;
  std::string matched;

  auto Key() const { return std::tie(file, line, rule, activity, severity, matched); }
  bool operator<(const Row& o) const { return Key() < o.Key(); }
  bool operator==(const Row& o) const { return Key() == o.Key(); }
};

std::ostream& operator<<(std::ostream& os, const Row& r) {
  return os << r.file << ':' << r.line << " [" << r.rule << ", " << r.activity << ", "
            << r.severity << "] \"" << r.matched << '"';
}

constexpr const char* kErr = "error";
constexpr const char* kWarn = "warning";
constexpr const char* kNote = "note";
constexpr const char* kActive = "active";
constexpr const char* kRef = "reference";
constexpr const char* kCommented = "commented-out";
constexpr const char* kBackup = "backup-copy";
constexpr const char* kMention = "mention";

// Every finding the whole tree must produce, and no other. Lines not listed for a file are
// decoys that must stay silent (see the fixture files: 192.0.2.100, 192.0.2.1, 192.0.2.010,
// ntp-old.corp.example.net.au, xntp-old..., 2001:db8::1234, 198.51.100.70, 127.127.1.0, ...).
std::vector<Row> ExpectedRows() {
  return {
      // --- documentation: only the catch-all, never "commented" in Markdown.
      {"docs/runbook.md", 3, "text-mention", kMention, kWarn, "ntp-old.corp.example.net"},
      {"docs/runbook.md", 3, "text-mention", kMention, kWarn, "192.0.2.10"},
      {"docs/runbook.md", 3, "text-mention", kMention, kWarn, "2001:DB8:0:0::123"},
      {"docs/runbook.md", 9, "text-mention", kMention, kWarn, "198.51.100.7"},
      {"docs/runbook.md", 11, "text-mention", kMention, kWarn, "NTP-OLD.Corp.Example.NET"},

      // --- chrony: RHEL main file left as .rpmnew, Debian file, its .dpkg-dist, conf.d,
      // sources.d and the pristine copy in /usr/share/chrony.
      {"etc/chrony.conf.rpmnew", 3, "chrony-source", kBackup, kNote, "ntp-old.corp.example.net"},
      {"etc/chrony/chrony.conf", 8, "chrony-source", kActive, kErr, "ntp-old.corp.example.net"},
      {"etc/chrony/chrony.conf", 9, "chrony-source", kActive, kErr, "192.0.2.10"},  // `Server`
      {"etc/chrony/chrony.conf", 10, "chrony-source", kActive, kErr, "2001:db8:0::123"},
      {"etc/chrony/chrony.conf", 12, "chrony-source", kCommented, kNote, "192.0.2.10"},  // !
      {"etc/chrony/chrony.conf", 13, "chrony-source", kCommented, kNote,
       "ntp-old.corp.example.net"},                                                         // ;
      {"etc/chrony/chrony.conf", 14, "chrony-source", kCommented, kNote, "2001:db8::123"},  // %
      {"etc/chrony/chrony.conf", 15, "chrony-source", kCommented, kNote, "198.51.100.3"},   // #
      {"etc/chrony/chrony.conf", 18, "chrony-initstepslew", kActive, kErr,
       "ntp-old.corp.example.net"},
      {"etc/chrony/chrony.conf", 23, "chrony-reference", kRef, kWarn, "192.0.2.10"},
      {"etc/chrony/chrony.conf", 24, "chrony-reference", kRef, kWarn, "2001:db8::123"},
      {"etc/chrony/chrony.conf.dpkg-dist", 4, "chrony-initstepslew", kBackup, kNote, "192.0.2.10"},
      // A short name in a host position: lower confidence, severity capped at warning.
      {"etc/chrony/conf.d/corp.conf", 2, "chrony-source", kActive, kWarn, "ntp-old"},
      {"etc/chrony/sources.d/corp.sources", 1, "chrony-source", kActive, kErr, "192.0.2.10"},
      {"usr/share/chrony/chrony.conf", 4, "chrony-source", kBackup, kNote, "192.0.2.10"},

      // --- ntpdate defaults and its editor backup.
      {"etc/default/ntpdate", 10, "ntpdate-servers", kActive, kErr, "ntp-old.corp.example.net"},
      {"etc/default/ntpdate~", 2, "ntpdate-servers", kBackup, kNote, "192.0.2.10"},

      // --- /etc/hosts has no specific rule: the catch-all reports it; `ntp-old` alone is not
      // a host position, so it is silent.
      {"etc/hosts", 2, "text-mention", kMention, kWarn, "192.0.2.10"},
      {"etc/hosts", 2, "text-mention", kMention, kWarn, "ntp-old.corp.example.net"},
      {"etc/hosts", 4, "text-mention", kCommented, kNote, "2001:db8::123"},
      {"etc/hosts", 4, "text-mention", kCommented, kNote, "ntp-old.corp.example.net"},

      // --- nginx `server 192.0.2.10:80;` is a mention, never an NTP source.
      {"etc/nginx/nginx.conf", 2, "text-mention", kMention, kWarn, "192.0.2.10"},

      // --- ntpd 4.2.8 ntp.conf.
      {"etc/ntp.conf", 7, "ntp-conf-source", kActive, kErr, "192.0.2.10"},
      {"etc/ntp.conf", 8, "ntp-conf-source", kActive, kErr, "ntp-old.corp.example.net"},  // -4
      {"etc/ntp.conf", 9, "ntp-conf-source", kActive, kErr, "2001:db8::123"},             // peer -6
      {"etc/ntp.conf", 15, "ntp-conf-source", kCommented, kNote, "ntp-old.corp.example.net"},
      // Upper-case SERVER is a syntax error to ntpd: not a source, but still a mention.
      {"etc/ntp.conf", 16, "text-mention", kMention, kWarn, "192.0.2.10"},
      {"etc/ntp.conf", 17, "ntp-conf-source", kActive, kErr, "0300.0.2.10"},  // octal 192
      {"etc/ntp.conf", 18, "ntp-conf-source", kActive, kErr, "192.0.2.012"},  // octal 10
      // line 19 `server 192.0.2.010` is 192.0.2.8 to ntpd: nothing, not even a mention.
      {"etc/ntp.conf", 20, "ntp-conf-source", kActive, kWarn, "ntp-old"},        // short name
      {"etc/ntp.conf", 21, "ntp-conf-source", kActive, kErr, "192.0.2.10"},      // broadcast
      {"etc/ntp.conf", 22, "ntp-conf-source", kActive, kErr, "198.51.100.5"},    // manycastclient
      {"etc/ntp.conf", 23, "ntp-conf-source", kActive, kErr, "192.0.2.10"},      // unpeer
      {"etc/ntp.conf", 33, "ntp-conf-reference", kRef, kWarn, "192.0.2.10"},     // restrict
      {"etc/ntp.conf", 34, "ntp-conf-reference", kRef, kWarn, "2001:db8::123"},  // restrict -6
      {"etc/ntp.conf", 35, "ntp-conf-reference", kCommented, kNote, "ntp-old.corp.example.net"},
      {"etc/ntp.conf", 36, "ntp-conf-reference", kRef, kWarn, "192.0.2.10"},  // interface listen
      {"etc/ntp.conf.dpkg-old", 3, "ntp-conf-source", kBackup, kNote, "ntp-old.corp.example.net"},
      {"etc/ntp.conf.dpkg-old", 4, "ntp-conf-reference", kBackup, kNote, "192.0.2.10"},

      // --- RHEL step-tickers.
      {"etc/ntp/step-tickers", 3, "ntp-step-tickers", kActive, kErr, "192.0.2.10"},
      {"etc/ntp/step-tickers", 4, "ntp-step-tickers", kActive, kErr, "ntp-old.corp.example.net"},

      // --- ntpsec: host:port (NTS), [v6]:port by value, trailing-dot FQDN, ntp.d fragment, CIDR.
      {"etc/ntpsec/ntp.conf", 6, "ntp-conf-source", kActive, kErr, "ntp-old.corp.example.net"},
      {"etc/ntpsec/ntp.conf", 8, "ntp-conf-source", kActive, kErr, "2001:DB8:0:0::123"},
      {"etc/ntpsec/ntp.conf", 10, "ntp-conf-source", kActive, kErr, "ntp-old.corp.example.net."},
      {"etc/ntpsec/ntp.conf.dist", 2, "ntp-conf-source", kBackup, kNote,
       "ntp-old.corp.example.net"},
      {"etc/ntpsec/ntp.d/10-corp.conf", 2, "ntp-conf-source", kActive, kErr, "198.51.100.7"},
      {"etc/ntpsec/ntp.d/10-corp.conf", 4, "ntp-conf-source", kActive, kErr, "198.51.100.9"},
      {"etc/ntpsec/ntp.d/10-corp.conf", 5, "ntp-conf-source", kCommented, kNote, "2001:db8::123"},

      // --- OpenNTPD.
      {"etc/openntpd/ntpd.conf", 3, "openntpd-source", kActive, kErr, "ntp-old.corp.example.net"},
      {"etc/openntpd/ntpd.conf", 4, "openntpd-source", kActive, kErr, "192.0.2.10"},
      {"etc/openntpd/ntpd.conf", 8, "openntpd-constraint", kActive, kWarn,
       "ntp-old.corp.example.net"},
      {"etc/openntpd/ntpd.conf.bak", 1, "openntpd-source", kBackup, kNote,
       "ntp-old.corp.example.net"},

      // --- RHEL /etc/sysconfig/ntpd daemon operands.
      {"etc/sysconfig/ntpd", 2, "ntp-daemon-options", kActive, kErr, "192.0.2.10"},
      {"etc/sysconfig/ntpd", 3, "ntp-daemon-options", kCommented, kNote,
       "ntp-old.corp.example.net"},
      {"etc/sysconfig/ntpd.rpmsave", 2, "ntp-daemon-options", kBackup, kNote, "192.0.2.10"},

      // --- systemd-networkd: [Network] NTP= (file and drop-in), [DHCPServer] NTP=.
      {"etc/systemd/network/10-eth0.network", 6, "networkd-ntp", kActive, kErr,
       "ntp-old.corp.example.net"},
      {"etc/systemd/network/10-eth0.network", 6, "networkd-ntp", kActive, kErr, "2001:db8::123"},
      {"etc/systemd/network/10-eth0.network.d/ntp.conf", 2, "networkd-ntp", kActive, kErr,
       "192.0.2.10"},
      {"etc/systemd/network/20-lan.network", 10, "networkd-dhcp-server-ntp", kActive, kErr,
       "192.0.2.10"},
      {"etc/systemd/network/20-lan.network", 11, "networkd-dhcp-server-ntp", kCommented, kNote,
       "198.51.100.4"},

      // --- systemd-timesyncd: main file, drop-in, backup.
      {"etc/systemd/timesyncd.conf", 10, "timesyncd-ntp", kActive, kErr,
       "ntp-old.corp.example.net"},
      {"etc/systemd/timesyncd.conf", 11, "timesyncd-ntp", kActive, kErr, "2001:db8::123"},
      {"etc/systemd/timesyncd.conf.d/50-corp.conf", 2, "timesyncd-ntp", kActive, kErr,
       "192.0.2.10"},
      {"etc/systemd/timesyncd.conf.d/50-corp.conf", 3, "timesyncd-ntp", kCommented, kNote,
       "ntp-old.corp.example.net"},
      {"etc/systemd/timesyncd.conf.orig", 2, "timesyncd-ntp", kBackup, kNote, "192.0.2.10"},

      // --- scripts: the catch-all, with shell comments classified. The script only checks on
      // the host (ssh, ping, curl): no time command that a shell rule would claim.
      {"scripts/check-old-server.sh", 5, "text-mention", kMention, kWarn,
       "ntp-old.corp.example.net"},
      {"scripts/check-old-server.sh", 6, "text-mention", kMention, kWarn, "192.0.2.10"},
      // "# fallback used to be [...]": prose in a comment is a mention, not commented-out config
      {"scripts/check-old-server.sh", 7, "text-mention", kMention, kWarn, "2001:db8::123"},
      {"scripts/check-old-server.sh~", 2, "text-mention", kBackup, kNote,
       "ntp-old.corp.example.net"},

      // --- Debian's pristine ntp.conf copy.
      {"usr/share/ntp/ntp.conf", 4, "ntp-conf-source", kBackup, kNote, "2001:db8::123"},
  };
}

std::vector<Row> RowsOf(const Json& doc) {
  std::vector<Row> rows;
  for (const Json& f : doc.at("findings"))
    rows.push_back(Row{f.at("location").get<std::string>(), f.at("line").get<int>(),
                       f.at("rule").get<std::string>(), f.at("activity").get<std::string>(),
                       f.at("severity").get<std::string>(), f.at("matched").get<std::string>()});
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Compares as multisets and names every missing and every unexpected row.
void RequireSameRows(std::vector<Row> want, std::vector<Row> got) {
  std::sort(want.begin(), want.end());
  std::sort(got.begin(), got.end());
  std::vector<Row> missing, extra;
  std::set_difference(want.begin(), want.end(), got.begin(), got.end(), std::back_inserter(missing));
  std::set_difference(got.begin(), got.end(), want.begin(), want.end(), std::back_inserter(extra));
  for (const Row& r : missing) {
    INFO("missing finding: " << r);
    CHECK(false);
  }
  for (const Row& r : extra) {
    INFO("unexpected finding: " << r);
    CHECK(false);
  }
  REQUIRE(missing.empty());
  REQUIRE(extra.empty());
}

std::vector<std::string> Concat(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// `ntpsweep scan` with the standard targets in `cwd`, JSON to stdout.
Json ScanJson(const std::string& cwd, const std::vector<std::string>& extra,
              int want_exit = 1, RunResult* raw = nullptr) {
  std::vector<std::string> args = Concat({"scan"}, kHostArgs);
  args = Concat(args, {"--format", "json"});
  args = Concat(args, extra);
  RunResult r = RunNtpsweep(args, RunOptions{cwd, {}, false});
  INFO("stderr: " << r.err);
  REQUIRE(r.signal == 0);
  REQUIRE(r.exit_code == want_exit);
  if (raw) *raw = r;
  return Json::parse(r.out);
}

std::vector<Row> Without(std::vector<Row> rows, bool (*drop)(const Row&)) {
  rows.erase(std::remove_if(rows.begin(), rows.end(), drop), rows.end());
  return rows;
}

bool IsGitDir(const std::string& p) {
  return p == ".git" || p.rfind(".git/", 0) == 0;
}

}  // namespace

TEST_CASE("e2e: exact findings over the fixture tree", "[e2e]") {
  Json doc = ScanJson(kFixtures, {"."});
  RequireSameRows(ExpectedRows(), RowsOf(doc));
  CHECK(doc.at("notices").empty());
  CHECK(doc.at("hosts") ==
        Json::array({"192.0.2.10", "2001:db8::123", "ntp-old.corp.example.net", "198.51.100.0/28"}));
  // 30 fixture files, none binary.
  CHECK(doc.at("stats").at("entries") == 30);
  CHECK(doc.at("stats").at("binary_skipped") == 0);
}

TEST_CASE("e2e: each finding carries a consistent span, target and match kind", "[e2e]") {
  Json doc = ScanJson(kFixtures, {"."});
  REQUIRE(doc.at("findings").size() == ExpectedRows().size());
  for (const Json& f : doc.at("findings")) {
    INFO(f.dump());
    std::string matched = f.at("matched");
    std::string line_text = f.at("line_text");
    // The span points at the matched text on the reported line.
    REQUIRE(f.at("line") == f.at("end_line"));
    size_t col = f.at("column").get<size_t>();
    REQUIRE(col >= 1);
    CHECK(line_text.substr(col - 1, matched.size()) == matched);
    CHECK(f.at("end_column").get<size_t>() == col + matched.size());
    // The line text is the fixture's line.
    std::string file = ReadWholeFile(kFixtures + "/" + f.at("location").get<std::string>());
    std::istringstream lines(file);
    std::string l;
    for (int i = 0; i < f.at("line").get<int>(); ++i) std::getline(lines, l);
    CHECK(l == line_text);
    // Which --host value it names.
    std::string target = f.at("target");
    std::string kind = f.at("match_kind");
    if (matched == "ntp-old") {
      CHECK(target == "ntp-old.corp.example.net");
      CHECK(kind == "short-name");
      CHECK(f.at("severity") != "error");
    } else if (matched.rfind("198.51.100.", 0) == 0) {
      CHECK(target == "198.51.100.0/28");
      CHECK(kind == "in-range");
    } else if (matched.find(':') != std::string::npos) {
      CHECK(target == "2001:db8::123");
      CHECK(kind == "exact");
    } else if (matched.find_first_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") !=
               std::string::npos) {
      CHECK(target == "ntp-old.corp.example.net");
      CHECK(kind == "exact");
    } else {
      CHECK(target == "192.0.2.10");
      CHECK(kind == "exact");
    }
  }
}

TEST_CASE("e2e: a refclock pseudo-address is never a target", "[e2e]") {
  // Even when the user names 127.127.1.0, `server 127.127.1.0` / `fudge 127.127.1.0` in ntp.conf
  // configure a local driver, not a network server.
  Json doc = ScanJson(kFixtures, {"--host", "127.127.1.0", "etc/ntp.conf"}, 1);
  for (const Json& f : doc.at("findings")) {
    INFO(f.dump());
    CHECK(f.at("location") == "etc/ntp.conf");
    CHECK(f.at("line") != 26);
    CHECK(f.at("line") != 27);
  }
  // The same address in a file no NTP rule reads is an ordinary mention.
  TempDir tmp;
  WriteWholeFile(tmp / "notes.txt", "local clock driver 127.127.1.0\n");
  RunResult r = RunNtpsweep({"scan", "--host", "127.127.1.0", "--format", "json", "notes.txt"},
                            RunOptions{tmp.path(), {}, false});
  REQUIRE(r.exit_code == 1);
  Json d = Json::parse(r.out);
  REQUIRE(d.at("findings").size() == 1);
  CHECK(d.at("findings")[0].at("rule") == "text-mention");
}

TEST_CASE("e2e: an operand path is reported relative to how it was given", "[e2e]") {
  // Scanning fixtures/e2e from the repository root: locations carry the operand prefix, and
  // /usr/share/<pkg>/ copies are still recognised below it.
  Json doc = ScanJson(kSourceDir, {"fixtures/e2e"});
  std::vector<Row> want;
  for (Row r : ExpectedRows()) {
    r.file = "fixtures/e2e/" + r.file;
    want.push_back(r);
  }
  RequireSameRows(want, RowsOf(doc));
}

TEST_CASE("e2e: walking skips .git, binaries, symlinks and FIFOs, unreadable files are notices",
          "[e2e][walk]") {
  TempDir tmp;
  const std::string root = tmp / "root";
  CopyTree(kFixtures, root);
  // .git: skipped unless --include-vcs.
  WriteWholeFile(root + "/.git/config",
                 "[remote \"origin\"]\n\turl = https://ntp-old.corp.example.net/infra.git\n");
  // A binary file: a NUL byte in the first 8 KiB.
  WriteWholeFile(root + "/var/lib/blob.bin", std::string("\x7f" "ELF\0\0\0\0", 8) + "server 192.0.2.10\n");
  // Symbolic links to a file and to a directory outside the tree: never followed.
  WriteWholeFile(tmp / "outside/ntp.conf", "server 192.0.2.10 iburst\n");
  REQUIRE(symlink((tmp / "outside/ntp.conf").c_str(), (root + "/etc/ntpsec/ntp.d/20-link.conf").c_str()) == 0);
  REQUIRE(symlink((tmp / "outside").c_str(), (root + "/srv").c_str()) == 0);
  // A FIFO: opening it for reading would block the scan forever.
  REQUIRE(mkfifo((root + "/etc/ntp.fifo").c_str(), 0600) == 0);
  // An unreadable file.
  const std::string secret = root + "/etc/ntp/secret.conf";
  WriteWholeFile(secret, "server 192.0.2.10\n");
  REQUIRE(chmod(secret.c_str(), 0) == 0);
  int probe = open(secret.c_str(), O_RDONLY);
  const bool privileged = probe >= 0;  // root (CAP_DAC_OVERRIDE) reads mode-000 files anyway
  if (probe >= 0) close(probe);

  RunResult raw;
  Json doc = ScanJson(root, {"-j", "2", "."}, 1, &raw);
  std::vector<Row> want = ExpectedRows();
  if (privileged) {
    WARN("running with privileges that ignore file modes (root?): the chmod-000 file was "
         "readable, so the unreadable-file notice assertion is skipped");
    // A daemon line in a file no daemon reader is chosen for (rules/embedded.yaml).
    want.push_back({"etc/ntp/secret.conf", 1, "embedded-time-directive", kActive, kErr, "192.0.2.10"});
  } else {
    bool noticed = false;
    for (const Json& n : doc.at("notices")) {
      INFO(n.dump());
      if (n.value("location", "") == "etc/ntp/secret.conf") {
        noticed = true;
        CHECK(n.at("id") == "unreadable-entry");
        CHECK(n.at("level") == "warning");
        CHECK(n.at("message").get<std::string>().find("etc/ntp/secret.conf") != std::string::npos);
      }
    }
    CHECK(noticed);
    CHECK(doc.at("notices").size() == 1);
  }
  if (privileged) CHECK(doc.at("notices").empty());
  RequireSameRows(want, RowsOf(doc));
  const Json& stats = doc.at("stats");
  CHECK(stats.at("binary_skipped") == 1);
  CHECK(stats.at("skipped").value("symlink", 0) == 2);
  CHECK(stats.at("skipped").value("special-file", 0) == 1);
  CHECK(stats.at("skipped").value("vcs-directory", 0) == 1);

  SECTION("--include-vcs also reads .git") {
    Json vcs = ScanJson(root, {"--include-vcs", "."});
    std::vector<Row> git_rows;
    for (const Row& r : RowsOf(vcs))
      if (IsGitDir(r.file)) git_rows.push_back(r);
    RequireSameRows({{".git/config", 2, "text-mention", kMention, kWarn, "ntp-old.corp.example.net"}},
                    git_rows);
    CHECK(vcs.at("stats").at("skipped").value("vcs-directory", 0) == 0);
  }
}

TEST_CASE("e2e: a symbolic link given as the operand is followed, links below it are not",
          "[e2e][walk]") {
  TempDir tmp;
  WriteWholeFile(tmp / "real/ntp.conf", "server 192.0.2.10 iburst\n");
  WriteWholeFile(tmp / "real/etc/chrony.conf", "server 192.0.2.10 iburst\n");
  WriteWholeFile(tmp / "outside/ntp.conf", "server 192.0.2.10 iburst\n");
  // Decoy: a link inside the linked directory still leads nowhere.
  REQUIRE(symlink((tmp / "outside").c_str(), (tmp / "real/etc/out").c_str()) == 0);
  REQUIRE(symlink("real/ntp.conf", (tmp / "ntp.conf").c_str()) == 0);
  REQUIRE(symlink("real/etc", (tmp / "dir-link").c_str()) == 0);
  WriteWholeFile(tmp / "src/etc/ntp.conf", "server 192.0.2.10 iburst\n");
  REQUIRE(std::system(("tar -cf '" + tmp / "real.tar" + "' -C '" + tmp / "src" +
                       "' etc && rm -r '" + tmp / "src" + "'")
                          .c_str()) == 0);
  REQUIRE(symlink("real.tar", (tmp / "image.tar").c_str()) == 0);
  RunResult raw;
  Json doc = ScanJson(tmp.path(), {"ntp.conf", "dir-link", "image.tar"}, 1, &raw);
  INFO(raw.err);
  CHECK(doc.at("notices").empty());
  RequireSameRows({{"dir-link/chrony.conf", 1, "chrony-source", kActive, kErr, "192.0.2.10"},
                   {"image.tar!etc/ntp.conf", 1, "ntp-conf-source", kActive, kErr, "192.0.2.10"},
                   {"ntp.conf", 1, "ntp-conf-source", kActive, kErr, "192.0.2.10"}},
                  RowsOf(doc));
  CHECK(doc.at("stats").at("skipped").value("symlink", 0) == 1);
}

// UTF-16 text holds NULs; a member is no binary for that, as a file on disk is not.
TEST_CASE("e2e: UTF-16 members of a tar or tar.gz are read as the same files on disk are",
          "[e2e][archive]") {
  TempDir tmp;
  auto utf16 = [](std::string_view text, bool big_endian, bool bom) {
    std::string out = bom ? (big_endian ? "\xfe\xff" : "\xff\xfe") : "";
    for (char c : text) {
      out += big_endian ? '\0' : c;
      out += big_endian ? c : '\0';
    }
    return out;
  };
  WriteWholeFile(tmp / "src/etc/chrony.conf", utf16("server 192.0.2.10 iburst\n", false, true));
  WriteWholeFile(tmp / "src/etc/ntp.conf", utf16("server 192.0.2.10 iburst\n", true, true));
  WriteWholeFile(tmp / "src/etc/chrony/chrony.conf",
                 utf16("pool ntp-old.corp.example.net iburst\n", false, false));
  // Decoys: binary heads that name a target; each is skipped in both places.
  static constexpr char kElf[] =
      "\x7f"
      "ELF\0\0server 192.0.2.10\n";
  static constexpr char kControlUnit[] = "s\0e\0r\0v\0e\0r\0 \0\x01\0";
  WriteWholeFile(tmp / "src/bin/tool", std::string(kElf, sizeof kElf - 1));
  WriteWholeFile(tmp / "src/etc/odd.conf", std::string(kControlUnit, sizeof kControlUnit - 1) +
                                               utf16(" 192.0.2.10 iburst\n", false, false));
  REQUIRE(std::system(("tar -cf '" + tmp / "t.tar" + "' -C '" + tmp / "src" +
                       "' etc bin && gzip -k '" + tmp / "t.tar" + "'")
                          .c_str()) == 0);
  std::vector<Row> on_disk = RowsOf(ScanJson(tmp / "src", {"."}));
  REQUIRE(on_disk.size() == 3);
  for (std::string archive : {"t.tar", "t.tar.gz"}) {
    INFO(archive);
    std::vector<Row> want = on_disk;
    for (Row& r : want) r.file = archive + "!" + r.file;
    Json doc = ScanJson(tmp.path(), {archive});
    CHECK(doc.at("notices").empty());
    RequireSameRows(want, RowsOf(doc));
    CHECK(doc.at("stats").value("binary_skipped", 0) == 2);
  }
}

TEST_CASE("e2e: a FIFO given as the operand itself is refused, not opened", "[e2e][walk]") {
  TempDir tmp;
  REQUIRE(mkfifo((tmp / "pipe").c_str(), 0600) == 0);
  RunResult r = RunNtpsweep(Concat(Concat({"scan"}, kHostArgs), {"--format", "json", "pipe"}),
                            RunOptions{tmp.path(), {}, false});
  REQUIRE(r.signal == 0);  // finished: it did not block reading the FIFO
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("pipe") != std::string::npos);
}

TEST_CASE("e2e: a looping or dangling symbolic link given as the operand is named as such",
          "[e2e][walk]") {
  TempDir tmp;
  REQUIRE(symlink("loop-b", (tmp / "loop-a").c_str()) == 0);
  REQUIRE(symlink("loop-a", (tmp / "loop-b").c_str()) == 0);
  REQUIRE(symlink("self", (tmp / "self").c_str()) == 0);
  REQUIRE(symlink("gone/ntp.conf", (tmp / "dangling").c_str()) == 0);
  WriteWholeFile(tmp / "ntp.conf", "server 192.0.2.10 iburst\n");  // read beside them
  WriteWholeFile(tmp / "link/.keep", "");
  REQUIRE(symlink("../ntp.conf", (tmp / "link/ntp.conf").c_str()) == 0);  // a link that resolves
  RunResult raw;
  Json doc =
      ScanJson(tmp.path(), {"loop-a", "self", "dangling", "link/ntp.conf", "ntp.conf"}, 2, &raw);
  INFO(raw.err);
  RequireSameRows({{"link/ntp.conf", 1, "ntp-conf-source", kActive, kErr, "192.0.2.10"},
                   {"ntp.conf", 1, "ntp-conf-source", kActive, kErr, "192.0.2.10"}},
                  RowsOf(doc));
  std::map<std::string, std::string> said;
  for (const Json& n : doc.at("notices")) {
    CHECK(n.at("id") == "unsupported-input");
    said[n.at("location").get<std::string>()] = n.at("message").get<std::string>();
  }
  CHECK(said ==
        std::map<std::string, std::string>{
            {"dangling", "dangling: a symbolic link to nothing: what it names does not exist"},
            {"loop-a", "loop-a: a symbolic link in a loop of links: it leads to no file"},
            {"self", "self: a symbolic link in a loop of links: it leads to no file"}});
}

TEST_CASE("e2e: output is byte-for-byte deterministic across worker counts", "[e2e]") {
  for (const char* format : {"json", "sarif"}) {
    INFO("format " << format);
    std::vector<std::string> base = Concat(Concat({"scan"}, kHostArgs), {"--format", format});
    RunResult one = RunNtpsweep(Concat(base, {"-j", "1", "."}), RunOptions{kFixtures, {}, false});
    RunResult two = RunNtpsweep(Concat(base, {"-j", "2", "."}), RunOptions{kFixtures, {}, false});
    RunResult again = RunNtpsweep(Concat(base, {"-j", "2", "."}), RunOptions{kFixtures, {}, false});
    REQUIRE(one.exit_code == 1);
    REQUIRE(two.exit_code == 1);
    REQUIRE(!one.out.empty());
    CHECK(one.out == two.out);
    CHECK(two.out == again.out);
  }
}

TEST_CASE("e2e: --exclude, --disable-rule and --no-builtin-rules shape the result", "[e2e]") {
  SECTION("--exclude a directory glob and a basename glob") {
    Json doc = ScanJson(kFixtures, {"--exclude", "docs/**", "--exclude", "*.network", "."});
    RequireSameRows(Without(ExpectedRows(),
                            [](const Row& r) {
                              return r.file.rfind("docs/", 0) == 0 ||
                                     r.file == "etc/systemd/network/10-eth0.network" ||
                                     r.file == "etc/systemd/network/20-lan.network";
                            }),
                    RowsOf(doc));
  }
  SECTION("--disable-rule drops exactly that rule") {
    Json doc = ScanJson(kFixtures, {"--disable-rule", "text-mention", "--disable-rule",
                                    "ntp-conf-reference", "."});
    RequireSameRows(Without(ExpectedRows(),
                            [](const Row& r) {
                              return r.rule == "text-mention" || r.rule == "ntp-conf-reference";
                            }),
                    RowsOf(doc));
  }
  SECTION("--no-builtin-rules with --rules DIR uses only the given rules") {
    TempDir tmp;
    WriteWholeFile(tmp / "rules/site.yaml", R"(rules:
  - id: site-ntp-hint
    name: SiteNtpHint
    short: a site file names the old server
    full: The site inventory names the old server.
    help: Replace it.
    message: "site file names {host}"
    severity: note
    activity: mention
    files:
      paths: ['**/hosts']
    match:
      text: true
    examples:
      - path: etc/hosts
        text: |
          192.0.2.1 a
          10.0.0.1 b
        match: [2]
)");
    Json doc = ScanJson(kFixtures, {"--no-builtin-rules", "--rules", tmp / "rules", "."}, 0);
    RequireSameRows({{"etc/hosts", 2, "site-ntp-hint", kMention, kNote, "192.0.2.10"},
                     {"etc/hosts", 2, "site-ntp-hint", kMention, kNote, "ntp-old.corp.example.net"},
                     {"etc/hosts", 4, "site-ntp-hint", kCommented, kNote, "2001:db8::123"},
                     {"etc/hosts", 4, "site-ntp-hint", kCommented, kNote, "ntp-old.corp.example.net"}},
                    RowsOf(doc));
  }
}

TEST_CASE("e2e: --config supplies hosts, excludes and fail-on", "[e2e]") {
  TempDir tmp;
  WriteWholeFile(tmp / "ntpsweep.yaml", R"(hosts:
  - 192.0.2.10
  - 2001:db8::123
  - ntp-old.corp.example.net
  - 198.51.100.0/28
exclude:
  - "usr/**"
fail-on: error
)");
  RunResult r = RunNtpsweep({"scan", "--config", tmp / "ntpsweep.yaml", "--format", "json", "."},
                            RunOptions{kFixtures, {}, false});
  INFO(r.err);
  REQUIRE(r.exit_code == 1);  // there are errors
  RequireSameRows(Without(ExpectedRows(), [](const Row& r) { return r.file.rfind("usr/", 0) == 0; }),
                  RowsOf(Json::parse(r.out)));
}

TEST_CASE("e2e: an unreadable file is a notice, not fatal", "[e2e][walk]") {
  TempDir tmp;
  const std::string root = tmp / "tree";
  WriteWholeFile(root + "/etc/chrony/chrony.conf", "pool 2.debian.pool.ntp.org iburst\n");
  WriteWholeFile(root + "/etc/ntp/secret.conf", "server 192.0.2.10 iburst\n");
  const std::string secret = root + "/etc/ntp/secret.conf";
  REQUIRE(chmod(secret.c_str(), 0) == 0);
  for (const std::string& d : {tmp.path(), root, root + "/etc", root + "/etc/chrony", root + "/etc/ntp"})
    REQUIRE(chmod(d.c_str(), 0755) == 0);
  REQUIRE(chmod((root + "/etc/chrony/chrony.conf").c_str(), 0644) == 0);

  RunOptions options{root, {}, false};
  int probe = open(secret.c_str(), O_RDONLY);
  if (probe >= 0) {
    close(probe);
    // Root reads mode-000 files. Run the scan as `nobody` instead, so the file really is
    // unreadable to the scanner.
    options.run_as_uid = 65534;
  }
  // uid 65534 may not reach the build tree (a checkout in a mode-700 folder): run a copy from tmp.
  std::string binary = kBinary;
  if (options.run_as_uid >= 0) {
    binary = tmp / "ntpsweep";
    std::filesystem::copy_file(kBinary, binary);
    REQUIRE(chmod(binary.c_str(), 0755) == 0);
  }
  RunResult r = RunCommand(Concat(Concat({binary, "scan"}, kHostArgs), {"--format", "json", "."}), options);
  if (r.privilege_drop_failed) {
    WARN("running as root and cannot switch to uid 65534: the chmod-000 file is readable, so "
         "the unreadable-file assertions are skipped");
    return;
  }
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.signal == 0);
  CHECK(r.exit_code == 0);  // a notice is not a finding and not an input error
  Json doc = Json::parse(r.out);
  CHECK(doc.at("findings").empty());
  REQUIRE(doc.at("notices").size() == 1);
  const Json& n = doc.at("notices")[0];
  CHECK(n.at("id") == "unreadable-entry");
  CHECK(n.at("level") == "warning");
  CHECK(n.at("location") == "etc/ntp/secret.conf");
  CHECK(n.at("message").get<std::string>().find("etc/ntp/secret.conf") != std::string::npos);
  CHECK(doc.at("stats").at("entries") == 1);  // chrony.conf was still scanned
}

TEST_CASE("e2e: an operand that exists but cannot be opened is an input error", "[e2e][walk]") {
  // Inside a walk an unreadable entry is a notice; a file or directory named on the command line
  // that cannot be opened is exit 2, as one that does not exist (a gate must not pass on it).
  TempDir tmp;
  const std::string root = tmp / "tree";
  WriteWholeFile(root + "/ok/chrony.conf", "server 192.0.2.10 iburst\nserver 192.0.2.100\n");
  WriteWholeFile(root + "/locked/chrony.conf", "server 192.0.2.10 iburst\n");
  WriteWholeFile(root + "/secret.conf", "server 192.0.2.10 iburst\n");
  for (const std::string& d : {tmp.path(), root, root + "/ok", root + "/locked"})
    REQUIRE(chmod(d.c_str(), 0755) == 0);
  REQUIRE(chmod((root + "/ok/chrony.conf").c_str(), 0644) == 0);
  REQUIRE(chmod((root + "/locked/chrony.conf").c_str(), 0644) == 0);
  REQUIRE(chmod((root + "/secret.conf").c_str(), 0) == 0);
  REQUIRE(chmod((root + "/locked").c_str(), 0) == 0);

  RunOptions options{root, {}, false};
  std::string binary = kBinary;
  if (int probe = open((root + "/secret.conf").c_str(), O_RDONLY); probe >= 0) {
    close(probe);
    options.run_as_uid = 65534;  // root reads mode-000 files: scan as `nobody`
    binary = tmp / "ntpsweep";
    std::filesystem::copy_file(kBinary, binary);
    REQUIRE(chmod(binary.c_str(), 0755) == 0);
  }
  RunResult r = RunCommand(Concat(Concat({binary, "scan"}, kHostArgs),
                                  {"--format", "json", "ok", "locked", "secret.conf"}),
                           options);
  chmod((root + "/locked").c_str(), 0755);  // let TempDir remove it
  if (r.privilege_drop_failed) {
    WARN("running as root and cannot switch to uid 65534: the assertions are skipped");
    return;
  }
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.signal == 0);
  CHECK(r.exit_code == 2);
  Json doc = Json::parse(r.out);
  // The readable operand is still scanned: its reference, not the longer decoy address.
  REQUIRE(doc.at("findings").size() == 1);
  CHECK(doc.at("findings")[0].at("location") == "ok/chrony.conf");
  CHECK(doc.at("findings")[0].at("line") == 1);
  std::set<std::pair<std::string, std::string>> notices;
  for (const Json& n : doc.at("notices"))
    if (n.at("level") == "error") notices.emplace(n.at("id"), n.at("location"));
  CHECK(notices == std::set<std::pair<std::string, std::string>>{
                       {"unreadable-input", "locked"}, {"unreadable-input", "secret.conf"}});
}

TEST_CASE("e2e: host matching precision with the issue's own examples", "[e2e][precision]") {
  TempDir tmp;
  WriteWholeFile(tmp / "etc/ntp.conf",
                 "server 10.0.0.1 iburst\n"                 // 1  exact
                 "server 10.0.0.10 iburst\n"                // 2  longer address
                 "server 110.0.0.1 iburst\n"                // 3  longer address
                 "server 10.0.0.1.5 iburst\n"               // 4  not an address
                 "server ntp1.corp.example.com iburst\n"    // 5  exact name
                 "server ntp1.corp.example.com.au iburst\n" // 6  other domain
                 "server xntp1.corp.example.com iburst\n"   // 7  other label
                 "server [FD00:0:0::123]:123 iburst\n"      // 8  IPv6 by value, bracketed, port
                 "server 012.0.0.1 iburst\n"                // 9  octal 012 = 10
                 "server 10.0.0.010 iburst\n"               // 10 octal 010 = 8: 10.0.0.8
                 "server ntp1 iburst\n"                     // 11 short name, host position
                 "server 192.168.10.77 iburst\n"            // 12 in 192.168.10.0/24
                 "server 192.168.100.1 iburst\n"            // 13 outside
                 "server 2001:db8:10:ff::1 iburst\n"        // 14 in 2001:db8:10::/48
                 "server 2001:db8:11::1 iburst\n"           // 15 outside
                 "server NTP1.Corp.Example.COM. iburst\n"); // 16 case and trailing dot
  WriteWholeFile(tmp / "scripts/check.sh",
                 "ping -c1 10.0.0.1\n"                                             // 1
                 "curl http://10.0.0.10/ 110.0.0.1 10.0.0.1.5\n"                   // 2
                 "host ntp1.corp.example.com.au xntp1.corp.example.com\n"          // 3
                 "ping [FD00:0:0::123]:123\n"                                      // 4
                 "echo 012.0.0.1 10.0.0.010 is not 10.0.0.1 in free text\n"        // 5
                 "ssh ntp1 date\n"                                                 // 6
                 "echo 192.168.10.77 192.168.100.1 2001:db8:10:ff::1 2001:db8:11::1\n");  // 7
  WriteWholeFile(tmp / "etc/nginx/nginx.conf", "upstream time {\n    server 10.0.0.1:80;\n}\n");
  // Free-text spellings (README "Telling ntpsweep what the old server looks like").
  WriteWholeFile(tmp / "docs/notes.txt",
                 "a 10.0.0.1/32 b\n"                      // 1  prefix length
                 "a [10.0.0.1] b\n"                       // 2  brackets
                 "a \"10.0.0.1\", b\n"                    // 3  quoted, comma
                 "a ::ffff:10.0.0.1 b\n"                  // 4  IPv4-mapped IPv6
                 "a fd00:0000::0123 b\n"                  // 5  IPv6 with leading zeros
                 "a fd00::123%eth0 b\n"                   // 6  zone
                 "a https://ntp1.corp.example.com/ b\n"   // 7  URL
                 "a ntp1.corp.example.com:4460 b\n"       // 8  host:port
                 "a 1.10.0.0.1 b\n"                       // 9  version-like, not an address
                 "a v10.0.0.1 b\n"                        // 10 glued to a word
                 "a fd00::123:5 b\n"                      // 11 longer IPv6
                 "a a.ntp1.corp.example.com b\n"          // 12 subdomain
                 "a 10.0.0.1:123 b\n"                     // 13 address:port
                 "a fd00::1234 b\n"                       // 14 longer group
                 "a ntp1.corp.example.community b\n"      // 15 longer label
                 "a 10.0.0.1. b\n"                        // 16 end of sentence
                 "a 10.0.0.1.nip.io b\n");                // 17 a name, not the address

  RunResult r = RunNtpsweep({"scan", "--host", "10.0.0.1", "--host", "ntp1.corp.example.com",
                             "--host", "fd00::123", "--host", "192.168.10.0/24", "--host",
                             "2001:db8:10::/48", "--format", "json", "."},
                            RunOptions{tmp.path(), {}, false});
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  RequireSameRows(
      {
          {"etc/ntp.conf", 1, "ntp-conf-source", kActive, kErr, "10.0.0.1"},
          {"etc/ntp.conf", 5, "ntp-conf-source", kActive, kErr, "ntp1.corp.example.com"},
          {"etc/ntp.conf", 8, "ntp-conf-source", kActive, kErr, "FD00:0:0::123"},
          {"etc/ntp.conf", 9, "ntp-conf-source", kActive, kErr, "012.0.0.1"},
          {"etc/ntp.conf", 11, "ntp-conf-source", kActive, kWarn, "ntp1"},
          {"etc/ntp.conf", 12, "ntp-conf-source", kActive, kErr, "192.168.10.77"},
          {"etc/ntp.conf", 14, "ntp-conf-source", kActive, kErr, "2001:db8:10:ff::1"},
          {"etc/ntp.conf", 16, "ntp-conf-source", kActive, kErr, "NTP1.Corp.Example.COM."},
          {"scripts/check.sh", 1, "text-mention", kMention, kWarn, "10.0.0.1"},
          {"scripts/check.sh", 4, "text-mention", kMention, kWarn, "FD00:0:0::123"},
          {"scripts/check.sh", 5, "text-mention", kMention, kWarn, "10.0.0.1"},
          {"scripts/check.sh", 7, "text-mention", kMention, kWarn, "192.168.10.77"},
          {"scripts/check.sh", 7, "text-mention", kMention, kWarn, "2001:db8:10:ff::1"},
          {"etc/nginx/nginx.conf", 2, "text-mention", kMention, kWarn, "10.0.0.1"},
          {"docs/notes.txt", 1, "text-mention", kMention, kWarn, "10.0.0.1"},
          {"docs/notes.txt", 2, "text-mention", kMention, kWarn, "10.0.0.1"},
          {"docs/notes.txt", 3, "text-mention", kMention, kWarn, "10.0.0.1"},
          {"docs/notes.txt", 4, "text-mention", kMention, kWarn, "::ffff:10.0.0.1"},
          {"docs/notes.txt", 5, "text-mention", kMention, kWarn, "fd00:0000::0123"},
          {"docs/notes.txt", 6, "text-mention", kMention, kWarn, "fd00::123"},
          {"docs/notes.txt", 7, "text-mention", kMention, kWarn, "ntp1.corp.example.com"},
          {"docs/notes.txt", 8, "text-mention", kMention, kWarn, "ntp1.corp.example.com"},
          {"docs/notes.txt", 13, "text-mention", kMention, kWarn, "10.0.0.1"},
          {"docs/notes.txt", 16, "text-mention", kMention, kWarn, "10.0.0.1"},
      },
      RowsOf(Json::parse(r.out)));
  // Line 5 of the script has exactly one mention: the literal 10.0.0.1, not the octal forms.
  const Json report = Json::parse(r.out);  // a range over a temporary's member would dangle
  for (const Json& f : report.at("findings"))
    if (f.at("location") == "scripts/check.sh" && f.at("line") == 5) CHECK(f.at("column") == 34);
}

TEST_CASE("e2e: an escaped spelling is found and says so in text, JSON and SARIF",
          "[e2e][escaped]") {
  TempDir tmp;
  WriteWholeFile(tmp / "fix.yml",
                 "- ansible.builtin.lineinfile:\n"
                 "    regexp: '^server 169\\.254\\.169\\.123 '\n"
                 "    line: 'server 169.254.169.12 iburst'\n"
                 "    insertafter: '^server 169\\.254\\.169\\.1230'\n");
  auto run = [&](const char* format) {
    RunResult r = RunNtpsweep({"scan", "--host", "169.254.169.123", "--format", format, "fix.yml"},
                              RunOptions{tmp.path(), {}, false});
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    return r.out;
  };
  Json doc = Json::parse(run("json"));
  REQUIRE(doc.at("findings").size() == 1);
  const Json& f = doc.at("findings")[0];
  CHECK(f.at("line") == 2);
  CHECK(f.at("column") == 22);
  CHECK(f.at("end_column") == 40);  // 18 characters as written
  CHECK(f.at("matched") == "169\\.254\\.169\\.123");
  CHECK(f.at("spelling") == "escaped");
  CHECK(f.at("message").get<std::string>().find("escaped spelling") != std::string::npos);
  Json sarif = Json::parse(run("sarif"));
  const Json& result = sarif.at("runs")[0].at("results")[0];
  CHECK(result.at("properties").at("spelling") == "escaped");
  CHECK(result.at("locations")[0].at("physicalLocation").at("region").at("startColumn") == 22);
  CHECK(run("text").find("escaped spelling") != std::string::npos);
  // A plain spelling carries no such property.
  WriteWholeFile(tmp / "fix.yml", "ntp: 169.254.169.123\n");
  Json plain = Json::parse(run("json"));
  REQUIRE(plain.at("findings").size() >= 1);
  for (const Json& p : plain.at("findings")) CHECK_FALSE(p.contains("spelling"));
}
