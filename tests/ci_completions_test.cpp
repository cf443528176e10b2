// Delivery: the shell completions list every flag that --help shows (so they cannot rot), and
// `cmake --install` puts the binary, the generated man page and the completions in place.
#include <catch2/catch.hpp>
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <regex>
#include <set>

#include "ci_util.h"

namespace {

using namespace ntpsweep::testing;
using namespace ntpsweep::testing::ci;

std::set<std::string> Flags(const std::string& help) {
  std::set<std::string> out;
  static const std::regex flag(R"((^|[\s,])(--?[A-Za-z][A-Za-z0-9-]*))");
  for (std::sregex_iterator it(help.begin(), help.end(), flag), end; it != end; ++it)
    out.insert((*it)[2]);
  return out;
}

bool Listed(const std::string& text, const std::string& flag) {
  // A flag is listed when it appears as a whole word (not as the prefix of a longer flag).
  std::regex word("(^|[^A-Za-z0-9-])" + std::regex_replace(flag, std::regex("-"), "\\-") +
                  "([^A-Za-z0-9-]|$)");
  return std::regex_search(text, word);
}

// The subcommands a --help lists under "Subcommands:".
std::vector<std::string> Subcommands(const std::string& help) {
  std::vector<std::string> out;
  size_t at = help.find("Subcommands:");
  if (at == std::string::npos) return out;
  static const std::regex line(R"(\n  ([a-z][a-z-]*)\s)");
  std::string rest = help.substr(at);
  for (std::sregex_iterator it(rest.begin(), rest.end(), line), end; it != end; ++it)
    out.push_back((*it)[1]);
  return out;
}

}  // namespace

TEST_CASE("ci completions: every subcommand is completed and has a man page section",
          "[ci][completions]") {
  const std::string bash = ReadWholeFile(kSourceDir + "/completions/ntpsweep.bash");
  const std::string zsh = ReadWholeFile(kSourceDir + "/completions/_ntpsweep");
  const std::string fish = ReadWholeFile(kSourceDir + "/completions/ntpsweep.fish");
  const std::string man = ReadWholeFile(std::filesystem::path(kBinary).parent_path() / "ntpsweep.1");
  std::vector<std::string> top = Subcommands(RunNtpsweep({"--help"}).out);
  REQUIRE(top.size() >= 8);
  CHECK(std::find(top.begin(), top.end(), "inventory") != top.end());
  CHECK(std::find(top.begin(), top.end(), "version") != top.end());
  for (const std::string& sub : top) {
    INFO(sub);
    CHECK(Listed(bash, sub));
    CHECK(Listed(zsh, sub));
    CHECK(Listed(fish, "-a " + sub));
    RunResult help = RunNtpsweep({sub, "--help"});
    CHECK(help.exit_code == 0);
    std::string title = sub;
    for (char& c : title) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    CHECK(man.find(".SH \"NTPSWEEP " + title) != std::string::npos);
    for (const std::string& nested : Subcommands(help.out)) {
      INFO(sub << ' ' << nested);
      CHECK(Listed(bash, nested));
      CHECK(Listed(zsh, nested));
      CHECK(Listed(fish, nested));
      std::string nested_title = nested;
      for (char& c : nested_title) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      CHECK(man.find(".SH \"NTPSWEEP " + title + " " + nested_title) != std::string::npos);
    }
  }
}

TEST_CASE("ci completions: every flag of every command's --help is completed", "[ci][completions]") {
  const std::string bash = ReadWholeFile(kSourceDir + "/completions/ntpsweep.bash");
  const std::string zsh = ReadWholeFile(kSourceDir + "/completions/_ntpsweep");
  const std::string fish = ReadWholeFile(kSourceDir + "/completions/ntpsweep.fish");
  const std::vector<std::vector<std::string>> commands = {
      {"scan"}, {"rules", "list"}, {"rules", "show"}, {"rules", "validate"}, {"rules", "test"},
      {"init"}, {"merge"}, {"watch"}, {"fix"}, {"inventory"}, {"version"}};
  size_t checked = 0;
  for (const auto& cmd : commands) {
    RunResult r = RunNtpsweep(Join(cmd, {"--help"}));
    REQUIRE(r.exit_code == 0);
    std::set<std::string> flags = Flags(r.out);
    REQUIRE(flags.count("--help"));
    for (const std::string& f : flags) {
      INFO(cmd[0] << (cmd.size() > 1 ? " " + cmd[1] : "") << ": " << f);
      CHECK(Listed(bash, f));
      CHECK(Listed(zsh, f));
      // fish names flags without dashes: -l host, -s o.
      CHECK(Listed(fish, (f.starts_with("--") ? "-l " + f.substr(2) : "-s " + f.substr(1))));
      ++checked;
    }
  }
  CHECK(checked > 40);
  // Subcommands too.
  for (const char* sub :
       {"scan", "rules", "init", "merge", "watch", "fix", "list", "show", "validate", "test"}) {
    CHECK(Listed(bash, sub));
    CHECK(Listed(zsh, sub));
  }
}

TEST_CASE("ci completions: cmake --install places binary, man page and completions", "[ci][install]") {
  namespace fs = std::filesystem;
  TempDir prefix;
  const std::string build = fs::path(kBinary).parent_path().string();
  Shell r = Sh("cmake --install " + Quote(build) + " --prefix " + Quote(prefix.path()));
  INFO(r.output);
  REQUIRE(r.status == 0);
  CHECK(fs::exists(prefix / "bin/ntpsweep"));
  CHECK(fs::exists(prefix / "share/bash-completion/completions/ntpsweep"));
  CHECK(fs::exists(prefix / "share/zsh/site-functions/_ntpsweep"));
  CHECK(fs::exists(prefix / "share/fish/vendor_completions.d/ntpsweep.fish"));
  const std::string man = ReadWholeFile(prefix / "share/man/man1/ntpsweep.1");
  CHECK(man.find(".TH NTPSWEEP 1") != std::string::npos);
  // Generated from --help: every scan flag is in the page.
  for (const std::string& f : Flags(RunNtpsweep({"scan", "--help"}).out)) {
    INFO(f);
    CHECK(Listed(man, f));
  }
  // ... and every flag of the retirement's later steps, each in its own section.
  for (std::string cmd : {"fix", "watch"}) {
    std::string title = cmd == "fix" ? "FIX" : "WATCH";
    CHECK(man.find(".SH \"NTPSWEEP " + title + "\"") != std::string::npos);
    for (const std::string& f : Flags(RunNtpsweep({cmd, "--help"}).out)) {
      INFO(cmd << " " << f);
      CHECK(Listed(man, f));
    }
  }
  // The page is valid roff as man reads it, when man is there.
  if (Sh("command -v man").status == 0) {
    Shell page = Sh("MANWIDTH=100 man -l " + Quote(prefix / "share/man/man1/ntpsweep.1") + " | cat");
    CHECK(page.status == 0);
    CHECK(page.output.find("--fail-on-new-only") != std::string::npos);
  }
}
