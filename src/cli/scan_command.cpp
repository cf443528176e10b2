// `ntpsweep scan`: options -> ScanOptions -> run -> report -> exit code.
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/config.h"
#include "report/report.h"
#include "scan/scan.h"
#include "triage/baseline.h"
#include "triage/suppress.h"
#include "scan/vcs.h"

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
  std::string category;  // default: the config's, else "ntpsweep"
  std::string srcroot;
  unsigned jobs = 0;
  size_t max_file_size = 0;  // 0: the config's limits.max-file-size, else 64 MiB
  // CI (docs/ci.md).
  std::vector<std::string> include;
  std::vector<std::string> enable_rules;
  std::vector<std::string> severity;  // RULE-ID=LEVEL
  std::string ignore_file;
  bool report_unused_suppressions = false;
  std::string baseline;
  bool fail_on_new_only = false;
  bool include_suppressed = false;
  bool include_absent = false;
  std::string summary;
  std::string annotate = "new";  // --format github: new | all
  std::string changed_since;
  std::string shard;
  // Archives, images and disk images (docs/inputs.md).
  std::string archives = "on";
  std::string layers = "squashed";
  input::Limits limits;
  bool quiet = false;
  bool stats = false;
  bool no_prefilter = false;
};

// --enable-rule / enable-rules (allow list), --disable-rule / disable-rules, and severity
// overrides; unknown rule ids are errors.
void SelectRules(rules::RuleSet* set, const std::vector<std::string>& enable,
                 const std::vector<std::string>& disable,
                 const std::vector<std::pair<Located, Located>>& severity) {
  for (const std::string& id : enable)
    if (!set->Find(id)) throw ConfigError("enable-rules: unknown rule id '" + id + "'");
  for (const auto& [id, level] : severity)
    if (!set->Find(id.value))
      throw ConfigError(id.where + ": unknown rule id '" + id.value + "' in severity overrides");
  if (!enable.empty()) {
    std::vector<std::string> off;
    for (const auto& r : set->rules())
      if (std::find(enable.begin(), enable.end(), r->id) == enable.end()) off.push_back(r->id);
    set->Disable(off);
  }
  set->Disable(disable);
  for (const auto& [id, level] : severity)
    for (const auto& r : set->rules())
      if (r->id == id.value) r->severity = ParseSeverity(level.value).value_or(r->severity);
}

// A file option's value (command line or config file): an empty value or a directory is a
// usage error, never silently "no file" or an empty file.
void RequireFile(const char* option, const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw ConfigError(std::string(option) + ": '" + path + "' is a directory, not a file");
}

const CLI::Validator kNotEmpty(
    [](std::string& value) -> std::string {
      return value.empty() ? "an empty value: give one, or leave the option out" : "";
    },
    "");

// Remembers `path` (when it is a regular file) by the names it can be met under in a walk.
void AddOwnFile(const std::string& path, std::vector<input::OwnFile>* out) {
  struct stat st {};
  if (path.empty() || stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return;
  std::error_code ec;
  for (const std::filesystem::path& p :
       {std::filesystem::path(path), std::filesystem::canonical(path, ec)})
    if (!p.filename().empty())
      out->push_back({p.filename().string(), static_cast<uint64_t>(st.st_dev),
                      static_cast<uint64_t>(st.st_ino)});
}

bool UseColor(const std::string& mode, bool to_stdout) {
  if (mode == "always") return true;
  if (mode == "never") return false;
  const char* no_color = std::getenv("NO_COLOR");
  if (no_color && *no_color) return false;
  return to_stdout && isatty(STDOUT_FILENO);
}

int RunScanCommand(ScanArgs args) {
  // The scan root (--srcroot, default the current directory) is what %SRCROOT% stands for,
  // where .ntpsweep.yaml and .ntpsweepignore are looked for, and where git is asked.
  std::error_code ec;
  std::string srcroot =
      std::filesystem::weakly_canonical(
          std::filesystem::absolute(args.srcroot.empty() ? "." : args.srcroot, ec), ec)
          .lexically_normal()
          .string();
  while (srcroot.size() > 1 && srcroot.back() == '/') srcroot.pop_back();
  auto at_root = [&](const char* name) {
    return args.srcroot.empty() ? std::string(name) : srcroot + "/" + name;
  };
  // The config file: --config, else .ntpsweep.yaml at the scan root.
  std::string config_path = args.config;
  if (config_path.empty() && std::filesystem::exists(at_root(".ntpsweep.yaml")))
    config_path = at_root(".ntpsweep.yaml");
  ConfigFile cfg;
  if (!args.config.empty()) RequireFile("--config", args.config);
  if (!args.output.empty()) RequireFile("--output", args.output);
  if (!args.summary.empty()) RequireFile("--summary", args.summary);
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
  LoadRules(&rule_set, !args.no_builtin && cfg.builtin_rules.value_or(true), dirs);
  std::vector<std::string> disabled = cfg.disable_rules;
  disabled.insert(disabled.end(), args.disable_rules.begin(), args.disable_rules.end());
  std::vector<std::string> enabled = cfg.enable_rules;
  enabled.insert(enabled.end(), args.enable_rules.begin(), args.enable_rules.end());
  std::vector<std::pair<Located, Located>> severity = cfg.severity;
  for (const std::string& s : args.severity) {
    size_t eq = s.find('=');
    std::string level = eq == std::string::npos ? "" : s.substr(eq + 1);
    if (eq == std::string::npos || (level != "error" && level != "warning" && level != "note")) {
      std::cerr << "ntpsweep: --severity " << s << ": expected RULE-ID=error|warning|note\n";
      return kExitError;
    }
    severity.push_back({Located{s.substr(0, eq), "--severity"}, Located{level, "--severity"}});
  }
  SelectRules(&rule_set, enabled, disabled, severity);
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
  options.max_file_bytes = args.max_file_size ? args.max_file_size
                                              : cfg.max_file_size.value_or(size_t{64} << 20);
  options.select.root = srcroot;
  options.select.include = cfg.include;
  options.select.include.insert(options.select.include.end(), args.include.begin(),
                                args.include.end());
  if (!args.shard.empty()) {
    std::string error;
    if (!scan::ParseShard(args.shard, &options.select.shard, &error)) {
      std::cerr << "ntpsweep: " << error << '\n';
      return kExitError;
    }
  }
  if (!args.changed_since.empty()) {
    options.select.limit_to_files = true;
    options.select.files = scan::ChangedFiles(srcroot, args.changed_since);
    scan::AddIncludedFiles(srcroot, &options.select.files);
  }
  options.report_unused_suppressions = args.report_unused_suppressions;
  options.prefilter = !args.no_prefilter;

  // Suppressions and baseline are read before the scan, so their errors cost no scan time.
  triage::TriageOptions triage;
  std::string ignore_path = !args.ignore_file.empty() ? args.ignore_file
                                                      : cfg.ignore_file.value_or("");
  if (ignore_path.empty() && std::filesystem::exists(at_root(".ntpsweepignore")))
    ignore_path = at_root(".ntpsweepignore");
  if (!ignore_path.empty()) {
    RequireFile(!args.ignore_file.empty() ? "--ignore-file" : "ignore-file", ignore_path);
    triage.ignore = triage::LoadIgnoreFile(ignore_path);
  }
  triage.ignore.insert(triage.ignore.end(), cfg.ignore.begin(), cfg.ignore.end());
  triage.today = triage::Today();
  triage.root = srcroot;
  triage.covers = [&options, srcroot](const std::string& root_path) {
    return scan::Covers(options.operands, options.walk.exclude, options.walk.include_vcs,
                        options.select, srcroot, root_path);
  };
  triage.report_unused_suppressions = args.report_unused_suppressions;
  std::string baseline_path = !args.baseline.empty() ? args.baseline : cfg.baseline.value_or("");
  if (!baseline_path.empty()) {
    RequireFile(!args.baseline.empty() ? "--baseline" : "baseline", baseline_path);
    triage.have_baseline = true;
    triage.baseline = triage::LoadBaseline(baseline_path);
  }
  bool new_only = args.fail_on_new_only || cfg.fail_on_new_only.value_or(false);
  // ntpsweep's own files are never findings: what this run loads and writes, and the config
  // and ignore file at the scan root (the base revision's, when a workflow names another).
  for (const std::string& own : {config_path, ignore_path, baseline_path, args.output, args.summary,
                                 at_root(".ntpsweep.yaml"), at_root(".ntpsweepignore")})
    AddOwnFile(own, &options.walk.own_files);

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
  ctx.operands = options.operands;
  ctx.category = !args.category.empty() ? args.category : cfg.category.value_or("ntpsweep");
  ctx.docs_url = NTPSWEEP_DOCS_URL;
  ctx.srcroot = srcroot;
  if (!ctx.srcroot.empty() && ctx.srcroot.back() != '/') ctx.srcroot += '/';
  ctx.absent = triage::Triage(triage, &result);
  ctx.have_baseline = triage.have_baseline;
  ctx.include_suppressed = args.include_suppressed;
  ctx.include_absent = args.include_absent;
  ctx.annotate_all = args.annotate == "all";
  if (args.format == "sarif") ctx.vcs = scan::DetectGit(srcroot);

  Output output(args.output);
  if (!output.ok()) return kExitError;
  std::ostream& out = output.stream();
  auto output_start = std::chrono::steady_clock::now();
  if (args.format == "sarif")
    report::WriteSarif(out, result, ctx);
  else if (args.format == "json")
    report::WriteJson(out, result, ctx);
  else if (args.format == "github")
    report::WriteGithub(out, result, ctx);
  else if (args.format == "html")
    report::WriteHtml(out, result, ctx);
  else
    report::WriteText(out, result, ctx, UseColor(args.color, args.output.empty()));
  out.flush();
  if (!out) {
    std::cerr << "ntpsweep: writing the report failed\n";
    return kExitError;
  }
  if (args.stats)
    WriteStats(std::cerr, result.stats,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - output_start).count());
  if (!args.summary.empty()) {
    // Appended: $GITHUB_STEP_SUMMARY collects every step's Markdown.
    std::ofstream summary(args.summary, std::ios::binary | std::ios::app);
    report::WriteSummary(summary, result, ctx);
    if (!summary.flush()) {
      std::cerr << "ntpsweep: cannot write the summary to " << args.summary << '\n';
      return kExitError;
    }
  }
  if (!args.output.empty() && args.format != "text") {
    // A machine report went to a file: still tell the person at the terminal what happened.
    size_t shown = 0;
    for (const Finding& f : result.findings) shown += report::Shown(f, ctx) ? 1 : 0;
    std::cerr << "ntpsweep: " << shown << " findings";
    if (shown != result.findings.size())
      std::cerr << " (" << result.findings.size() - shown << " suppressed left out)";
    std::cerr << ", " << result.notices.size() << " notices written to " << args.output << '\n';
  }
  for (const Notice& n : result.notices)
    if (n.level == Notice::Level::kError)  // exit code 2: say why where a person looks
      std::cerr << "ntpsweep: " << n.message << '\n';
  if (result.input_error) return kExitError;
  return triage::FailsCheck(result.findings, threshold, new_only) ? kExitFindings : kExitClean;
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
  scan_cmd
      ->add_option("--config", scan.config,
                   "Config file (default: .ntpsweep.yaml at the scan root if present)")
      ->check(kNotEmpty);
  scan_cmd->add_option("--rules", scan.rule_dirs, "Directory of extra rule files (repeatable)")
      ->allow_extra_args(false);
  scan_cmd->add_flag("--no-builtin-rules", scan.no_builtin, "Do not load the built-in rule pack");
  scan_cmd->add_option("--disable-rule", scan.disable_rules, "Rule id to turn off (repeatable)")
      ->allow_extra_args(false);
  scan_cmd->add_option("--format", scan.format, "Output format")
      ->check(CLI::IsMember({"text", "sarif", "json", "github", "html"}));
  scan_cmd->add_option("-o,--output", scan.output, "Write the report to FILE instead of stdout")
      ->check(kNotEmpty);
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
  scan_cmd
      ->add_option("--srcroot", scan.srcroot,
                   "The scan root: where the config and ignore file are looked for and what paths "
                   "in fingerprints, baselines and SARIF URIs are relative to (default: .)")
      ->check(kNotEmpty);
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
  scan_cmd
      ->add_option("--max-total-bytes", scan.limits.max_total_bytes,
                   "Bytes decompressed by the whole scan, every input together (default: 256GiB)")
      ->transform(CLI::AsSizeValue(false));
  scan_cmd
      ->add_option(
          "--max-ratio", scan.limits.max_ratio,
          "Decompressed bytes per byte of an input or archive before reading stops (default: 1000)")
      ->check(CLI::PositiveNumber);
  scan_cmd->add_option("--max-entries", scan.limits.max_entries,
                       "Members of one archive or files of one file system (default: 1000000)")
      ->check(CLI::PositiveNumber);
  scan_cmd->add_option("--max-buffer", scan.limits.max_buffer_bytes,
                       "Memory for one member that needs random access: 7z in a stream, a raw disk image in an archive (default: 256MiB)")
      ->transform(CLI::AsSizeValue(false));
  scan_cmd->add_flag("-q,--quiet", scan.quiet, "No progress line on stderr");
  scan_cmd->add_flag("--stats", scan.stats,
                     "After the report, print on stderr what was read, what the prefilter spared and the time per phase");
  scan_cmd->add_flag("--no-prefilter", scan.no_prefilter,
                     "Read every file with every reader that applies, even where no target can be (a check of the prefilter; slow)");
  // CI and GitHub code scanning (docs/ci.md).
  scan_cmd->add_option("--include", scan.include, "Glob of paths to scan; others are skipped (repeatable)")
      ->allow_extra_args(false);
  scan_cmd->add_option("--enable-rule", scan.enable_rules, "Run only these rule ids (repeatable)")
      ->allow_extra_args(false);
  scan_cmd->add_option("--severity", scan.severity, "Override a rule's severity: RULE-ID=error|warning|note (repeatable)")
      ->allow_extra_args(false);
  scan_cmd
      ->add_option(
          "--ignore-file", scan.ignore_file,
          "Ignore file of fingerprints and path globs (default: .ntpsweepignore at the scan root)")
      ->check(kNotEmpty);
  scan_cmd->add_flag("--report-unused-suppressions", scan.report_unused_suppressions,
                     "Report ntpsweep:ignore markers and ignore entries that matched nothing");
  scan_cmd
      ->add_option(
          "--baseline", scan.baseline,
          "An earlier SARIF or JSON report: mark results new, unchanged, updated or absent")
      ->check(kNotEmpty);
  scan_cmd->add_flag("--fail-on-new-only", scan.fail_on_new_only,
                     "Exit 1 only for new findings (those not in the baseline)");
  scan_cmd->add_flag("--include-suppressed", scan.include_suppressed,
                     "Keep suppressed results in the report (GitHub shows them as open alerts)");
  scan_cmd->add_flag("--include-absent", scan.include_absent,
                     "Keep baseline results that are gone in the SARIF (baselineState absent)");
  scan_cmd
      ->add_option("--annotate", scan.annotate,
                   "--format github: annotate the new findings (default) or all open ones; new and "
                   "most severe first")
      ->check(CLI::IsMember({"new", "all"}));
  scan_cmd
      ->add_option("--summary", scan.summary,
                   "Append a Markdown summary to FILE (e.g. $GITHUB_STEP_SUMMARY)")
      ->check(kNotEmpty);
  scan_cmd->add_option("--changed-since", scan.changed_since,
                       "Scan only files changed since the git revision REV (and files they include)");
  scan_cmd->add_option("--shard", scan.shard, "Scan only shard K of N (K/N), split by a stable hash of each path");
  return {{scan_cmd, [args] { return RunScanCommand(*args); }}};
}

}  // namespace ntpsweep::cli
