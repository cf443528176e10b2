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
  CHECK(Lines(r.out) == std::vector<std::string>{
      "::warning file=docs/archive/2019-notes.txt,line=1,col=35,endLine=1,endColumn=45,"
      "title=text-mention::mentions the old time server 192.0.2.10 [mention]",
      "::error file=etc/chrony/chrony.conf,line=4,col=8,endLine=4,endColumn=18,"
      "title=chrony-source::chrony `server` uses the old time server 192.0.2.10 as a time source [active]",
      "::error file=etc/ntp.conf,line=3,col=8,endLine=3,endColumn=18,"
      "title=ntp-conf-source::ntp.conf `server` uses the old time server 192.0.2.10 as a time source [active]",
      "::warning file=etc/ntp.conf,line=7,col=10,endLine=7,endColumn=20,"
      "title=ntp-conf-reference::ntp.conf `restrict` names the old time server 192.0.2.10 [reference]",
      "::warning file=scripts/sync-time.sh,line=3,col=18,endLine=3,endColumn=28,"
      "title=text-mention::mentions the old time server 192.0.2.10 [mention]",
      "::warning file=src/clock.c,line=4,col=30,endLine=4,endColumn=40,"
      "title=text-mention::mentions the old time server 192.0.2.10 [mention]",
      "::warning file=.ntpsweepignore,line=3,title=ntpsweep expired-suppression::.ntpsweepignore:3: "
      "the ignore entry 'docs/archive/**' expired on 2020-01-01 and no longer suppresses (the archive "
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
  r = Scan(tmp.path(), {"--format", "github", "--baseline", tmp / "base.json"}, 1);
  CHECK(r.out.find("::notice file=ntp.conf.bak,line=1,col=8,endLine=1,endColumn=18,"
                   "title=ntp-conf-source (unchanged)::") != std::string::npos);
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
