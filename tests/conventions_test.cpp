// Conventions users bring from trivy, semgrep, gitleaks and ripgrep (issue 12): several reports
// from one scan, .gitignore/.ignore in walks, -v/-q, NTPSWEEP_* variables and config keys for
// every scan flag (one resolver, CLI > env > config > defaults), version, helpful usage errors,
// --min-level, and counts in the right number.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <thread>
#include <nlohmann/json.hpp>

#include "ci_util.h"
#include "cli/plan.h"
#include "core/glob.h"
#include "input/ignore_files.h"

namespace {

namespace fs = std::filesystem;
using namespace ntpsweep;
using namespace ntpsweep::testing;
using namespace ntpsweep::testing::ci;
using cli::ConfigFile;
using cli::ResolveScanPlan;
using cli::SettingLayer;
using Json = nlohmann::json;

constexpr const char* kConf = "server 10.20.30.40 iburst\n";

RunResult In(const std::string& cwd, const std::vector<std::string>& args,
             std::map<std::string, std::optional<std::string>> env = {}) {
  return RunNtpsweep(args, RunOptions{cwd, std::move(env), false});
}

std::string ErrorOf(const SettingLayer& args, const SettingLayer& env, const ConfigFile& cfg) {
  try {
    ResolveScanPlan(args, env, cfg);
  } catch (const cli::ConfigError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("plan: command line > environment > config file > defaults", "[conventions][plan]") {
  ConfigFile cfg = cli::ParseConfig(
      "hosts: [192.0.2.1]\nexclude: ['a/**']\nfail-on: error\nformat: json\nmin-level: warning\n"
      "limits:\n  max-depth: 3\n  max-buffer: 1MiB\n  max-reader-size: 4MiB\njobs: 2\n"
      "no-ignore: true\n",
      "cfg.yaml");
  SettingLayer none;
  cli::ScanPlan p = ResolveScanPlan(none, none, cfg);
  CHECK(p.hosts == std::vector<std::string>{"192.0.2.1"});
  CHECK(p.fail_on == Severity::kError);
  CHECK(p.outputs.at(0).format == "json");
  CHECK(p.min_level == Severity::kWarning);
  CHECK(p.limits.max_depth == 3);
  CHECK(p.limits.max_buffer_bytes == (1u << 20));
  CHECK(p.limits.max_reader_bytes == (4u << 20));
  CHECK(p.jobs == 2);
  CHECK(p.no_ignore);
  CHECK(p.source["format"] == "cfg.yaml:4:9");

  SettingLayer env = cli::EnvironmentLayer(
      {"NTPSWEEP_HOST=192.0.2.2, ntp-old.example.com", "NTPSWEEP_FORMAT=sarif",
       "NTPSWEEP_EXCLUDE=b/**", "NTPSWEEP_NO_IGNORE=0", "NTPSWEEP_TODAY=2026-01-01",
       "NTPSWEEP_FAIL_ON="},
      cli::kForScan);
  p = ResolveScanPlan(none, env, cfg);
  CHECK(p.hosts == std::vector<std::string>{"192.0.2.2", "ntp-old.example.com"});  // a list
  CHECK(p.outputs.at(0).format == "sarif");
  CHECK_FALSE(p.no_ignore);
  CHECK(p.fail_on == Severity::kError);  // empty in the environment: as if unset
  CHECK(p.exclude == std::vector<std::string>{"a/**", "b/**"});  // lists that add up
  CHECK(p.source["host"] == "NTPSWEEP_HOST");

  SettingLayer args;
  args["host"] = {{"192.0.2.3"}, "--host", {}};
  args["format"] = {{"github", "json=out.json"}, "--format", {}};
  args["exclude"] = {{"c/**"}, "--exclude", {}};
  p = ResolveScanPlan(args, env, cfg);
  CHECK(p.hosts == std::vector<std::string>{"192.0.2.3"});
  REQUIRE(p.outputs.size() == 2);
  CHECK(p.outputs[0].format == "github");
  CHECK(p.outputs[0].path.empty());
  CHECK(p.outputs[1].format == "json");
  CHECK(p.outputs[1].path == "out.json");
  CHECK(p.exclude == std::vector<std::string>{"a/**", "b/**", "c/**"});

  // Defaults.
  p = ResolveScanPlan(none, none, ConfigFile{});
  CHECK(p.fail_on == Severity::kWarning);
  CHECK(p.min_level == Severity::kNote);
  CHECK(p.outputs.size() == 1);
  CHECK(p.outputs[0].format == "text");
  CHECK(p.operands == std::vector<std::string>{"."});
  CHECK(p.limits.max_file_bytes == (64u << 20));
  CHECK(p.limits.max_reader_bytes == (1u << 20));
}

TEST_CASE("plan: bad values name the option and where they came from", "[conventions][plan]") {
  SettingLayer none;
  SettingLayer env = cli::EnvironmentLayer({"NTPSWEEP_MIN_LEVEL=fatal"}, cli::kForScan);
  CHECK(ErrorOf(none, env, {}) ==
        "NTPSWEEP_MIN_LEVEL: 'fatal' is not one of note, warning or error");
  env = cli::EnvironmentLayer({"NTPSWEEP_MAX_BUFFER=lots"}, cli::kForScan);
  CHECK(ErrorOf(none, env, {}).starts_with("NTPSWEEP_MAX_BUFFER: 'lots' is not a positive size"));
  CHECK_THROWS_AS(cli::EnvironmentLayer({"NTPSWEEP_QUIET=maybe"}, cli::kForScan), cli::ConfigError);
  SettingLayer args;
  args["format"] = {{"json", "sarif"}, "--format", {}};
  CHECK(ErrorOf(args, none, {}).find("give the others a file, FORMAT=FILE") != std::string::npos);
  args["format"] = {{"yaml"}, "--format", {}};
  CHECK(ErrorOf(args, none, {}).find("'yaml' is not a report format") != std::string::npos);
  args.clear();
  args["output-sarif"] = {{"r.sarif"}, "--output-sarif", {}};
  args["format"] = {{"sarif=./r.sarif"}, "--format", {}};
  CHECK(ErrorOf(args, none, {}).find("both write") != std::string::npos);
  args.clear();
  args["quiet"] = {{"true"}, "-q", {}};
  args["verbose"] = {{"true"}, "-v", {}};
  CHECK(ErrorOf(args, none, {}).find("contradict") != std::string::npos);
  ConfigFile cfg = cli::ParseConfig("limits:\n  max-depth: 100\n", "cfg.yaml");
  CHECK(ErrorOf(none, none, cfg) == "cfg.yaml:2:14: '100' must be a whole number from 1 to 64");
  CHECK_THROWS_WITH(cli::ParseConfig("fromat: json\n", "cfg.yaml"),
                    "cfg.yaml:1:1: unknown key 'fromat' (did you mean 'format'? docs/ci.md lists "
                    "every key)");
  // The command line's own are not config keys.
  CHECK_THROWS(cli::ParseConfig("srcroot: x\n", "cfg.yaml"));
}

TEST_CASE("plan: sizes", "[conventions][plan]") {
  uint64_t n = 0;
  CHECK((cli::ParseSize("4GiB", &n) && n == (4ull << 30)));
  CHECK((cli::ParseSize("64M", &n) && n == (64ull << 20)));
  CHECK((cli::ParseSize("1000", &n) && n == 1000));
  CHECK_FALSE(cli::ParseSize("1.5G", &n));
  CHECK_FALSE(cli::ParseSize("-1", &n));
  CHECK_FALSE(cli::ParseSize("99999999999T", &n));
}

TEST_CASE("plan: every scan flag has a variable and a config key", "[conventions][plan]") {
  // Through the binary: the environment sets what the flag would; the config too.
  TempDir tmp;
  WriteWholeFile(tmp / "etc/ntp.conf", kConf);
  WriteWholeFile(tmp / "notes.md", "The old one was 10.20.30.40.\n");
  RunResult r = In(tmp.path(), {"scan"},
                   {{"NTPSWEEP_HOST", "10.20.30.40 192.0.2.99"},
                    {"NTPSWEEP_FORMAT", "json"},
                    {"NTPSWEEP_MIN_LEVEL", "error"}});
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  Json j = Json::parse(r.out);
  REQUIRE(j["findings"].size() == 1);  // the warning in notes.md is below --min-level
  CHECK(j["findings"][0]["severity"] == "error");
  // The command line wins over the environment.
  r = In(tmp.path(), {"scan", "--format", "text", "--min-level", "note"},
         {{"NTPSWEEP_HOST", "10.20.30.40"}, {"NTPSWEEP_FORMAT", "json"}});
  CHECK(r.out.find("2 findings (1 error, 1 warning) in 2 files") != std::string::npos);
  // The environment wins over the config file.
  WriteWholeFile(tmp / ".ntpsweep.yaml", "hosts: [10.20.30.40]\nformat: json\nfail-on: none\n");
  r = In(tmp.path(), {"scan"}, {{"NTPSWEEP_FORMAT", "sarif"}});
  CHECK(r.exit_code == 0);
  CHECK(Json::parse(r.out).contains("runs"));
  r = In(tmp.path(), {"scan"});
  CHECK(Json::parse(r.out).contains("findings"));
  // inventory and fix read the same config and variables (--exclude here).
  r = In(tmp.path(), {"inventory", "--format", "json"}, {{"NTPSWEEP_EXCLUDE", "etc"}});
  CHECK(r.exit_code == 0);
  CHECK(Json::parse(r.out)["servers"].empty());
  r = In(tmp.path(), {"fix", "--replace-with", "ntp-new.example.com"},
         {{"NTPSWEEP_EXCLUDE", "etc"}});
  CHECK(r.exit_code == 0);  // nothing left to fix outside etc/
  r = In(tmp.path(), {"fix", "--replace-with", "ntp-new.example.com"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("+server ntp-new.example.com iburst") != std::string::npos);
}

TEST_CASE("outputs: one scan writes every report asked for", "[conventions][outputs]") {
  TempDir tmp;
  WriteWholeFile(tmp / "tree/etc/ntp.conf", kConf);
  WriteWholeFile(tmp / "tree/etc/chrony.conf", "pool 10.20.30.40\n");
  fs::create_directories(tmp / "out");
  RunResult r = In(tmp.path(),
                   {"scan", "--host", "10.20.30.40", "tree", "--format", "github", "--output-sarif",
                    "out/r.sarif", "--output-json", "out/r.json", "--format", "text=out/r.txt"});
  INFO(r.err);
  REQUIRE(r.exit_code == 1);
  // Annotations on stdout beside the SARIF file: what the GitHub action needs.
  CHECK(r.out.find("::error file=tree/etc/ntp.conf,line=1") != std::string::npos);
  Json sarif = Json::parse(ReadWholeFile(tmp / "out/r.sarif"));
  Json json = Json::parse(ReadWholeFile(tmp / "out/r.json"));
  CHECK(sarif["runs"][0]["results"].size() == 2);
  CHECK(json["findings"].size() == 2);
  CHECK(ReadWholeFile(tmp / "out/r.txt").find("2 findings (2 error) in 2 files") !=
        std::string::npos);
  CHECK(r.err.find("written to out/r.txt, out/r.sarif, out/r.json") != std::string::npos);
  // Nothing else was written: no temporary left behind, nothing in the scanned tree.
  size_t files = 0;
  for (const auto& e : fs::recursive_directory_iterator(tmp.path())) files += e.is_regular_file();
  CHECK(files == 5);
  // Two reports to one file, or a directory as the file: usage errors before any scan.
  r = In(tmp.path(),
         {"scan", "--host", "10.20.30.40", "tree", "--output-sarif", "x", "--output-json", "./x"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--output-sarif and --output-json both write ./x") != std::string::npos);
  r = In(tmp.path(), {"scan", "--host", "10.20.30.40", "tree", "-o", "out"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--output: 'out' is a directory, not a file") != std::string::npos);
  r = In(tmp.path(), {"scan", "--host", "10.20.30.40", "tree", "--format", "sarif=out"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("'out' is a directory, not a file") != std::string::npos);
  r = In(tmp.path(), {"inventory", "tree", "-o", "out"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("--output: 'out' is a directory, not a file") != std::string::npos);
  // A report file a directory walk meets is ntpsweep's own, never a finding (next run).
  r = In(tmp / "tree",
         {"scan", "--host", "10.20.30.40", "--output-json", "r.json", "--format", "json"});
  r = In(tmp / "tree",
         {"scan", "--host", "10.20.30.40", "--output-json", "r.json", "--format", "json"});
  CHECK(Json::parse(r.out)["findings"].size() == 2);
}

TEST_CASE("outputs: a report path that is a link, FIFO or device is written through, never replaced",
          "[conventions][outputs]") {
  TempDir tmp;
  WriteWholeFile(tmp / "tree/etc/ntp.conf", kConf);
  fs::create_directories(tmp / "out");
  WriteWholeFile(tmp / "out/real.json", "old");
  fs::create_symlink("real.json", tmp / "out/link.json");
  REQUIRE(mkfifo((tmp / "out/pipe.json").c_str(), 0600) == 0);
  // The FIFO's reader: the scan's write opens the other end.
  std::string piped;
  std::thread reader([&] { piped = ReadWholeFile(tmp / "out/pipe.json"); });
  RunResult r = In(tmp.path(), {"scan", "--host", "10.20.30.40", "tree", "--output-json",
                                "out/link.json", "--output-sarif", "out/pipe.json"});
  reader.join();
  INFO(r.err);
  CHECK(r.exit_code == 1);
  CHECK(fs::is_symlink(tmp / "out/link.json"));  // rename() would have replaced the link
  CHECK(Json::parse(ReadWholeFile(tmp / "out/real.json"))["findings"].size() == 1);
  CHECK(fs::is_fifo(fs::symlink_status(tmp / "out/pipe.json")));
  CHECK(Json::parse(piped)["runs"][0]["results"].size() == 1);
}

TEST_CASE("ignore files: patterns as git and ripgrep read them", "[conventions][ignore]") {
  using input::IgnoreLayer;
  using input::MatchIgnore;
  IgnoreLayer root;
  root.patterns = input::ParseIgnorePatterns(
      "# comment\n\n*.log\n/build\ndocs/\n!keep.log\n**/gen/*.conf\nsub/x.conf\n\\#literal\n"
      "trailing   \n",
      ".gitignore");
  auto ignored = [&](const IgnoreLayer* l, const char* rel, bool dir = false) {
    const input::IgnorePattern* p = MatchIgnore(l, rel, dir);
    return p && !p->negate;
  };
  CHECK(ignored(&root, "a.log"));
  CHECK(ignored(&root, "deep/er/a.log"));
  CHECK_FALSE(ignored(&root, "keep.log"));  // negation: the last match decides
  CHECK(ignored(&root, "build", true));
  CHECK(ignored(&root, "build"));                  // anchored: a file named build at the top too
  CHECK_FALSE(ignored(&root, "src/build", true));  // anchored: only at the top
  CHECK(ignored(&root, "docs", true));
  CHECK(ignored(&root, "a/docs", true));
  CHECK_FALSE(ignored(&root, "docs"));  // "docs/": directories only
  CHECK(ignored(&root, "gen/a.conf"));
  CHECK(ignored(&root, "x/y/gen/a.conf"));
  CHECK_FALSE(ignored(&root, "x/gen/sub/a.conf"));
  CHECK(ignored(&root, "sub/x.conf"));
  CHECK_FALSE(ignored(&root, "a/sub/x.conf"));  // a '/' in the middle anchors
  CHECK(ignored(&root, "#literal"));
  CHECK(ignored(&root, "trailing"));
  // A nested file wins over its parent's; its patterns are relative to its own directory.
  IgnoreLayer nested;
  nested.parent = &root;
  nested.strip = "sub/";
  nested.patterns = input::ParseIgnorePatterns("!important.log\n/only-here\n", "sub/.gitignore");
  CHECK_FALSE(ignored(&nested, "sub/important.log"));
  CHECK(ignored(&nested, "sub/other.log"));
  CHECK(ignored(&nested, "sub/only-here"));
  CHECK_FALSE(ignored(&nested, "only-here"));
  // An ancestor outside the walk: the walk's root seen from it.
  IgnoreLayer above;
  above.prepend = "project/";
  above.patterns = input::ParseIgnorePatterns("/project/out\n", "../.gitignore");
  CHECK(ignored(&above, "out", true));
  CHECK_FALSE(ignored(&above, "x/out", true));
  // The glob engine's backslash escape.
  CHECK(GlobMatch("a\\*b", "a*b"));
  CHECK_FALSE(GlobMatch("a\\*b", "axb"));
}

TEST_CASE("ignore files: directory walks leave out what they name", "[conventions][ignore]") {
  TempDir tmp;
  const fs::path repo = tmp / "repo";
  WriteWholeFile(repo / "etc/ntp.conf", kConf);
  WriteWholeFile(repo / "build/out/ntp.conf", kConf);
  WriteWholeFile(repo / "logs/a.log", kConf);
  WriteWholeFile(repo / "logs/keep.log", kConf);
  WriteWholeFile(repo / "sub/gen/ntp.conf", kConf);
  WriteWholeFile(repo / ".gitignore", "/build/\n*.log\n");
  WriteWholeFile(repo / "logs/.ignore", "!keep.log\n");
  WriteWholeFile(repo / "sub/.gitignore", "gen/\n");
  fs::create_directories(repo / ".git");  // a work tree: ancestors' ignore files count
  auto locations = [](const RunResult& r) {
    std::set<std::string> out;
    const Json doc = Json::parse(r.out);  // no range over a temporary's member
    for (const Json& f : doc["findings"]) out.insert(f["location"].get<std::string>());
    return out;
  };
  RunResult r = In(repo, {"scan", "--host", "10.20.30.40", "--format", "json"});
  CHECK(locations(r) == std::set<std::string>{"etc/ntp.conf", "logs/keep.log"});
  r = In(repo, {"scan", "--host", "10.20.30.40"});
  CHECK(r.out.find("3 paths left out by .gitignore/.ignore (--no-ignore reads them)") !=
        std::string::npos);
  r = In(repo, {"scan", "--host", "10.20.30.40", "--format", "json", "--no-ignore"});
  CHECK(locations(r).size() == 5);
  // NTPSWEEP_NO_IGNORE is the same flag.
  r = In(repo, {"scan", "--host", "10.20.30.40", "--format", "json"},
         {{"NTPSWEEP_NO_IGNORE", "1"}});
  CHECK(locations(r).size() == 5);
  // An explicit file operand is always read; a walk from below the root still sees the root's file.
  r = In(repo, {"scan", "--host", "10.20.30.40", "--format", "json", "logs/a.log", "build"});
  CHECK(locations(r) == std::set<std::string>{"logs/a.log", "build/out/ntp.conf"});
  r = In(repo / "logs", {"scan", "--host", "10.20.30.40", "--format", "json"});
  CHECK(locations(r) == std::set<std::string>{"keep.log"});
  // Archives never consult ignore files: a tar of the tree has every file.
  Shell tar = Sh("cd " + Quote(repo) + " && tar -cf ../tree.tar --exclude=.git .");
  REQUIRE(tar.status == 0);
  r = In(tmp.path(), {"scan", "--host", "10.20.30.40", "--format", "json", "tree.tar"});
  CHECK(locations(r).size() == 5);
}

// A directory inside a TempDir, for a test that writes to "../": that stays inside the TempDir
// (not $TMPDIR, which other test runs share).
struct InnerDir {
  explicit InnerDir(const TempDir& outer) : dir(outer / "tree") { fs::create_directories(dir); }
  const std::string& path() const { return dir; }
  std::string operator/(const std::string& rel) const { return dir + "/" + rel; }
  std::string dir;
};

TEST_CASE("verbose and quiet", "[conventions][verbose]") {
  TempDir outer;
  const InnerDir tmp(outer);
  WriteWholeFile(tmp / "etc/ntp.conf", kConf);
  WriteWholeFile(tmp / "bin/blob", std::string("\x7f"
                                               "ELF\0\0\0",
                                               7));
  WriteWholeFile(tmp / "vendor/x.conf", kConf);
  WriteWholeFile(tmp / ".gitignore", "*.tmp\n");
  WriteWholeFile(tmp / "a.tmp", kConf);
  Shell tar = Sh("cd " + Quote(tmp.path()) +
                 " && mkdir t && cp etc/ntp.conf t/ && tar -czf t.tar.gz t && rm -r t");
  REQUIRE(tar.status == 0);
  RunResult r = In(tmp.path(), {"scan", "--host", "10.20.30.40", "-v", "--exclude", "vendor"});
  INFO(r.err);
  CHECK(r.err.find("ntpsweep: read etc/ntp.conf\n") != std::string::npos);
  CHECK(r.err.find("ntpsweep: skip bin/blob (binary)\n") != std::string::npos);
  CHECK(r.err.find("ntpsweep: skip vendor (excluded)\n") != std::string::npos);
  CHECK(r.err.find("ntpsweep: skip a.tmp (ignored by .gitignore:1)\n") != std::string::npos);
  CHECK(r.err.find("ntpsweep: open t.tar.gz (") != std::string::npos);
  CHECK(r.err.find("ntpsweep: read t.tar.gz!t/ntp.conf\n") != std::string::npos);
  // -q: findings, errors and the summary line; no other notices or messages.
  WriteWholeFile(tmp / "half.conf", std::string("server 10.20.30.40\n\0\0\0tail", 26));
  r = In(tmp.path(), {"scan", "--host", "10.20.30.40", "-q", "--output-json", "../q.json"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("etc/ntp.conf") != std::string::npos);
  CHECK(r.out.find("notice (") == std::string::npos);
  CHECK(r.out.find(", 1 notice;") != std::string::npos);  // counted in the summary line
  CHECK(r.err.empty());
  r = In(tmp.path(), {"scan", "--host", "10.20.30.40"});
  CHECK(r.out.find("notice") != std::string::npos);  // the binary tail, without -q
  r = In(tmp.path(), {"scan", "--host", "10.20.30.40", "-q", "missing"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("missing") != std::string::npos);  // errors still said
}

TEST_CASE("min-level: --min-level filters the report, --fail-on the exit code", "[conventions][min-level]") {
  TempDir tmp;
  WriteWholeFile(tmp / "etc/ntp.conf", "# server 10.20.30.40\n");  // a note (commented out)
  WriteWholeFile(tmp / "README", "old server: 10.20.30.40\n");     // a warning (mention)
  RunResult r = In(tmp.path(), {"scan", "--host", "10.20.30.40", "--min-level", "warning"});
  CHECK(r.exit_code == 1);
  CHECK(r.out.find("etc/ntp.conf") == std::string::npos);
  CHECK(r.out.find("1 finding (1 warning) in 1 file; 1 below --min-level warning left out") !=
        std::string::npos);
  r = In(tmp.path(),
         {"scan", "--host", "10.20.30.40", "--min-level", "error", "--format", "sarif"});
  CHECK(r.exit_code == 1);  // the warning still fails the check
  CHECK(Json::parse(r.out)["runs"][0]["results"].empty());
  r = In(tmp.path(),
         {"scan", "--host", "10.20.30.40", "--min-level", "error", "--fail-on", "error"});
  CHECK(r.exit_code == 0);
  r = In(tmp.path(),
         {"scan", "--host", "10.20.30.40", "--min-level", "warning", "--format", "github"});
  CHECK(r.out.find("README") != std::string::npos);
  CHECK(r.out.find("etc/ntp.conf") == std::string::npos);
}

TEST_CASE("version, mistyped commands and helpful usage errors", "[conventions][usage]") {
  RunResult v = RunNtpsweep({"version"});
  CHECK(v.exit_code == 0);
  CHECK(v.out.starts_with("ntpsweep " NTPSWEEP_VERSION_FOR_TESTS "\nrule pack "));
  CHECK(v.out.find("libarchive ") != std::string::npos);
  CHECK(RunNtpsweep({"-V"}).out == v.out);
  CHECK(RunNtpsweep({"--version"}).out == v.out);
  Json j = Json::parse(RunNtpsweep({"version", "--format", "json"}).out);
  CHECK(j["ntpsweep"] == NTPSWEEP_VERSION_FOR_TESTS);
  CHECK(j["rule_pack"]["rules"].get<int>() > 10);
  CHECK(j["libraries"].contains("hyperscan"));
  CHECK(j["libraries"].contains("zstd"));  // zstd operands are decoded by libzstd directly

  RunResult r = RunNtpsweep({"scna", "--host", "10.20.30.40"});
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "ntpsweep: 'scna' is not a command; did you mean 'scan'? (ntpsweep --help lists them)\n");
  r = RunNtpsweep({"inventroy"});
  CHECK(r.err.find("did you mean 'inventory'?") != std::string::npos);
  r = RunNtpsweep({"zzzzzzzz"});
  CHECK(r.err.find("did you mean") == std::string::npos);

  TempDir tmp;
  const std::vector<std::pair<std::string, std::string>> hosts = {
      {"10.20.30.40:123", "--host 10.20.30.40:123: drop the port: give 10.20.30.40"},
      {"ntp.example.com:123", "drop the port: give ntp.example.com"},
      {"[fd00::1]:123", "drop the port: give fd00::1"},
      {"http://ntp.example.com/x", "a host, not a URL: give ntp.example.com"},
      {"ntps://user@ntp.example.com:4460/", "a host, not a URL: give ntp.example.com\n"},
      {"10.0.0.1,10.0.0.2", "one host per value: repeat --host"},
      {"a b", "one host per value: repeat --host"}};
  for (const auto& [value, message] : hosts) {
    INFO(value);
    r = In(tmp.path(), {"scan", "--host", value});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(message) != std::string::npos);
  }
  // IPv6 and ports that are not ports stay what they were.
  CHECK(In(tmp.path(), {"scan", "--host", "fd00::123"}).exit_code == 0);
  CHECK(In(tmp.path(), {"scan", "--host", "fd00::1:123"}).exit_code == 0);

  WriteWholeFile(tmp / "base.json", "<html>not json</html>\n");
  r = In(tmp.path(), {"scan", "--host", "10.20.30.40", "--baseline", "base.json"});
  CHECK(r.exit_code == 2);
  CHECK(r.err ==
        "ntpsweep: base.json: not JSON, so not a baseline: give a report an earlier "
        "`ntpsweep scan --format json` or `--format sarif` wrote\n");
}

TEST_CASE("counts are in the right number", "[conventions][grammar]") {
  TempDir outer;
  const InnerDir tmp(outer);
  WriteWholeFile(tmp / "ntp.conf", "server 10.20.30.40\n");
  WriteWholeFile(tmp / "half.conf", std::string("x\n\0\0tail", 8));
  RunResult r = In(tmp.path(), {"scan", "--host", "10.20.30.40"});
  CHECK(r.out.find("1 finding (1 error) in 1 file; 2 text files scanned (") != std::string::npos);
  CHECK(r.out.find(", 1 notice;") != std::string::npos);
  fs::remove(tmp / "half.conf");
  r = In(tmp.path(), {"scan", "--host", "10.20.30.40"});
  CHECK(r.out.find("; 1 text file scanned (19 bytes);") != std::string::npos);
  r = In(tmp.path(), {"scan", "--host", "10.20.30.40", "--format", "sarif", "-o", "../one.sarif"});
  CHECK(r.err == "ntpsweep: 1 finding, 0 notices written to ../one.sarif\n");
  r = In(tmp.path(), {"merge", "../one.sarif", "-o", "../merged.sarif"});
  CHECK(r.err == "ntpsweep: merged 1 log into 1 run, 1 result\n");
  r = In(tmp.path(), {"inventory"});
  CHECK(r.out.find(
            "1 time source: 1 server named, 0 template expressions, in 1 file; 1 text file read") !=
        std::string::npos);
}
