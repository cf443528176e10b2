// git's ignore rules apply to untracked files only: in a git work tree, a file committed to git
// is read even when a .gitignore names it (Talos commits testdata/controlplane.yaml while its
// .gitignore names it). Untracked ignored files stay out; .ignore and --exclude still apply;
// outside a work tree a .gitignore applies as before; without git, as before, with a notice.
#include <catch2/catch.hpp>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "run_binary.h"

namespace {

using namespace ntpsweep::testing;  // run_binary.h
using Json = nlohmann::json;

const std::string kHit = "server 192.0.2.10 iburst\n";

void Git(const std::string& dir, const std::vector<std::string>& args) {
  std::vector<std::string> command = {
      "/usr/bin/env", "git", "-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.invalid"};
  command.insert(command.end(), args.begin(), args.end());
  RunResult r = RunCommand(command);
  INFO("git " << args.front() << ": " << r.err);
  REQUIRE(r.exit_code == 0);
}

struct Scanned {
  std::set<std::string> files;  // where findings are
  Json doc;
  std::string err;
};

Scanned Scan(const std::string& cwd, std::vector<std::string> extra, RunOptions options = {}) {
  options.cwd = cwd;
  std::vector<std::string> args = {"scan", "--host", "192.0.2.10", "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  RunResult r = RunNtpsweep(args, options);
  INFO("stderr: " << r.err);
  REQUIRE((r.exit_code == 0 || r.exit_code == 1));
  Scanned s{{}, Json::parse(r.out), r.err};
  for (const Json& f : s.doc.at("findings")) s.files.insert(f.at("location").get<std::string>());
  return s;
}

int Ignored(const Scanned& s) {
  return s.doc.at("stats").at("skipped").value("ignored", 0);
}

// The brief's reproduction plus a tracked file under an ignored directory; decoys beside them.
void MakeRepo(const std::string& repo) {
  WriteWholeFile(repo + "/.gitignore", "*.yaml\nbuild/\n");
  WriteWholeFile(repo + "/.ignore", "local.conf\n");
  WriteWholeFile(repo + "/c.yaml", "ntp: {servers: [192.0.2.10]}\n");
  WriteWholeFile(repo + "/build/tracked.conf", kHit);
  WriteWholeFile(repo + "/build/deep/tracked.conf", kHit);
  WriteWholeFile(repo + "/local.conf", kHit);  // tracked, but .ignore is not git's: left out
  WriteWholeFile(repo + "/sub/tracked.yaml", "ntp: {servers: [192.0.2.10]}\n");
  Git(repo, {"init", "-q"});
  Git(repo, {"add", "-f", ".gitignore", ".ignore", "c.yaml", "build/tracked.conf",
             "build/deep/tracked.conf", "local.conf", "sub/tracked.yaml"});
  Git(repo, {"commit", "-q", "-m", "x"});
  // Decoys, untracked: what the .gitignore names stays out, in or beside the ignored directory.
  WriteWholeFile(repo + "/untracked.yaml", "ntp: {servers: [192.0.2.10]}\n");
  WriteWholeFile(repo + "/sub/untracked.yaml", "ntp: {servers: [192.0.2.10]}\n");
  WriteWholeFile(repo + "/build/sibling.conf", kHit);
  WriteWholeFile(repo + "/build/deep/sibling.conf", kHit);
  WriteWholeFile(repo + "/build/other/ntp.conf", kHit);
  WriteWholeFile(repo + "/build/.gitignore", "!sibling.conf\n");  // cannot re-include: git's rule
  WriteWholeFile(repo + "/excluded/ntp.conf", kHit);
  Git(repo, {"add", "excluded/ntp.conf"});
  Git(repo, {"commit", "-q", "-m", "y"});
}

TEST_CASE("ignore: in a git work tree, tracked files escape .gitignore", "[ignore][vcs]") {
  TempDir tmp;
  const std::string repo = tmp / "r";
  MakeRepo(repo);
  const std::set<std::string> tracked = {"c.yaml", "build/tracked.conf", "build/deep/tracked.conf",
                                         "sub/tracked.yaml"};

  SECTION("the work tree's root") {
    Scanned s = Scan(repo, {"--exclude", "excluded", "."});
    CHECK(s.files == tracked);
    CHECK(s.doc.at("notices").empty());
    // untracked.yaml, local.conf (.ignore), build/.gitignore, build/sibling.conf,
    // build/deep/sibling.conf, build/other, sub/untracked.yaml.
    CHECK(Ignored(s) == 7);
  }
  SECTION("a directory inside it: git is asked there, the .gitignore above still applies") {
    Scanned s = Scan(repo, {"sub"});
    CHECK(s.files == std::set<std::string>{"sub/tracked.yaml"});
    CHECK(Ignored(s) == 1);
  }
  SECTION("a repository met by the walk, below the operand") {
    Scanned s = Scan(tmp.path(), {"--exclude", "excluded", "."});
    std::set<std::string> want;
    for (const std::string& f : tracked) want.insert("r/" + f);
    CHECK(s.files == want);
  }
  SECTION("--no-ignore reads everything, as before") {
    Scanned s = Scan(repo, {"--no-ignore", "."});
    CHECK(s.files.size() == 11);
    CHECK(Ignored(s) == 0);
  }
  SECTION("without git: the .gitignore applies to every file, and a notice says so") {
    Scanned s =
        Scan(repo, {"--exclude", "excluded", "."}, RunOptions{{}, {{"PATH", "/nonexistent"}}});
    CHECK(s.files.empty());
    REQUIRE(s.doc.at("notices").size() == 1);
    CHECK(s.doc.at("notices")[0].at("id") == "git-unavailable");
  }
}

TEST_CASE("ignore: git is asked about the work tree scanned, whatever GIT_DIR or GIT_WORK_TREE say",
          "[ignore][vcs]") {
  TempDir tmp;
  const std::string repo = tmp / "r", other = tmp / "other";
  MakeRepo(repo);
  // Another repository, tracking none of those files: asked instead, git would list none.
  WriteWholeFile(other + "/README", "another repository\n");
  Git(other, {"init", "-q"});
  Git(other, {"add", "README"});
  Git(other, {"commit", "-q", "-m", "x"});
  const std::set<std::string> tracked = {"c.yaml", "build/tracked.conf", "build/deep/tracked.conf",
                                         "sub/tracked.yaml"};
  using Env = std::map<std::string, std::optional<std::string>>;
  for (const Env& env : {Env{{"GIT_DIR", other + "/.git"}}, Env{{"GIT_WORK_TREE", other}},
                         Env{{"GIT_DIR", other + "/.git"}, {"GIT_WORK_TREE", other}},
                         Env{{"GIT_INDEX_FILE", other + "/.git/index"}}}) {
    INFO(env.begin()->first);
    Scanned s = Scan(repo, {"--exclude", "excluded", "."}, RunOptions{{}, env});
    CHECK(s.files == tracked);  // the untracked decoys MakeRepo leaves stay out
    CHECK(s.doc.at("notices").empty());
    CHECK(Ignored(s) == 7);
  }
}

TEST_CASE("ignore: a repository git refuses, as another user owns it, is named in one clear notice",
          "[ignore][vcs]") {
  TempDir tmp;
  const std::string repo = tmp / "r";
  MakeRepo(repo);
  // git's own switch for its ownership check; no global or system safe.directory lets it pass.
  RunOptions options{{},
                     {{"GIT_TEST_ASSUME_DIFFERENT_OWNER", "1"},
                      {"GIT_CONFIG_GLOBAL", "/dev/null"},
                      {"GIT_CONFIG_NOSYSTEM", "1"}}};
  Scanned s = Scan(repo, {"--exclude", "excluded", "."}, options);
  CHECK(s.files.empty());  // the .gitignore applies to every file, as without git
  REQUIRE(s.doc.at("notices").size() == 1);
  const Json& notice = s.doc.at("notices")[0];
  CHECK(notice.at("id") == "git-unavailable");
  CHECK(notice.at("message") ==
        "cannot ask git which files it tracks in . (git refuses the repository: another user owns "
        "it, and git's safe.directory setting does not list it): .gitignore leaves out committed "
        "files there too");
}

TEST_CASE("ignore: outside a git work tree a .gitignore leaves out what it names",
          "[ignore][vcs]") {
  TempDir tmp;
  const std::string dir = tmp / "plain";
  WriteWholeFile(dir + "/.gitignore", "*.yaml\nbuild/\n");
  WriteWholeFile(dir + "/c.yaml", "ntp: {servers: [192.0.2.10]}\n");  // decoy
  WriteWholeFile(dir + "/build/ntp.conf", kHit);                      // decoy
  WriteWholeFile(dir + "/ntp.conf", kHit);
  // No git is asked outside a work tree: without one on PATH there is no notice either.
  Scanned s = Scan(dir, {"."}, RunOptions{{}, {{"PATH", "/nonexistent"}}});
  CHECK(s.files == std::set<std::string>{"ntp.conf"});
  CHECK(s.doc.at("notices").empty());
  CHECK(Ignored(s) == 2);
}

}  // namespace
