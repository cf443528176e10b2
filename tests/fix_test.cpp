// `ntpsweep fix` (docs/fix.md): each kind of place is rewritten with its options, quotes and
// separators kept, duplicates are not created, decoys stay as they are; on the fixture trees the
// diff applies with git, --apply gives the same bytes, a rescan finds no active reference left
// that fix did not list, chronyd accepts every rewritten chrony config, YAML/JSON still parse,
// a second run changes nothing, and the SARIF with fixes validates.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ci_util.h"

namespace {

using namespace ntpsweep::testing;
using namespace ntpsweep::testing::ci;
using Json = nlohmann::json;
namespace fs = std::filesystem;

// Every regular file below `root` (relative path -> bytes), VCS metadata left out.
std::map<std::string, std::string> Snapshot(const std::string& root) {
  std::map<std::string, std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(root)) {
    std::string rel = fs::relative(e.path(), root).string();
    if (rel.starts_with(".git")) continue;
    if (e.is_regular_file() && !e.is_symlink()) out[rel] = ReadWholeFile(e.path().string());
  }
  return out;
}

using Files = std::map<std::string, std::string>;

// Writes `files` into a fresh directory and runs `fix` there with `args`.
struct Case {
  TempDir dir;
  explicit Case(const Files& files) {
    for (const auto& [path, text] : files) WriteWholeFile(dir / path, text);
  }
  RunResult Fix(const std::vector<std::string>& args) {
    return RunNtpsweep(Join({"fix"}, args), RunOptions{dir.path(), {}, false});
  }
  std::string Applied(const std::vector<std::string>& args, const std::string& file) {
    RunResult r = Fix(Join(args, {"--apply"}));
    INFO(r.err);
    REQUIRE(r.signal == 0);
    REQUIRE(r.exit_code != 2);
    return ReadWholeFile(dir / file);
  }
};

const std::vector<std::string> kOldNew = {
    "--host",         "10.0.0.1",          "--host",         "old.corp.example.com",
    "--replace-with", "ntp-a.example.org", "--replace-with", "ntp-b.example.org"};
const std::vector<std::string> kOldOneNew = {
    "--host", "10.0.0.1", "--host", "old.corp.example.com", "--replace-with", "ntp-a.example.org"};

}  // namespace

TEST_CASE("fix: a directive line becomes one line per new server, options kept", "[fix]") {
  Case c(Files{{"etc/chrony/chrony.conf",
                "# corporate servers\n"
                "server 10.0.0.1 iburst prefer\n"
                "Server old.corp.example.com iburst minpoll 4\n"
                "! server 10.0.0.1 iburst\n"
                "pool 2.debian.pool.ntp.org iburst\n"
                "allow 10.0.0.1\n"},
               {"README.md", "The old server 10.0.0.1 is going away.\n"}});
  // The second old line would duplicate what the first became: it goes. The commented line,
  // the `allow` reference and the README mention stay.
  CHECK(c.Applied(kOldNew, "etc/chrony/chrony.conf") ==
        "# corporate servers\n"
        "server ntp-a.example.org iburst prefer\n"
        "server ntp-b.example.org iburst prefer\n"
        "! server 10.0.0.1 iburst\n"
        "pool 2.debian.pool.ntp.org iburst\n"
        "allow 10.0.0.1\n");
  CHECK(ReadWholeFile(c.dir / "README.md") == "The old server 10.0.0.1 is going away.\n");
  // Idempotent: nothing left to change.
  RunResult again = c.Fix(kOldNew);
  CHECK(again.out.empty());
  CHECK(again.exit_code == 0);
}

TEST_CASE("fix: a server the file already uses is not added twice; the old line goes", "[fix]") {
  Case c(Files{{"etc/ntp.conf",
                "server 10.0.0.1 iburst\n"
                "server ntp-a.example.org iburst\n"
                "restrict default nomodify\n"}});
  CHECK(c.Applied(kOldOneNew, "etc/ntp.conf") ==
        "server ntp-a.example.org iburst\n"
        "restrict default nomodify\n");
}

TEST_CASE("fix: three old servers and one new: one line of the kind the file used first", "[fix]") {
  const std::vector<std::string> three_old = {
      "--host",         "10.0.0.1",         "--host", "10.0.0.2", "--host", "old.corp.example.com",
      "--replace-with", "ntp-a.example.org"};
  Case c(Files{{"etc/chrony/chrony.conf",
                "server 10.0.0.1 iburst\n"
                "pool old.corp.example.com iburst maxsources 2\n"
                "! server 10.0.0.1 iburst\n"
                "server 10.0.0.2 iburst\n"
                "pool 2.debian.pool.ntp.org iburst\n"
                "allow 10.0.0.1\n"},
               {"etc/ntp.conf",
                "pool old.corp.example.com iburst\n"
                "server 10.0.0.1 iburst prefer\n"
                "# server 10.0.0.2\n"
                "peer 10.0.0.2\n"
                "restrict 10.0.0.1 nomodify\n"},
               {"decoy/chrony.conf", "server 10.0.0.10 iburst\npool 10.0.0.3 iburst\n"}});
  RunResult diff = c.Fix(three_old);
  INFO(diff.err);
  REQUIRE(diff.exit_code == 1);
  CHECK(diff.out.find("decoy") == std::string::npos);
  const std::string patch = c.dir.path() + ".patch";
  WriteWholeFile(patch, diff.out);
  Shell check = Sh("cd " + Quote(c.dir.path()) + " && git apply --check " + Quote(patch) +
                   " && git apply " + Quote(patch));
  fs::remove(patch);
  INFO(check.output);
  REQUIRE(check.status == 0);
  // The first old line becomes the new server; the later ones (server or pool) go; comments,
  // references and other servers stay.
  CHECK(ReadWholeFile(c.dir / "etc/chrony/chrony.conf") ==
        "server ntp-a.example.org iburst\n"
        "! server 10.0.0.1 iburst\n"
        "pool 2.debian.pool.ntp.org iburst\n"
        "allow 10.0.0.1\n");
  CHECK(ReadWholeFile(c.dir / "etc/ntp.conf") ==
        "pool ntp-a.example.org iburst\n"
        "# server 10.0.0.2\n"
        "restrict 10.0.0.1 nomodify\n");
  CHECK(ReadWholeFile(c.dir / "decoy/chrony.conf") ==
        "server 10.0.0.10 iburst\npool 10.0.0.3 iburst\n");
  RunResult again = c.Fix(three_old);
  CHECK(again.out.empty());
}

TEST_CASE("fix: the only source becomes the new one, never nothing", "[fix]") {
  Case c(Files{{"etc/systemd/timesyncd.conf", "[Time]\nNTP=10.0.0.1\n"},
               {"etc/default/ntpdate", "NTPSERVERS=\"old.corp.example.com\"\n"}});
  CHECK(c.Applied(kOldNew, "etc/systemd/timesyncd.conf") ==
        "[Time]\nNTP=ntp-a.example.org ntp-b.example.org\n");
  CHECK(ReadWholeFile(c.dir / "etc/default/ntpdate") ==
        "NTPSERVERS=\"ntp-a.example.org ntp-b.example.org\"\n");
}

TEST_CASE("fix: YAML, JSON and HCL lists keep quoting, indentation and commas", "[fix]") {
  Case c(Files{{"user-data",
                "#cloud-config\n"
                "ntp:\n"
                "  servers: [10.0.0.1, 192.0.2.50]\n"
                "  pools:\n"
                "    - 'old.corp.example.com'\n"
                "    - 0.pool.ntp.org\n"},
               {"terraform.tfvars.json", "{\n  \"ntp_servers\": [\n    \"10.0.0.1\"\n  ]\n}\n"},
               {"terraform.tfvars", "ntp_servers = [\"old.corp.example.com\", \"192.0.2.70\"]\n"}});
  CHECK(c.Applied(kOldNew, "user-data") ==
        "#cloud-config\n"
        "ntp:\n"
        "  servers: [ntp-a.example.org, ntp-b.example.org, 192.0.2.50]\n"
        "  pools:\n"
        "    - 'ntp-a.example.org'\n"
        "    - 'ntp-b.example.org'\n"
        "    - 0.pool.ntp.org\n");
  std::string json = ReadWholeFile(c.dir / "terraform.tfvars.json");
  CHECK(json ==
        "{\n  \"ntp_servers\": [\n    \"ntp-a.example.org\",\n    \"ntp-b.example.org\"\n  ]\n}\n");
  CHECK(Json::parse(json)["ntp_servers"].size() == 2);
  CHECK(ReadWholeFile(c.dir / "terraform.tfvars") ==
        "ntp_servers = [\"ntp-a.example.org\", \"ntp-b.example.org\", \"192.0.2.70\"]\n");
}

TEST_CASE("fix: a list already naming the new server loses the old element", "[fix]") {
  Case c(Files{{"user-data", "#cloud-config\nntp:\n  servers: [10.0.0.1, ntp-a.example.org]\n"},
               {"group_vars/all.yml", "ntp_servers:\n  - 10.0.0.1\n  - ntp-a.example.org\n"}});
  CHECK(c.Applied(kOldOneNew, "user-data") ==
        "#cloud-config\nntp:\n  servers: [ntp-a.example.org]\n");
  CHECK(ReadWholeFile(c.dir / "group_vars/all.yml") == "ntp_servers:\n  - ntp-a.example.org\n");
}

TEST_CASE("fix: env values, kickstart and preseed options, shell words", "[fix]") {
  Case c(
      Files{{".env", "NTP_SERVERS=old.corp.example.com,192.0.2.80\nDNS=10.0.0.1\n"},
            {"ks.cfg", "timezone --utc UTC --ntpservers=10.0.0.1,0.rhel.pool.ntp.org\n"},
            {"preseed.cfg", "d-i clock-setup/ntp-server string old.corp.example.com\n"},
            {"scripts/sync.sh", "#!/bin/sh\nntpdate -u 10.0.0.1 || true\n# ntpdate 10.0.0.1\n"}});
  RunResult r = c.Fix(Join(kOldNew, {"--apply"}));
  INFO(r.err);
  CHECK(ReadWholeFile(c.dir / ".env") ==
        "NTP_SERVERS=ntp-a.example.org,ntp-b.example.org,192.0.2.80\nDNS=10.0.0.1\n");
  CHECK(
      ReadWholeFile(c.dir / "ks.cfg") ==
      "timezone --utc UTC --ntpservers=ntp-a.example.org,ntp-b.example.org,0.rhel.pool.ntp.org\n");
  // The preseed question holds one server: the first goes in, and stderr says so.
  CHECK(ReadWholeFile(c.dir / "preseed.cfg") ==
        "d-i clock-setup/ntp-server string ntp-a.example.org\n");
  CHECK(r.err.find("only ntp-a.example.org was put in") != std::string::npos);
  CHECK(ReadWholeFile(c.dir / "scripts/sync.sh") ==
        "#!/bin/sh\nntpdate -u ntp-a.example.org ntp-b.example.org || true\n# ntpdate 10.0.0.1\n");
}

TEST_CASE("fix: a file with a UTF-8 BOM is rewritten past it and keeps it", "[fix]") {
  const std::string bom = "\xEF\xBB\xBF";
  Case c(Files{{"etc/chrony.conf", bom + "server 10.0.0.1 iburst\nserver 10.0.0.10 iburst\n"}});
  RunResult diff = c.Fix(kOldOneNew);
  INFO(diff.err);
  CHECK(diff.out.find("-" + bom + "server 10.0.0.1 iburst\n+" + bom +
                      "server ntp-a.example.org iburst\n") != std::string::npos);
  CHECK(c.Applied(kOldOneNew, "etc/chrony.conf") ==
        bom + "server ntp-a.example.org iburst\nserver 10.0.0.10 iburst\n");
}

TEST_CASE("fix: file names with spaces, quotes, control and non-ASCII bytes make a valid patch",
          "[fix]") {
  // A newline in a name must not end the header (the rest would read as diff lines).
  const std::vector<std::string> dirs = {"plain",   "with space",  "tab\tx",     "nl\nx",
                                         "q\"uote", "back\\slash", "\xC3\xBCml", "bang!x"};
  Files files;
  for (const std::string& d : dirs) files[d + "/ntp.conf"] = "server 10.0.0.1 iburst\n";
  files["decoy/ntp.conf"] = "server 10.0.0.10 iburst\n";
  Case c(files);
  GitInitAndCommit(c.dir.path());
  RunResult diff = c.Fix(kOldOneNew);
  INFO(diff.err);
  REQUIRE(diff.exit_code == 1);
  CHECK(diff.out.find("diff --git \"a/nl\\nx/ntp.conf\" \"b/nl\\nx/ntp.conf\"\n") !=
        std::string::npos);
  CHECK(diff.out.find("--- \"a/\\303\\274ml/ntp.conf\"\n") != std::string::npos);
  CHECK(diff.out.find("--- \"a/tab\\tx/ntp.conf\"\n") != std::string::npos);
  CHECK(diff.out.find("--- \"a/q\\\"uote/ntp.conf\"\n") != std::string::npos);
  CHECK(diff.out.find("--- \"a/back\\\\slash/ntp.conf\"\n") != std::string::npos);
  // As git writes it: a name with a space ends in a tab, for GNU patch.
  CHECK(diff.out.find("--- a/with space/ntp.conf\t\n+++ b/with space/ntp.conf\t\n") !=
        std::string::npos);
  CHECK(diff.out.find("--- a/plain/ntp.conf\n") != std::string::npos);
  CHECK(diff.out.find("--- a/bang!x/ntp.conf\n") != std::string::npos);
  CHECK(diff.out.find("decoy") == std::string::npos);
  const std::string patch = c.dir.path() + ".patch";
  WriteWholeFile(patch, diff.out);
  Shell check = Sh("cd " + Quote(c.dir.path()) + " && git apply --check " + Quote(patch) +
                   " && { ! command -v patch >/dev/null || patch -p1 --dry-run -s <" +
                   Quote(patch) + "; } && git apply " + Quote(patch));
  fs::remove(patch);
  INFO(check.output);
  REQUIRE(check.status == 0);
  for (const std::string& d : dirs)
    CHECK(ReadWholeFile(c.dir / (d + "/ntp.conf")) == "server ntp-a.example.org iburst\n");
  CHECK(ReadWholeFile(c.dir / "decoy/ntp.conf") == "server 10.0.0.10 iburst\n");
}

TEST_CASE("fix: what cannot be rewritten safely is listed with the reason", "[fix]") {
  Case c(
      Files{{"group_vars/all.yml", "ntp_server: 10.0.0.1\n"},
            {"user-data",
             "#cloud-config\nwrite_files:\n  - path: /etc/chrony/chrony.conf\n    encoding: b64\n"
             "    content: c2VydmVyIDEwLjAuMC4xIGlidXJzdAo=\n"}});
  RunResult r = c.Fix(kOldNew);
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(r.out.empty());
  CHECK(r.err.find("group_vars/all.yml:1:13: not rewritten [ansible-time-server-var] 10.0.0.1: a "
                   "single value") != std::string::npos);
  CHECK(r.err.find("user-data:5:") != std::string::npos);
  CHECK(r.err.find("encoded") != std::string::npos);
  // With one new server the scalar is rewritten; the encoded content still is not.
  CHECK(c.Applied(kOldOneNew, "group_vars/all.yml") == "ntp_server: ntp-a.example.org\n");
  CHECK(ReadWholeFile(c.dir / "user-data").find("c2VydmVyIDEwLjAuMC4xIGlidXJzdAo=") !=
        std::string::npos);
}

TEST_CASE("fix: --include-mentions also rewrites comments and free text", "[fix]") {
  Case c(Files{{"etc/chrony.conf", "server 10.0.0.1 iburst\n# server 10.0.0.1 iburst\n"},
               {"docs/runbook.txt", "ask 10.0.0.1 for time\n"}});
  std::string chrony = c.Applied(Join(kOldOneNew, {"--include-mentions"}), "etc/chrony.conf");
  CHECK(chrony == "server ntp-a.example.org iburst\n# server ntp-a.example.org iburst\n");
  CHECK(ReadWholeFile(c.dir / "docs/runbook.txt") == "ask ntp-a.example.org for time\n");
}

TEST_CASE("fix: usage errors", "[fix]") {
  Case c(Files{{"etc/chrony.conf", "server 10.0.0.1\n"}});
  CHECK(c.Fix({"--host", "10.0.0.1"}).exit_code == 2);  // --replace-with is required
  CHECK(c.Fix({"--host", "10.0.0.0/24", "--replace-with", "10.0.0.9"}).exit_code ==
        2);  // an old one
  CHECK(c.Fix({"--host", "10.0.0.1", "--replace-with", "192.0.2.0/24"}).exit_code == 2);
  CHECK(ReadWholeFile(c.dir / "etc/chrony.conf") == "server 10.0.0.1\n");
}

TEST_CASE("fix: --apply keeps mode and refuses hard-linked files", "[fix]") {
  Case c(Files{{"etc/chrony.conf", "server 10.0.0.1\n"}, {"etc/ntp.conf", "server 10.0.0.1\n"}});
  fs::permissions(c.dir / "etc/chrony.conf", fs::perms(0640));
  fs::create_hard_link(c.dir / "etc/ntp.conf", c.dir / "ntp.conf.link");
  RunResult r = c.Fix(Join(kOldOneNew, {"--apply"}));
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("hard links") != std::string::npos);
  CHECK(ReadWholeFile(c.dir / "etc/chrony.conf") == "server ntp-a.example.org\n");
  CHECK((fs::status(c.dir / "etc/chrony.conf").permissions() & fs::perms::all) == fs::perms(0640));
  CHECK(ReadWholeFile(c.dir / "etc/ntp.conf") == "server 10.0.0.1\n");
  // No temporary file is left behind.
  for (const auto& e : fs::directory_iterator(c.dir / "etc"))
    CHECK(e.path().filename().string().find("ntpsweep-") == std::string::npos);
}

TEST_CASE("fix: --apply under a file size limit fails cleanly, the old file whole", "[fix]") {
  // The big file's rewrite passes `ulimit -f`; the small one (a decoy of the limit) does not.
  const std::string big = "server 10.0.0.1 iburst\n# " + std::string(300000, 'x') + "\n";
  Case c(Files{{"etc/ntp.conf", big}, {"etc/chrony.conf", "server 10.0.0.1 iburst\n"}});
  Shell r = Sh("cd " + Quote(c.dir.path()) + " && ulimit -f 100 && " + Quote(kBinary) +
               " fix --host 10.0.0.1 --replace-with ntp-a.example.org --apply . 2>&1; echo rc=$?");
  INFO(r.output);
  CHECK(r.output.find("rc=2\n") != std::string::npos);  // not killed by SIGXFSZ (rc=153)
  CHECK(r.output.find("etc/ntp.conf: not written: cannot write") != std::string::npos);
  CHECK(ReadWholeFile(c.dir / "etc/ntp.conf") == big);
  CHECK(ReadWholeFile(c.dir / "etc/chrony.conf") == "server ntp-a.example.org iburst\n");
  for (const auto& e : fs::directory_iterator(c.dir / "etc"))
    CHECK(e.path().filename().string().find("ntpsweep-") == std::string::npos);
}

TEST_CASE("fix: a symbolic link named as the operand is read, never written through", "[fix]") {
  Case c(Files{{"real/ntp.conf", "server 10.0.0.1 iburst\n"},
               {"etc/chrony.conf", "server 10.0.0.1 iburst\n"}});
  fs::create_symlink("../real/ntp.conf", c.dir / "etc/ntp.conf");
  RunResult diff = c.Fix(Join(kOldOneNew, {"etc/ntp.conf"}));
  INFO(diff.err);
  CHECK(diff.exit_code == 1);
  CHECK(diff.out.find("+server ntp-a.example.org iburst\n") != std::string::npos);
  RunResult r = c.Fix(Join(kOldOneNew, {"--apply", "etc/ntp.conf", "etc/chrony.conf"}));
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("etc/ntp.conf: not written: a symbolic link") != std::string::npos);
  CHECK(fs::is_symlink(c.dir / "etc/ntp.conf"));
  CHECK(ReadWholeFile(c.dir / "real/ntp.conf") == "server 10.0.0.1 iburst\n");
  CHECK(ReadWholeFile(c.dir / "etc/chrony.conf") == "server ntp-a.example.org iburst\n");
}

namespace {

struct Tree {
  const char* name;
  std::vector<std::string> hosts;
};

const Tree kTrees[] = {
    {"fixtures/e2e",
     {"--host", "192.0.2.10", "--host", "2001:db8::123", "--host", "ntp-old.corp.example.net",
      "--host", "198.51.100.0/28"}},
    {"fixtures/syntaxes",
     {"--host", "10.20.30.40", "--host", "ntp-old.corp.example.com", "--host", "2001:db8::123"}},
};

const std::vector<std::string> kNew = {"--replace-with", "time-a.example.org", "--replace-with",
                                       "time-b.example.org"};

bool IsChronyConfig(const std::string& path) {
  return path.ends_with("chrony.conf") || path.ends_with(".sources") ||
         path.find("chrony/conf.d/") != std::string::npos;
}

}  // namespace

TEST_CASE("fix: fixture trees: git apply, --apply, rescan, daemon checkers, idempotence",
          "[fix][e2e]") {
  for (const Tree& tree : kTrees) {
    SECTION(tree.name) {
      TempDir by_git, by_fix;
      CopyTree(kSourceDir + "/" + tree.name, by_git.path());
      CopyTree(kSourceDir + "/" + tree.name, by_fix.path());
      const auto original = Snapshot(by_fix.path());
      GitInitAndCommit(by_git.path());

      RunResult diff =
          RunNtpsweep(Join(Join({"fix"}, tree.hosts), kNew), RunOptions{by_git.path(), {}, false});
      INFO(diff.err);
      REQUIRE(diff.exit_code == 1);
      REQUIRE(!diff.out.empty());
      WriteWholeFile(by_git / "../" + fs::path(by_git.path()).filename().string() + ".patch",
                     diff.out);
      const std::string patch = by_git.path() + ".patch";
      Shell check = Sh("cd " + Quote(by_git.path()) + " && git apply --check " + Quote(patch) +
                       " && git apply " + Quote(patch));
      INFO(check.output);
      REQUIRE(check.status == 0);
      fs::remove(patch);

      RunResult applied = RunNtpsweep(Join(Join({"fix"}, tree.hosts), Join(kNew, {"--apply"})),
                                      RunOptions{by_fix.path(), {}, false});
      INFO(applied.err);
      REQUIRE(applied.exit_code != 2);
      const auto fixed = Snapshot(by_fix.path());
      CHECK(fixed == Snapshot(by_git.path()));  // the diff and --apply agree byte for byte

      // What changed, and that the decoys did not.
      std::vector<std::string> changed;
      for (const auto& [path, text] : original) {
        REQUIRE(fixed.count(path));
        if (fixed.at(path) != text) changed.push_back(path);
      }
      CHECK(changed.size() >= 10);
      for (const std::string& path : changed) {
        INFO(path);
        CHECK(path.find("docs/") == std::string::npos);
        CHECK(path.find("decoys/") == std::string::npos);
        CHECK_FALSE((path.ends_with(".bak") || path.ends_with(".dpkg-old") || path.ends_with("~") ||
                     path.ends_with(".rpmsave") || path.ends_with(".orig")));
        // Commented-out lines stay as they were: every old line starting with a comment is kept.
        std::string before = original.at(path), after = fixed.at(path);
        size_t at = 0;
        while (at < before.size()) {
          size_t nl = before.find('\n', at);
          std::string line =
              before.substr(at, nl == std::string::npos ? std::string::npos : nl - at + 1);
          size_t first = line.find_first_not_of(" \t");
          if (first != std::string::npos &&
              (line[first] == '#' || line[first] == '!' || line[first] == ';'))
            CHECK(after.find(line) != std::string::npos);
          if (nl == std::string::npos) break;
          at = nl + 1;
        }
        // The daemons' and parsers' own checks.
        std::string file = by_fix / path;
        if (IsChronyConfig(path) && path.find(".j2") == std::string::npos &&
            path.find(".erb") == std::string::npos) {
          Shell chrony = Sh("chronyd -p -f " + Quote(file));
          INFO(chrony.output);
          CHECK(chrony.status == 0);
          CHECK(chrony.output.find("time-a.example.org") != std::string::npos);
        }
        if (path.ends_with(".json") || path.ends_with(".ign")) CHECK_NOTHROW(Json::parse(after));
        if (path.ends_with(".yml") || path.ends_with(".yaml") || path.ends_with("user-data")) {
          Shell yaml =
              Sh("python3 -c 'import sys, yaml; list(yaml.safe_load_all(open(sys.argv[1])))' " +
                 Quote(file));
          INFO(yaml.output);
          CHECK(yaml.status == 0);
        }
        if (path.ends_with(".toml")) {
          Shell toml = Sh("python3 -c 'import sys, tomllib; tomllib.load(open(sys.argv[1], \"rb\"))' " +
                          Quote(file));
          INFO(toml.output);
          CHECK(toml.status == 0);
        }
      }

      // Rescan: no active reference is left except those fix listed as not rewritten.
      std::set<std::string> listed;
      for (size_t at = 0; (at = applied.err.find("ntpsweep: fix: ", at)) != std::string::npos;) {
        size_t colon = applied.err.find(':', at + 15);
        listed.insert(applied.err.substr(at + 15, colon - at - 15));
        at = colon;
      }
      RunResult scan = RunNtpsweep(Join(Join({"scan", "--format", "json"}, tree.hosts), {"."}),
                                   RunOptions{by_fix.path(), {}, false});
      REQUIRE(scan.exit_code != 2);
      Json rescan = Json::parse(scan.out);
      size_t active = 0;
      for (const Json& f : rescan["findings"]) {
        std::string activity = f["activity"];
        if (activity != "active" && activity != "template") continue;
        std::string where = f["location"];
        INFO(where << ":" << f["line"] << " " << f["rule"]);
        CHECK(listed.count(where));
        ++active;
      }
      INFO(active << " active references left, each listed by fix");

      // A second run changes nothing.
      RunResult again =
          RunNtpsweep(Join(Join({"fix"}, tree.hosts), kNew), RunOptions{by_fix.path(), {}, false});
      CHECK(again.out.empty());
      CHECK(again.exit_code != 2);
    }
  }
}

TEST_CASE("fix: SARIF carries the same edits as fixes and validates", "[fix][sarif]") {
  TempDir dir;
  CopyTree(kSourceDir + "/fixtures/e2e", dir.path());
  const Tree& tree = kTrees[0];
  RunResult r = RunNtpsweep(
      Join(Join({"fix"}, tree.hosts), Join(kNew, {"--format", "sarif", "-o", "out.sarif"})),
      RunOptions{dir.path(), {}, false});
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  Json doc = Json::parse(ReadWholeFile(dir / "out.sarif"));
  size_t with_fixes = 0;
  for (const Json& res : doc["runs"][0]["results"]) {
    if (!res.contains("fixes")) continue;
    ++with_fixes;
    const Json& change = res["fixes"][0]["artifactChanges"][0];
    CHECK(change["artifactLocation"]["uri"] ==
          res["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]);
    CHECK(!change["replacements"].empty());
    CHECK(change["replacements"][0]["deletedRegion"]["startLine"].get<int>() >= 1);
  }
  CHECK(with_fixes >= 20);
  Shell v = ValidateSarif(dir / "out.sarif");
  INFO(v.output);
  CHECK(v.status == 0);
}
