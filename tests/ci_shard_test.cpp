// Many machines: --shard K/N splits one scan deterministically (the union of the shards is the
// unsharded scan); SARIF versionControlProvenance from git; --changed-since limits a scan to
// the files a change touched (and the files they include, install or source).
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>

#include "ci_util.h"
#include "scan/shard.h"
#include "scan/vcs.h"

namespace {

using namespace ntpsweep::testing;
using namespace ntpsweep::testing::ci;
using Json = nlohmann::json;
namespace scan = ntpsweep::scan;

const std::vector<std::string> kE2eHosts = {"--host", "192.0.2.10", "--host", "2001:db8::123",
                                            "--host", "ntp-old.corp.example.net", "--host",
                                            "198.51.100.0/28"};

std::multiset<std::string> Keys(const Json& doc) {
  std::multiset<std::string> out;
  for (const Json& f : doc.at("findings"))
    out.insert(f.at("location").get<std::string>() + ":" + std::to_string(f.at("line").get<int>()) +
               ":" + std::to_string(f.at("column").get<int>()) + " " + f.at("rule").get<std::string>() +
               " " + f.at("fingerprint").get<std::string>() + " " + f.value("baseline_state", ""));
  return out;
}

Json ScanTree(const std::string& dir, const std::vector<std::string>& hosts,
              const std::vector<std::string>& extra) {
  RunResult r = RunNtpsweep(Join(Join(Join({"scan", "--format", "json"}, hosts), extra), {"."}),
                            RunOptions{dir, {{"NTPSWEEP_TODAY", "2026-06-01"}}, false});
  INFO(r.err);
  REQUIRE(r.exit_code <= 1);
  return Json::parse(r.out);
}

}  // namespace

TEST_CASE("shard: K/N parsing and a stable hash", "[ci][shard]") {
  scan::ShardSpec s;
  std::string error;
  CHECK(scan::ParseShard("2/4", &s, &error));
  CHECK((s.index == 2 && s.count == 4));
  for (const char* bad : {"0/4", "5/4", "1/0", "1", "a/b", "1/2/3", "-1/2", " 1/2"}) {
    INFO(bad);
    CHECK_FALSE(scan::ParseShard(bad, &s, &error));
  }
  // FNV-1a 64 of the path, mod N: fixed values, so workers on any machine agree.
  CHECK(scan::ShardOf("etc/ntp.conf", 1) == 0);
  CHECK(scan::ShardOf("etc/ntp.conf", 7) == scan::ShardOf("etc/ntp.conf", 7));
  std::set<unsigned> used;
  for (int i = 0; i < 64; ++i) used.insert(scan::ShardOf("file-" + std::to_string(i), 4));
  CHECK(used.size() == 4);
  RunResult r = RunNtpsweep({"scan", "--host", "192.0.2.10", "--shard", "3/2", "."});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--shard: '3/2' is not K/N") != std::string::npos);
}

TEST_CASE("shard: the union of the shards equals the unsharded scan", "[ci][shard][e2e]") {
  struct Tree {
    std::string dir;
    std::vector<std::string> hosts;
  };
  for (const Tree& t : {Tree{kRepoFixture, kHosts}, Tree{kSourceDir + "/fixtures/e2e", kE2eHosts}}) {
    INFO(t.dir);
    Json whole = ScanTree(t.dir, t.hosts, {"--include-suppressed"});
    REQUIRE_FALSE(whole.at("findings").empty());
    for (unsigned n : {2u, 3u, 5u}) {
      std::multiset<std::string> uni;
      size_t entries = 0;
      for (unsigned k = 1; k <= n; ++k) {
        Json part = ScanTree(t.dir, t.hosts,
                             {"--include-suppressed", "--shard", std::to_string(k) + "/" + std::to_string(n)});
        for (const std::string& key : Keys(part)) uni.insert(key);
        entries += part.at("stats").at("entries").get<size_t>();
      }
      CHECK(uni == Keys(whole));
      CHECK(entries == whole.at("stats").at("entries").get<size_t>());
    }
  }
}

TEST_CASE("vcs: remote URLs are normalised without credentials", "[ci][vcs]") {
  CHECK(scan::NormalizeRemoteUrl("git@github.com:org/repo.git") == "https://github.com/org/repo");
  CHECK(scan::NormalizeRemoteUrl("https://x-access-token:secret@github.com/org/repo.git") ==
        "https://github.com/org/repo");
  CHECK(scan::NormalizeRemoteUrl("ssh://git@git.example.com:2222/team/repo") ==
        "https://git.example.com/team/repo");
  CHECK(scan::NormalizeRemoteUrl("https://github.com/org/repo/") == "https://github.com/org/repo");
  CHECK(scan::NormalizeRemoteUrl("/srv/git/repo.git") == "");
  CHECK(scan::NormalizeRemoteUrl("../repo") == "");
}

TEST_CASE("vcs: SARIF versionControlProvenance in a git work tree only", "[ci][vcs][sarif]") {
  TempDir tmp;
  const std::string repo = tmp / "repo";
  CopyTree(kRepoFixture, repo);
  // Outside a git work tree: no provenance.
  Scan(repo, {"--format", "sarif", "-o", tmp / "plain.sarif"}, 1);
  CHECK_FALSE(Json::parse(ReadWholeFile(tmp / "plain.sarif"))["runs"][0].contains("versionControlProvenance"));
  GitInitAndCommit(repo);
  REQUIRE(Sh("git -C " + Quote(repo) + " remote add origin https://token:t@github.com/org/infra.git").status == 0);
  std::string head = Sh("git -C " + Quote(repo) + " rev-parse HEAD").output;
  head.resize(40);
  Scan(repo, {"--format", "sarif", "-o", tmp / "git.sarif"}, 1);
  Json run = Json::parse(ReadWholeFile(tmp / "git.sarif"))["runs"][0];
  REQUIRE(run.contains("versionControlProvenance"));
  CHECK(run["versionControlProvenance"] ==
        Json::array({{{"repositoryUri", "https://github.com/org/infra"},
                      {"revisionId", head},
                      {"branch", "main"},
                      {"mappedTo", {{"uriBaseId", "%SRCROOT%"}}}}}));
  Shell v = ValidateSarif(tmp / "git.sarif");
  INFO(v.output);
  CHECK(v.status == 0);
  // With a scan root below the work tree's root, URIs are not repo-relative: no provenance
  // (it would map the repository to the wrong directory).
  Scan(repo + "/etc", {"--format", "sarif", "-o", tmp / "sub.sarif"}, 1);
  CHECK_FALSE(Json::parse(ReadWholeFile(tmp / "sub.sarif"))["runs"][0].contains("versionControlProvenance"));
  Scan(repo, {"--format", "sarif", "-o", tmp / "root.sarif", "etc"}, 1);
  CHECK(Json::parse(ReadWholeFile(tmp / "root.sarif"))["runs"][0].contains("versionControlProvenance"));
}

TEST_CASE("vcs: git runs for SARIF provenance only where a repository may be", "[ci][vcs][sarif]") {
  TempDir tmp;
  // A `git` first in PATH that notes each call and runs the real one.
  std::string real_git = Sh("command -v git").output;
  while (!real_git.empty() && real_git.back() == '\n') real_git.pop_back();
  REQUIRE_FALSE(real_git.empty());
  const std::string calls = tmp / "git-calls";
  WriteWholeFile(tmp / "bin/git", "#!/bin/sh\necho \"$PWD $*\" >>" + Quote(calls) + "\nexec " +
                                      Quote(real_git) + " \"$@\"\n");
  REQUIRE(chmod((tmp / "bin/git").c_str(), 0755) == 0);
  const char* path = std::getenv("PATH");
  auto sarif = [&](const std::string& dir, std::map<std::string, std::optional<std::string>> env) {
    std::remove(calls.c_str());
    env["PATH"] = tmp / "bin" + ":" + (path ? path : "/usr/bin:/bin");
    if (!env.count("GIT_DIR")) env["GIT_DIR"] = std::nullopt;  // not the test runner's
    RunResult r = RunNtpsweep(Join(Join({"scan", "--format", "sarif"}, kHosts), {"."}),
                              RunOptions{dir, env, false});
    INFO(r.err);
    REQUIRE(r.exit_code == 1);
    return Json::parse(r.out)["runs"][0].contains("versionControlProvenance");
  };
  auto called = [&] { return std::filesystem::exists(calls); };
  // No .git at or above the scan root, only below it (a vendored checkout): git is not run.
  const std::string plain = tmp / "plain";
  CopyTree(kRepoFixture, plain);
  std::filesystem::create_directories(plain + "/vendor/lib/.git");
  CHECK_FALSE(sarif(plain, {}));
  CHECK_FALSE(called());
  // GIT_DIR names a repository: git is asked, as before.
  const std::string other = tmp / "other";
  CopyTree(kRepoFixture, other);
  GitInitAndCommit(other);
  sarif(plain, {{"GIT_DIR", other + "/.git"}});
  CHECK(called());
  // A work tree: git is run and the provenance is there.
  CHECK(sarif(other, {}));
  CHECK(called());
  // A linked work tree has a `.git` file, not a directory: git is run.
  const std::string linked = tmp / "linked";
  REQUIRE(Sh("git -C " + Quote(other) + " worktree add -q " + Quote(linked)).status == 0);
  CHECK(sarif(linked, {}));
  CHECK(called());
}

TEST_CASE("vcs: --changed-since scans changed files and the files they include", "[ci][vcs]") {
  TempDir tmp;
  const std::string repo = tmp / "repo";
  CopyTree(kRepoFixture, repo);
  WriteWholeFile(repo + "/etc/chrony/conf.d/old.conf", "server 192.0.2.10\n");
  GitInitAndCommit(repo);
  // Nothing changed: nothing scanned.
  Json doc = ScanJson(repo, {"--changed-since", "HEAD"}, 0);
  CHECK(doc.at("findings").empty());
  CHECK(doc.at("stats").at("entries") == 0);
  // A changed script, an untracked doc, and chrony.conf now including conf.d: the included
  // file is scanned although it did not change.
  WriteWholeFile(repo + "/scripts/sync-time.sh", ReadWholeFile(repo + "/scripts/sync-time.sh") + "# 192.0.2.10\n");
  WriteWholeFile(repo + "/docs/new.md", "192.0.2.10\n");
  WriteWholeFile(repo + "/etc/chrony/chrony.conf",
                 ReadWholeFile(repo + "/etc/chrony/chrony.conf") + "confdir /etc/chrony/conf.d\n");
  doc = ScanJson(repo, {"--changed-since", "HEAD"}, 1);
  std::set<std::string> files;
  for (const Json& f : doc.at("findings")) files.insert(f.at("location"));
  CHECK(files == std::set<std::string>{"docs/new.md", "etc/chrony/chrony.conf",
                                       "etc/chrony/conf.d/old.conf", "scripts/sync-time.sh"});
  // Errors: not a revision, not a work tree.
  RunResult r = Scan(repo, {"--changed-since", "no-such-rev"}, 2);
  CHECK(r.err.find("does not know the revision 'no-such-rev'") != std::string::npos);
  r = Scan(tmp.path(), {"--changed-since", "HEAD"}, 2);
  CHECK(r.err.find("not inside a git work tree") != std::string::npos);
}

// What a changed file pulls in comes from the facts its reading recorded: a Dockerfile COPY's
// source, a sourced script (and what that one sources), a kickstart %include, an Ansible
// template in its role's templates/. Decoys that name the same files otherwise are not followed.
TEST_CASE("vcs: --changed-since reads what changed files install source or include", "[ci][vcs]") {
  TempDir tmp;
  const std::string repo = tmp / "repo";
  const std::string kServer = "server 192.0.2.10 iburst\n";
  const std::map<std::string, std::string> unchanged = {
      {"docker/files/chrony.conf", kServer},
      {"docker/files/decoy.conf", kServer},      // in the COPY's directory, not named
      {"docker/conf.d/site/ntp.conf", kServer},  // below a directory COPY names
      {"docker/stage.conf", kServer},            // copied from another build stage
      {"scripts/lib/ntp-env.sh", "NTP_SERVER=192.0.2.10\n. ./deeper.sh\n"},
      {"scripts/lib/deeper.sh", "ntpdate 192.0.2.10\n. ./ntp-env.sh\n"},  // a cycle
      {"scripts/lib/echoed.sh", "ntpdate 192.0.2.10\n"},                  // an echo's argument
      {"scripts/lib/commented.sh", "ntpdate 192.0.2.10\n"},               // a commented-out source
      {"ks/parts/ntp.ks", "timesource --ntp-server=192.0.2.10\n"},
      {"roles/ntp/templates/chrony.conf.j2", kServer},
      {"roles/ntp/templates/unused.conf.j2", kServer},
  };
  const std::map<std::string, std::string> changed = {
      {"docker/Dockerfile",
       "FROM debian:12 AS build\nFROM debian:12\nCOPY --from=build stage.conf /etc/\n"
       "COPY files/chrony.conf /etc/chrony/chrony.conf\nCOPY conf.d /etc/chrony/conf.d/\n"},
      {"scripts/run.sh",
       "#!/bin/sh\nsource lib/ntp-env.sh\necho source lib/echoed.sh\n# . lib/commented.sh\n"},
      {"ks/base.ks", "lang en_US\n%include /ks/parts/ntp.ks\n"},
      {"roles/ntp/tasks/main.yml",
       "- name: chrony\n  ansible.builtin.template:\n    src: chrony.conf.j2\n"
       "    dest: /etc/chrony/chrony.conf\n"},
  };
  for (const auto& files : {unchanged, changed})
    for (const auto& [path, text] : files) WriteWholeFile(repo + "/" + path, text);
  GitInitAndCommit(repo);
  Json doc = ScanJson(repo, {"--changed-since", "HEAD"}, 0);
  CHECK(doc.at("findings").empty());
  for (const auto& [path, text] : changed) WriteWholeFile(repo + "/" + path, text + "# edited\n");
  doc = ScanJson(repo, {"--changed-since", "HEAD"}, 1);
  std::set<std::string> files;
  for (const Json& f : doc.at("findings")) files.insert(f.at("location"));
  CHECK(files == std::set<std::string>{"docker/conf.d/site/ntp.conf", "docker/files/chrony.conf",
                                       "ks/parts/ntp.ks", "roles/ntp/templates/chrony.conf.j2",
                                       "scripts/lib/deeper.sh", "scripts/lib/ntp-env.sh"});
  // The four changed files and the six they pull in are read, each once; the rest are skipped
  // unread.
  CHECK(doc.at("stats").at("entries") == changed.size() + files.size());
  CHECK(doc.at("stats").at("skipped").at("unchanged") == unchanged.size() - files.size());
  // Without the change to the Dockerfile its COPY pulls nothing in.
  WriteWholeFile(repo + "/docker/Dockerfile", changed.at("docker/Dockerfile"));
  doc = ScanJson(repo, {"--changed-since", "HEAD"}, 1);
  files.clear();
  for (const Json& f : doc.at("findings")) files.insert(f.at("location"));
  CHECK(files.count("docker/files/chrony.conf") == 0);
  CHECK(files.count("scripts/lib/deeper.sh") == 1);
}

// A file pulled in is read as the pass reads one: its text before a NUL and its first
// --max-file-size bytes are scanned, and what was not is told, as for a file the pass read.
TEST_CASE("vcs: a file --changed-since pulls in is cut and told as the pass would", "[ci][vcs]") {
  TempDir tmp;
  const std::string repo = tmp / "repo";
  const std::string padding(4096, '#');
  WriteWholeFile(repo + "/lib/long.sh", "ntpdate 192.0.2.10\n" + padding + "\n");
  WriteWholeFile(repo + "/lib/tail.sh", std::string("ntpdate 192.0.2.10\n\0\0\0\x01\x02", 24));
  WriteWholeFile(repo + "/lib/short.sh", "ntpdate 192.0.2.10\n");
  WriteWholeFile(repo + "/lib/binary.sh", std::string("\0\x7f"
                                                      "ELF ntpdate 192.0.2.10\n",
                                                      26));
  const std::string run =
      "#!/bin/sh\n. lib/long.sh\n. lib/tail.sh\n. lib/short.sh\n. lib/binary.sh\n";
  WriteWholeFile(repo + "/run.sh", run);
  GitInitAndCommit(repo);
  WriteWholeFile(repo + "/run.sh", run + "# edited\n");
  const Json doc = ScanJson(repo, {"--changed-since", "HEAD", "--max-file-size", "1024"}, 1);
  std::set<std::string> files;
  for (const Json& f : doc.at("findings")) files.insert(f.at("location"));
  CHECK(files == std::set<std::string>{"lib/long.sh", "lib/short.sh", "lib/tail.sh"});
  std::set<std::pair<std::string, std::string>> told;
  for (const Json& n : doc.at("notices"))
    told.emplace(n.at("id").get<std::string>(), n.at("location").get<std::string>());
  CHECK(told.count({"entry-truncated", "lib/long.sh"}) == 1);
  CHECK(told.count({"binary-tail", "lib/tail.sh"}) == 1);
  CHECK(told.size() == 2);
  CHECK(doc.at("stats").at("truncated") == 1);
  // run.sh and the three with text; the binary one is left as the pass leaves one.
  CHECK(doc.at("stats").at("entries") == 4);
}
