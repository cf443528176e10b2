// `ntpsweep fix`: the scan's findings -> edits (fix/) -> a diff, SARIF fixes, or files rewritten.
#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/config.h"
#include "core/file.h"
#include "fix/fix.h"
#include "report/report.h"
#include "scan/scan.h"
#include "scan/vcs.h"
#include "triage/baseline.h"

#ifndef NTPSWEEP_DOCS_URL
#define NTPSWEEP_DOCS_URL "https://github.com/ntpsweep/ntpsweep"
#endif

namespace ntpsweep::cli {
namespace {

struct FixArgs {
  std::vector<std::string> operands;
  std::vector<std::string> hosts;
  std::vector<std::string> replace_with;
  std::string config;
  std::vector<std::string> rule_dirs;
  bool no_builtin = false;
  std::vector<std::string> disable_rules;
  std::vector<std::string> exclude;
  std::vector<std::string> include;
  std::string format = "diff";
  std::string output;
  bool apply = false;
  bool include_mentions = false;
  std::string archives = "on";
  unsigned jobs = 0;
};

// A path as a diff names it: relative to the working directory when it lies below it.
std::string DiffPath(const std::string& path, const std::string& cwd) {
  std::string rel = RootRelative(path, cwd);
  return rel.empty() ? std::filesystem::path(path).lexically_normal().string() : rel;
}

int RunFixCommand(const FixArgs& args) {
  std::error_code ec;
  std::string cwd = std::filesystem::current_path(ec).string();
  std::string config_path = args.config;
  if (config_path.empty() && std::filesystem::exists(".ntpsweep.yaml"))
    config_path = ".ntpsweep.yaml";
  ConfigFile cfg;
  if (!config_path.empty()) cfg = LoadConfigFile(config_path);
  std::vector<std::string> hosts = args.hosts.empty() ? cfg.hosts : args.hosts;
  if (hosts.empty()) {
    std::cerr << "ntpsweep: fix: no target: give --host OLD (IP, CIDR or host name)\n";
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
  // The new servers: host names (a pool name too) or addresses, never one of the old ones.
  for (const std::string& n : args.replace_with) {
    std::string error;
    auto t = host::ParseTarget(n, &error);
    if (!t || t->kind == host::Target::Kind::kIpv4Cidr ||
        t->kind == host::Target::Kind::kIpv6Cidr) {
      std::cerr << "ntpsweep: --replace-with " << n << ": "
                << (t ? std::string("a range is not a server") : error) << '\n';
      return kExitError;
    }
    if (targets.MatchToken(n, host::Context::kHostValue)) {
      std::cerr << "ntpsweep: --replace-with " << n << " is one of the old servers (--host)\n";
      return kExitError;
    }
  }

  rules::RuleSet rule_set;
  std::vector<std::string> dirs = cfg.rule_dirs;
  dirs.insert(dirs.end(), args.rule_dirs.begin(), args.rule_dirs.end());
  LoadRules(&rule_set, !args.no_builtin && cfg.builtin_rules.value_or(true), dirs);
  std::vector<std::string> disabled = cfg.disable_rules;
  disabled.insert(disabled.end(), args.disable_rules.begin(), args.disable_rules.end());
  rule_set.Disable(disabled);

  scan::ScanOptions options;
  options.operands = args.operands.empty() ? std::vector<std::string>{"."} : args.operands;
  options.walk.exclude = cfg.exclude;
  options.walk.exclude.insert(options.walk.exclude.end(), args.exclude.begin(), args.exclude.end());
  options.walk.open_archives = args.archives == "on";
  options.jobs = args.jobs;
  options.max_file_bytes = cfg.max_file_size.value_or(size_t{64} << 20);
  options.walk.limits.max_file_bytes = options.max_file_bytes;
  options.select.root = cwd;
  options.select.include = cfg.include;
  options.select.include.insert(options.select.include.end(), args.include.begin(),
                                args.include.end());
  scan::ScanResult result = scan::RunScan(options, rule_set, targets);
  // The ignore file marks findings suppressed, as for scan; fix leaves them alone.
  triage::TriageOptions triage;
  std::string ignore_path =
      cfg.ignore_file.value_or(std::filesystem::exists(".ntpsweepignore") ? ".ntpsweepignore" : "");
  if (!ignore_path.empty()) triage.ignore = triage::LoadIgnoreFile(ignore_path);
  triage.ignore.insert(triage.ignore.end(), cfg.ignore.begin(), cfg.ignore.end());
  triage.today = triage::Today();
  triage.root = cwd;
  triage::Triage(triage, &result);

  fix::FixOptions fix_options;
  for (const std::string& n : args.replace_with)  // each new server once, in the order given
    if (std::find(fix_options.replacements.begin(), fix_options.replacements.end(), n) ==
        fix_options.replacements.end())
      fix_options.replacements.push_back(n);
  fix_options.include_mentions = args.include_mentions;
  fix::FixPlan plan = fix::PlanFixes(&result.findings, rule_set, targets, fix_options);

  // What is not rewritten, on stderr: the diff or SARIF on stdout stays clean.
  size_t remaining = 0, left_alone = 0;
  for (const fix::Skipped& s : plan.skipped) {
    if (s.left_alone) {
      ++left_alone;
      continue;
    }
    ++remaining;
    const Finding& f = result.findings[s.finding];
    std::cerr << "ntpsweep: fix: " << f.location.Render() << ':' << f.span.line << ':'
              << f.span.column << ": " << (s.rebuild ? "rebuild" : "not rewritten") << " ["
              << f.rule_id << "] " << f.matched << ": " << s.reason << '\n';
  }
  for (const auto& [i, note] : plan.notes) {
    const Finding& f = result.findings[i];
    std::cerr << "ntpsweep: fix: " << f.location.Render() << ':' << f.span.line << ':'
              << f.span.column << ": note [" << f.rule_id << "]: " << note << '\n';
  }
  for (const Notice& n : result.notices)
    if (n.level == Notice::Level::kError) std::cerr << "ntpsweep: " << n.message << '\n';

  size_t edits = 0, failed = 0, written = 0;
  for (const fix::FileChange& c : plan.files) edits += c.edits.size();
  if (args.apply) {
    for (const fix::FileChange& c : plan.files) {
      std::string error;
      if (fix::ReplaceFile(c.path, c.before, c.after, &error)) {
        ++written;
      } else {
        ++failed;
        std::cerr << "ntpsweep: fix: " << c.path << ": not written: " << error << '\n';
      }
    }
  }
  Output output(args.output, "ntpsweep: fix");
  if (!output.ok()) return kExitError;
  std::ostream& out = output.stream();
  if (args.format == "sarif") {
    report::ReportContext ctx;
    ctx.rules = &rule_set;
    ctx.hosts = hosts;
    ctx.category = cfg.category.value_or("ntpsweep");
    ctx.docs_url = NTPSWEEP_DOCS_URL;
    ctx.srcroot = cwd + "/";
    ctx.vcs = scan::DetectGit(cwd);
    report::WriteSarif(out, result, ctx);
  } else if (!args.apply) {
    for (const fix::FileChange& c : plan.files)
      fix::WriteUnifiedDiff(out, c, DiffPath(c.path, cwd));
  }
  out.flush();
  if (!out) {
    std::cerr << "ntpsweep: fix: writing the output failed\n";
    return kExitError;
  }
  std::cerr << "ntpsweep: fix: " << edits << " edits in " << plan.files.size() << " files"
            << (args.apply ? ", " + std::to_string(written) + " files rewritten" : std::string())
            << "; " << remaining << " references not rewritten, " << left_alone
            << " left alone (comments, copies, mentions, suppressed)\n";
  if (failed || result.input_error) return kExitError;
  return remaining > 0 || (!args.apply && edits > 0) ? kExitFindings : kExitClean;
}

}  // namespace

std::vector<Command> RegisterFix(CLI::App& parent) {
  auto args = std::make_shared<FixArgs>();
  FixArgs& a = *args;
  CLI::App* cmd = parent.add_subcommand(
      "fix",
      "Rewrite references to the old server: a diff, SARIF fixes, or the files edited in place");
  cmd->add_option("paths", a.operands, "Files or directories to fix (default: .)");
  cmd->add_option("--host", a.hosts, "The old server: IPv4, IPv6, CIDR or host name (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--replace-with", a.replace_with,
                  "The new server, a host name, an address or a pool name (repeatable, in order)")
      ->allow_extra_args(false)
      ->required();
  cmd->add_option("--config", a.config, "Config file (default: .ntpsweep.yaml if present)");
  cmd->add_option("--rules", a.rule_dirs, "Directory of extra rule files (repeatable)")
      ->allow_extra_args(false);
  cmd->add_flag("--no-builtin-rules", a.no_builtin, "Do not load the built-in rule pack");
  cmd->add_option("--disable-rule", a.disable_rules, "Rule id to turn off (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--exclude", a.exclude, "Glob of paths to skip (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--include", a.include, "Glob of paths to fix; others are skipped (repeatable)")
      ->allow_extra_args(false);
  cmd->add_option("--format", a.format, "Output: a unified diff (default) or SARIF with fixes")
      ->check(CLI::IsMember({"diff", "sarif"}));
  cmd->add_option("-o,--output", a.output, "Write the diff or SARIF to FILE instead of stdout");
  cmd->add_flag("--apply", a.apply,
                "Edit the files in place (atomically), instead of printing a diff");
  cmd->add_flag("--include-mentions", a.include_mentions,
                "Also rewrite comments, backup copies, references and free-text mentions");
  cmd->add_option(
         "--archives", a.archives,
         "Read archives and images found by content, to report what to rebuild (default: on)")
      ->check(CLI::IsMember({"on", "off"}));
  cmd->add_option("-j,--jobs", a.jobs, "Worker threads (default: one per core)");
  return {{cmd, [args] { return RunFixCommand(*args); }}};
}

}  // namespace ntpsweep::cli
