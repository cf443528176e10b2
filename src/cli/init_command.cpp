// `ntpsweep init`: writes a commented starter .ntpsweep.yaml.
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/config.h"

namespace ntpsweep::cli {

std::string StarterConfig(const std::vector<std::string>& hosts) {
  std::string h;
  if (hosts.empty()) {
    h = "hosts:\n  - 10.20.30.40                 # an IPv4 address, an IPv6 address, a CIDR or a name\n"
        "  - ntp-old.corp.example.com\n";
  } else {
    h = "hosts:\n";
    for (const std::string& v : hosts) h += "  - '" + v + "'\n";
  }
  return "# ntpsweep configuration (docs/ci.md). Command-line flags override these values;\n"
         "# list values (include, exclude, rules, ...) are combined with the command line's.\n"
         "\n"
         "# The retired time server: every spelling of these is found.\n" +
         h +
         "\n"
         "# Paths to scan and to skip (globs; '**' spans directories; no '/' matches a name).\n"
         "# include: ['etc/**', 'ansible/**']\n"
         "exclude:\n"
         "  - 'vendor/**'\n"
         "  - 'node_modules/**'\n"
         "\n"
         "# Extra rule directories, relative to this file; the built-in pack stays on unless\n"
         "# builtin-rules is false.\n"
         "# rules: [ci/ntpsweep-rules]\n"
         "# builtin-rules: true\n"
         "\n"
         "# Rule selection (ntpsweep rules list shows the ids) and severity overrides.\n"
         "# enable-rules: [ntp-conf-source, chrony-source]   # only these\n"
         "# disable-rules: [text-mention]\n"
         "# severity:\n"
         "#   text-mention: note\n"
         "\n"
         "# The check fails (exit 1) on a finding at or above this level: error, warning, note, none.\n"
         "fail-on: warning\n"
         "# With a baseline, fail only on findings that are new since it.\n"
         "# fail-on-new-only: true\n"
         "# baseline: ntpsweep-baseline.sarif\n"
         "\n"
         "# Suppressions: an ignore file (default .ntpsweepignore at the scan root) and entries here.\n"
         "# Each entry names a fingerprint or a path glob, a reason, and optionally an expiry date\n"
         "# after which it stops suppressing and is reported.\n"
         "# ignore-file: .ntpsweepignore\n"
         "# ignore:\n"
         "#   - path: 'docs/history/**'\n"
         "#     reason: the changelog keeps old addresses\n"
         "#   - fingerprint: '0123456789abcdef:1'\n"
         "#     rule: text-mention\n"
         "#     reason: being removed in OPS-1234\n"
         "#     expires: 2030-01-31\n"
         "\n"
         "# SARIF category (automationDetails.id): one per upload.\n"
         "# category: ntpsweep\n"
         "\n"
         "# Input limits.\n"
         "limits:\n"
         "  max-file-size: 67108864          # bytes of one file that are matched\n";
}

namespace {

struct InitArgs {
  std::vector<std::string> hosts;
  std::string output = ".ntpsweep.yaml";
  bool force = false;
};

int RunInit(const InitArgs& args) {
  std::error_code ec;
  if (!args.force && std::filesystem::exists(args.output, ec)) {
    std::cerr << "ntpsweep: " << args.output << " exists (use --force to overwrite)\n";
    return kExitError;
  }
  std::string text = StarterConfig(args.hosts);
  ParseConfig(text, args.output);  // the starter must load as written (throws ConfigError)
  std::ofstream out(args.output, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) {
    std::cerr << "ntpsweep: cannot write " << args.output << '\n';
    return kExitError;
  }
  std::cerr << "ntpsweep: wrote " << args.output << '\n';
  return kExitClean;
}

}  // namespace

std::vector<Command> RegisterInit(CLI::App& parent) {
  auto args = std::make_shared<InitArgs>();
  CLI::App* cmd = parent.add_subcommand("init", "Write a commented starter .ntpsweep.yaml");
  cmd->add_option("--host", args->hosts, "The old server, pre-filled in hosts: (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("-o,--output", args->output, "File to write (default: .ntpsweep.yaml)");
  cmd->add_flag("--force", args->force, "Overwrite an existing file");
  return {{cmd, [args] { return RunInit(*args); }}};
}

}  // namespace ntpsweep::cli
