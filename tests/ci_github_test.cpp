// CI formats: --format github (workflow commands that become pull-request annotations) and
// --summary (Markdown for $GITHUB_STEP_SUMMARY).
#include <catch2/catch.hpp>
#include <sstream>

#include "ci_util.h"
#include "report/report.h"

namespace {

using namespace ntpsweep::testing;
using namespace ntpsweep::testing::ci;

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

}  // namespace

TEST_CASE("ci github: one workflow command per open finding and notice", "[ci][github]") {
  RunResult r = Scan(kRepoFixture, {"--format", "github"}, 1);
  // Most severe first, then in report order; notices after the findings.
  CHECK(Lines(r.out) ==
        std::vector<std::string>{
            "::error file=etc/chrony/chrony.conf,line=4,col=8,endLine=4,endColumn=18,"
            "title=chrony-source::chrony `server` uses the old time server 192.0.2.10 as a time "
            "source [active]",
            "::error file=etc/ntp.conf,line=3,col=8,endLine=3,endColumn=18,"
            "title=ntp-conf-source::ntp.conf `server` uses the old time server 192.0.2.10 as a "
            "time source [active]",
            "::warning file=docs/archive/2019-notes.txt,line=1,col=35,endLine=1,endColumn=45,"
            "title=text-mention::mentions the old time server 192.0.2.10 [mention]",
            "::warning file=etc/ntp.conf,line=7,col=10,endLine=7,endColumn=20,"
            "title=ntp-conf-reference::ntp.conf `restrict` names the old time server 192.0.2.10 "
            "[reference]",
            "::warning file=scripts/sync-time.sh,line=3,col=18,endLine=3,endColumn=28,"
            "title=text-mention::mentions the old time server 192.0.2.10 [mention]",
            "::warning file=src/clock.c,line=4,col=30,endLine=4,endColumn=40,"
            "title=text-mention::mentions the old time server 192.0.2.10 [mention]",
            "::warning file=.ntpsweepignore,line=3,title=ntpsweep "
            "expired-suppression::.ntpsweepignore:3: "
            "the ignore entry 'docs/archive/**' expired on 2020-01-01 and no longer suppresses "
            "(the archive "
            "was to be deleted by 2020)",
        });
}

TEST_CASE("ci github: properties and data are escaped", "[ci][github]") {
  TempDir tmp;
  // A file name with ',' and ':' (property separators), a line with '%'.
  WriteWholeFile(tmp / "a,b:c.txt", "100% sure: 192.0.2.10\n");
  RunResult r = Scan(tmp.path(), {"--format", "github", "--baseline", "/dev/null"}, 2);
  CHECK(r.err.find("/dev/null") != std::string::npos);  // not a report: input error
  r = Scan(tmp.path(), {"--format", "github"}, 1);
  CHECK(r.out == "::warning file=a%2Cb%3Ac.txt,line=1,col=12,endLine=1,endColumn=22,"
                 "title=text-mention::mentions the old time server 192.0.2.10 [mention]\n");
  // Notes become ::notice; baseline state goes in the title.
  WriteWholeFile(tmp / "ntp.conf.bak", "server 192.0.2.10\n");
  Scan(tmp.path(), {"--format", "json", "-o", tmp / "base.json"}, 1);
  r = Scan(tmp.path(), {"--format", "github", "--baseline", tmp / "base.json", "--annotate", "all"},
           1);
  CHECK(r.out.find("::notice file=ntp.conf.bak,line=1,col=8,endLine=1,endColumn=18,"
                   "title=ntp-conf-source (unchanged)::") != std::string::npos);
}

TEST_CASE("ci github: a file on disk is named as in the repository, '!' and all", "[ci][github]") {
  TempDir tmp;
  // Decoys: a plain name, and an archive member whose chain keeps the `!` grammar.
  WriteWholeFile(tmp / "release!1/ntp.conf", "server 192.0.2.10\n");
  WriteWholeFile(tmp / "plain/ntp.conf", "server 192.0.2.10\n");
  WriteWholeFile(tmp / "src/ntp.conf", "server 192.0.2.10\n");
  REQUIRE(Sh("cd " + Quote(tmp.path()) + " && tar -cf bundle.tar -C src ntp.conf && rm -r src")
              .status == 0);
  RunResult r = Scan(tmp.path(), {"--format", "github"}, 1);
  CHECK(r.out.find("::error file=release!1/ntp.conf,line=1,col=8,") != std::string::npos);
  CHECK(r.out.find("::error file=plain/ntp.conf,line=1,col=8,") != std::string::npos);
  CHECK(r.out.find("::error file=bundle.tar!ntp.conf,line=1,col=8,") != std::string::npos);
  CHECK(r.out.find("!!") == std::string::npos);
}

TEST_CASE("ci github: the Markdown summary", "[ci][github]") {
  TempDir tmp;
  CopyTree(kRepoFixture, tmp / "repo");
  const std::string summary = tmp / "summary.md";
  WriteWholeFile(summary, "previous step\n");
  Scan(tmp / "repo", {"--format", "sarif", "-o", tmp / "base.sarif"}, 1);
  WriteWholeFile(tmp / "repo/etc/ntp.conf", ReadWholeFile(tmp / "repo/etc/ntp.conf") + "peer 192.0.2.10\n");
  Scan(tmp / "repo", {"--summary", summary, "--baseline", tmp / "base.sarif", "-o", tmp / "out.txt"}, 1);
  std::string md = ReadWholeFile(summary);
  INFO(md);
  CHECK(md.rfind("previous step\n## ntpsweep: 7 references to the old time server\n", 0) == 0);
  CHECK(md.find("| errors | warnings | notes | suppressed | new | unchanged | updated | absent |") != std::string::npos);
  CHECK(md.find("| 3 | 4 | 0 | 9 | 1 | 6 | 0 | 0 |") != std::string::npos);
  CHECK(md.find("| `ntp-conf-source` | 2 | 0 | 0 | 2 |") != std::string::npos);
  CHECK(md.find("| `text-mention` | 0 | 3 | 0 | 3 |") != std::string::npos);
  CHECK(md.find("| mention | 3 |") != std::string::npos);
  CHECK(md.find("| `etc/ntp.conf` | 3 |") != std::string::npos);
  CHECK(md.find("### New since the baseline\n\n- `etc/ntp.conf:8` ntp.conf 'peer' uses the old time server 192.0.2.10 as a time source (`ntp-conf-source`)") != std::string::npos);
}

namespace {

// Each line cut at its first ',' (the command and file) or, for the closing count, kept whole.
std::vector<std::string> Heads(const std::string& out) {
  std::vector<std::string> heads;
  for (const std::string& l : Lines(out)) {
    size_t title = l.find(",title=");
    std::string state;
    if (title != std::string::npos) state = l.substr(title, l.find("::", title) - title);
    heads.push_back(l.starts_with("::notice title=ntpsweep::") ? l
                                                               : l.substr(0, l.find(',')) + state);
  }
  return heads;
}

}  // namespace

TEST_CASE("ci github: new findings first, most severe first, within GitHub's limits",
          "[ci][github]") {
  TempDir tmp;
  WriteWholeFile(tmp / "a/ntp.conf", "server 192.0.2.10\n");  // error, accepted
  WriteWholeFile(tmp / "docs/a.md", "Was 192.0.2.10.\n");     // warning, accepted
  const std::string base = tmp / "base.json";  // in the tree: the baseline in use is never scanned
  Scan(tmp.path(), {"--format", "json", "-o", base}, 1);
  for (int i = 1; i <= 12; ++i) {
    char dir[16];
    std::snprintf(dir, sizeof dir, "e%02d", i);
    WriteWholeFile(tmp / (std::string(dir) + "/ntp.conf"), "server 192.0.2.10\n");  // new errors
  }
  WriteWholeFile(tmp / "docs/b.md", "Now 192.0.2.10.\n");           // a new warning
  WriteWholeFile(tmp / "old/ntp.conf.bak", "server 192.0.2.10\n");  // a new note

  std::vector<std::string> want;
  for (int i = 1; i <= 10; ++i) {
    char line[64];
    std::snprintf(line, sizeof line, "::error file=e%02d/ntp.conf,title=ntp-conf-source (new)", i);
    want.push_back(line);
  }
  want.push_back("::warning file=docs/b.md,title=text-mention (new)");
  want.push_back("::notice file=old/ntp.conf.bak,title=ntp-conf-source (new)");
  want.push_back(
      "::notice title=ntpsweep::Not annotated here: 2 findings already in the baseline "
      "(--annotate all shows them); 2 findings beyond GitHub's 10 annotations per level "
      "and step. The job summary and the SARIF report list them all.");
  RunResult r = Scan(tmp.path(), {"--format", "github", "--baseline", base}, 1);
  CHECK(Heads(r.out) == want);

  // --annotate all: the accepted ones come after every new one.
  want.erase(want.begin() + 11, want.end());
  want.push_back("::notice file=old/ntp.conf.bak,title=ntp-conf-source (new)");
  want.push_back("::warning file=docs/a.md,title=text-mention (unchanged)");
  want.push_back(
      "::notice title=ntpsweep::Not annotated here: 3 findings beyond GitHub's 10 "
      "annotations per level and step. The job summary and the SARIF report list them all.");
  r = Scan(tmp.path(), {"--format", "github", "--baseline", base, "--annotate", "all"}, 1);
  CHECK(Heads(r.out) == want);
}
