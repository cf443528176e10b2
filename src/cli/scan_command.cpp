// `ntpsweep scan`: options -> ScanOptions -> run -> report -> exit code.
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/config.h"
#include "report/report.h"
#include "scan/scan.h"

namespace ntpsweep::cli {
namespace {

#ifndef NTPSWEEP_DOCS_URL
#define NTPSWEEP_DOCS_URL "https://github.com/ntpsweep/ntpsweep"
#endif

struct ScanArgs {
  std::vector<std::string> operands;
  std::vector<std::string> hosts;
  std::string config;
  std::vector<std::string> rule_dirs;
  bool no_builtin = false;
  std::vector<std::string> disable_rules;
  std::string format = "text";
  std::string output;
  std::string fail_on;
  std::vector<std::string> exclude;
  bool include_vcs = false;
  std::string color = "auto";
  std::string category = "ntpsweep";
  std::string srcroot;
  unsigned jobs = 0;
  size_t max_file_size = 64u << 20;
  // Archives, images and disk images (docs/inputs.md).
  std::string archives = "on";
  std::string layers = "squashed";
  input::Limits limits;
  bool quiet = false;
};

bool UseColor(const std::string& mode, bool to_stdout) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  return to_stdout && isatty(STDOUT_FILENO);
}

int RunScanCommand(ScanArgs args) {
  // The config file: --config, else .ntpsweep.yaml in the current directory.
  std::string config_path = args.config;
  if (config_path.empty() && std::filesystem::exists(".ntpsweep.yaml"))
    config_path = ".ntpsweep.yaml";
  ConfigFile cfg;
  if (!config_path.empty()) cfg = LoadConfigFile(config_path);
  // Command-line values come first and win; list values from both are combined.
  std::vector<std::string> hosts = args.hosts;
  if (hosts.empty()) hosts = cfg.hosts;
  if (hosts.empty()) {
    std::cerr << "ntpsweep: no target: give --host VALUE (IP, CIDR or host name) or a 'hosts:' "
                 "list in the config file\n";
    return kExitError;
  }
  host::TargetSet targets;
  for (const std::string& h : hosts) {
    std::string error;
    if (!targets.Add(h, &error)) {
      std::cerr << "ntpsweep: --host " << h << ": " << error << '\n';
      return kExitError;
    }
  }
  std::string fail_on = !args.fail_on.empty() ? args.fail_on : cfg.fail_on.value_or("warning");
  Severity threshold = ParseSeverity(fail_on).value_or(Severity::kWarning);

  rules::RuleSet rule_set;
  std::vector<std::string> dirs = cfg.rule_dirs;
  dirs.insert(dirs.end(), args.rule_dirs.begin(), args.rule_dirs.end());
  LoadRules(&rule_set, !args.no_builtin, dirs);
  std::vector<std::string> disabled = cfg.disable_rules;
  disabled.insert(disabled.end(), args.disable_rules.begin(), args.disable_rules.end());
  rule_set.Disable(disabled);
  if (rule_set.rules().empty()) {
    std::cerr << "ntpsweep: no rules are loaded (--no-builtin-rules without --rules DIR?)\n";
    return kExitError;
  }

  scan::ScanOptions options;
  options.operands = args.operands.empty() ? std::vector<std::string>{"."} : args.operands;
  options.walk.exclude = cfg.exclude;
  options.walk.exclude.insert(options.walk.exclude.end(), args.exclude.begin(), args.exclude.end());
  options.walk.include_vcs = args.include_vcs;
  options.walk.open_archives = args.archives == "on";
  options.walk.all_layers = args.layers == "all";
  options.walk.limits = args.limits;
  options.jobs = args.jobs;
  options.max_file_bytes = args.max_file_size;
  options.walk.limits.max_file_bytes = options.max_file_bytes;
  scan::ScanResult result;
  {
    // The progress line is drawn on stderr during the scan only, before any report is written.
    input::Progress progress(!args.quiet && input::Progress::StderrIsTerminal());
    options.walk.progress = &progress;
    result = scan::RunScan(options, rule_set, targets);
    options.walk.progress = nullptr;
  }

  report::ReportContext ctx;
  ctx.rules = &rule_set;
  ctx.hosts = hosts;
  ctx.category = args.category;
  ctx.docs_url = NTPSWEEP_DOCS_URL;
  std::error_code ec;
  ctx.srcroot = std::filesystem::absolute(args.srcroot.empty() ? "." : args.srcroot, ec)
                    .lexically_normal()
                    .string();
  if (!ctx.srcroot.empty() && ctx.srcroot.back() != '/') ctx.srcroot += '/';

  std::ofstream file;
  if (!args.output.empty()) {
    file.open(args.output, std::ios::binary | std::ios::trunc);
    if (!file) {
      std::cerr << "ntpsweep: cannot write " << args.output << '\n';
      return kExitError;
    }
  }
  std::ostream& out = args.output.empty() ? std::cout : file;
  if (args.format == "sarif")
    report::WriteSarif(out, result, ctx);
  else if (args.format == "json")
    report::WriteJson(out, result, ctx);
  else
    report::WriteText(out, result, ctx, UseColor(args.color, args.output.empty()));
  out.flush();
  if (!out) {
    std::cerr << "ntpsweep: writing the report failed\n";
    return kExitError;
  }
  if (!args.output.empty() && args.format != "text") {
    // A machine report went to a file: still tell the person at the terminal what happened.
    std::cerr << "ntpsweep: " << result.findings.size() << " findings, " << result.notices.size()
              << " notices written to " << args.output << '\n';
  }
  for (const Notice& n : result.notices)
    if (n.level == Notice::Level::kError && (args.format != "text" || !args.output.empty()))
      std::cerr << "ntpsweep: " << n.message << '\n';
  if (result.input_error) return kExitError;
  for (const Finding& f : result.findings)
    if (threshold != Severity::kNone && f.severity >= threshold) return kExitFindings;
  return kExitClean;
}

}  // namespace

std::vector<Command> RegisterScan(CLI::App& parent) {
  auto args = std::make_shared<ScanArgs>();
  ScanArgs& scan = *args;
  CLI::App* scan_cmd = parent.add_subcommand("scan", "Scan files and directories for references");
  scan_cmd->add_option("paths", scan.operands, "Files or directories to scan (default: .)");
  scan_cmd
      ->add_option("--host", scan.hosts,
                   "The old server: IPv4, IPv6, CIDR or host name (repeatable)")
      ->allow_extra_args(false);
  scan_cmd->add_option("--config", scan.config,
                       "Config file (default: ./.ntpsweep.yaml if present)");
  scan_cmd->add_option("--rules", scan.rule_dirs, "Directory of extra rule files (repeatable)")
      ->allow_extra_args(false);
  scan_cmd->add_flag("--no-builtin-rules", scan.no_builtin, "Do not load the built-in rule pack");
  scan_cmd->add_option("--disable-rule", scan.disable_rules, "Rule id to turn off (repeatable)")
      ->allow_extra_args(false);
  scan_cmd->add_option("--format", scan.format, "Output format")
      ->check(CLI::IsMember({"text", "sarif", "json"}));
  scan_cmd->add_option("-o,--output", scan.output, "Write the report to FILE instead of stdout");
  scan_cmd
      ->add_option("--fail-on", scan.fail_on,
                   "Exit 1 when a finding has at least this severity (default: warning)")
      ->check(CLI::IsMember({"error", "warning", "note", "none"}));
  scan_cmd->add_option("--exclude", scan.exclude, "Glob of paths to skip (repeatable)")
      ->allow_extra_args(false);
  scan_cmd->add_flag("--include-vcs", scan.include_vcs, "Also scan .git, .hg and .svn directories");
  scan_cmd->add_option("--color", scan.color, "Colour in text output")
      ->check(CLI::IsMember({"auto", "always", "never"}));
  scan_cmd->add_option("--category", scan.category,
                       "SARIF category (automationDetails.id), one per upload");
  scan_cmd->add_option("--srcroot", scan.srcroot,
                       "Directory that relative SARIF URIs are relative to (default: .)");
  scan_cmd->add_option("-j,--jobs", scan.jobs, "Worker threads (default: one per core)");
  scan_cmd
      ->add_option("--max-file-size", scan.max_file_size,
                   "Bytes of one file read for matching (default: 67108864)")
      ->check(CLI::PositiveNumber);
  // Archives, container images and disk images (docs/inputs.md).
  scan_cmd->add_option("--archives", scan.archives,
                       "In directories, also read archives, images and disk images found by content (default: on)")
      ->check(CLI::IsMember({"on", "off"}));
  scan_cmd->add_option("--layers", scan.layers,
                       "Container images: the squashed file system (default) or every layer as it is")
      ->check(CLI::IsMember({"squashed", "all"}));
  scan_cmd->add_option("--max-depth", scan.limits.max_depth, "Levels of nested archives, images and disks (default: 8)")
      ->check(CLI::Range(1, 64));
  scan_cmd->add_option("--max-entry-size", scan.limits.max_entry_bytes,
                       "Bytes of one archive member or image file decompressed and read (default: 4GiB)")
      ->transform(CLI::AsSizeValue(false));
  scan_cmd->add_option("--max-input-size", scan.limits.max_input_bytes,
                       "Bytes decompressed for one operand, all levels (default: 64GiB)")
      ->transform(CLI::AsSizeValue(false));
  scan_cmd->add_option("--max-ratio", scan.limits.max_ratio,
                       "Decompressed bytes per byte of input before reading stops (default: 1000)")
      ->check(CLI::PositiveNumber);
  scan_cmd->add_option("--max-entries", scan.limits.max_entries,
                       "Members of one archive or files of one file system (default: 1000000)")
      ->check(CLI::PositiveNumber);
  scan_cmd->add_option("--max-buffer", scan.limits.max_buffer_bytes,
                       "Memory for one member that needs random access: 7z in a stream, a raw disk image in an archive (default: 256MiB)")
      ->transform(CLI::AsSizeValue(false));
  scan_cmd->add_flag("-q,--quiet", scan.quiet, "No progress line on stderr");
  return {{scan_cmd, [args] { return RunScanCommand(*args); }}};
}

}  // namespace ntpsweep::cli
