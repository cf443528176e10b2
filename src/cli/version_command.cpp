// `ntpsweep version` and `-V`/`--version`: the program, its rule pack and the libraries it was
// built with, as text or JSON (what a bug report or an SBOM needs).
#include <cstdio>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "rules/builtin.h"

#ifndef NTPSWEEP_LIBRARY_VERSIONS
#define NTPSWEEP_LIBRARY_VERSIONS ""
#endif

namespace ntpsweep::cli {
namespace {

// The built-in rule pack: the program's version plus a digest of its files (FNV-1a 64), so two
// builds with different rules never claim the same pack.
std::string RulePackVersion(size_t* files, size_t* rules) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
    h = (h ^ 0xff) * 1099511628211ull;  // a separator, so that ("ab","c") differs from ("a","bc")
  };
  *files = 0;
  for (const auto& f : rules::BuiltinRuleFiles()) {
    mix(f.name);
    mix(f.text);
    ++*files;
  }
  rules::RuleSet set;
  LoadRules(&set, true, {});
  *rules = set.rules().size();
  char digest[17];
  std::snprintf(digest, sizeof digest, "%016llx", static_cast<unsigned long long>(h));
  return std::string(NTPSWEEP_VERSION) + "+" + std::string(digest, 12);
}

// "name=version,name=version" from CMake (pkg-config and find_package versions at build time).
std::vector<std::pair<std::string, std::string>> Libraries() {
  std::vector<std::pair<std::string, std::string>> out;
  std::string_view all = NTPSWEEP_LIBRARY_VERSIONS;
  while (!all.empty()) {
    size_t semi = all.find(',');
    std::string_view item = all.substr(0, semi);
    all.remove_prefix(semi == std::string_view::npos ? all.size() : semi + 1);
    size_t eq = item.find('=');
    // pkg-config says 0.0.0 where a library ships no version (Debian's re2): leave it out.
    if (eq == std::string_view::npos || eq + 1 == item.size() || item.substr(eq + 1) == "0.0.0")
      continue;
    out.emplace_back(std::string(item.substr(0, eq)), std::string(item.substr(eq + 1)));
  }
  return out;
}

}  // namespace

int PrintVersion(std::ostream& out, bool json) {
  size_t files = 0, rules = 0;
  std::string pack = RulePackVersion(&files, &rules);
  if (json) {
    nlohmann::ordered_json j;
    j["ntpsweep"] = NTPSWEEP_VERSION;
    j["rule_pack"] = {{"version", pack}, {"files", files}, {"rules", rules}};
    j["libraries"] = nlohmann::ordered_json::object();
    for (const auto& [name, version] : Libraries()) j["libraries"][name] = version;
    out << j.dump(2) << '\n';
  } else {
    out << "ntpsweep " << NTPSWEEP_VERSION << '\n'
        << "rule pack " << pack << " (" << rules << " rules in " << files << " files)\n"
        << "built with";
    bool first = true;
    for (const auto& [name, version] : Libraries()) {
      out << (first ? " " : ", ") << name << ' ' << version;
      first = false;
    }
    out << '\n';
  }
  out.flush();
  return out ? kExitClean : kExitError;
}

std::vector<Command> RegisterVersion(CLI::App& parent) {
  auto format = std::make_shared<std::string>("text");
  CLI::App* cmd = parent.add_subcommand(
      "version",
      "Print the version of ntpsweep, its rule pack and the libraries it was built with");
  cmd->add_option("--format", *format, "text (default) or json")
      ->check(CLI::IsMember({"text", "json"}));
  return {{cmd, [format] { return PrintVersion(std::cout, *format == "json"); }}};
}

}  // namespace ntpsweep::cli
