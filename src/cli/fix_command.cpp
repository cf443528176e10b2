// `ntpsweep fix`: the scan's findings -> edits (fix/) -> a diff, SARIF fixes, or files rewritten.
#include <signal.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>

#include "cli/command.h"
#include "cli/config.h"
#include "cli/plan.h"
#include "core/counted.h"
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

volatile sig_atomic_t stop_signal = 0;

void OnStopSignal(int sig) {
  stop_signal = sig;
}

// What fix alone takes; the rest is the scan plan's (plan.h).
struct FixArgs {
  CommandLineOptions shared;
  std::vector<std::string> replace_with;
  std::string format = "diff";
  std::string output;
  bool apply = false;
  bool include_mentions = false;
};

// A path as a diff names it: relative to the working directory when it lies below it.
std::string DiffPath(const std::string& path, const std::string& cwd) {
  std::string rel = RootRelative(path, cwd);
  return rel.empty() ? std::filesystem::path(path).lexically_normal().string() : rel;
}

int RunFixCommand(const FixArgs& args) {
  std::error_code ec;
  std::string cwd = std::filesystem::current_path(ec).string();
  ScanPlan plan = ResolveCommandPlan(args.shared, kForFix);
  if (std::filesystem::is_directory(args.output, ec))
    throw ConfigError("--output: '" + args.output + "' is a directory, not a file");
  const std::vector<std::string>& hosts = plan.hosts;
  if (hosts.empty()) {
    std::cerr << "ntpsweep: fix: no target: give --host OLD (IP, CIDR or host name)\n";
    return kExitError;
  }
  host::TargetSet targets;
  for (const std::string& h : hosts) {
    std::string error;
    if (!targets.Add(h, &error)) {
      std::cerr << "ntpsweep: " << plan.source["host"] << ' ' << h << ": " << error << '\n';
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
  LoadRules(&rule_set, plan.builtin_rules, plan.rule_dirs, plan.rule_dir_wheres);
  SelectRules(&rule_set, plan.enable_rules, plan.disable_rules, {});

  scan::ScanOptions options = ScanOptionsOf(plan, cwd);
  input::VerboseLog verbose(std::cerr);
  if (plan.verbose) options.walk.verbose = &verbose;
  scan::ScanResult result = scan::RunScan(options, rule_set, targets);
  // The ignore file marks findings suppressed, as for scan; fix leaves them alone.
  triage::TriageOptions triage;
  std::string ignore_path = plan.ignore_file;
  if (ignore_path.empty() && std::filesystem::exists(".ntpsweepignore")) ignore_path = ".ntpsweepignore";
  if (!ignore_path.empty()) triage.ignore = triage::LoadIgnoreFile(ignore_path);
  triage.ignore.insert(triage.ignore.end(), plan.ignore.begin(), plan.ignore.end());
  triage.today = triage::Today();
  triage.root = cwd;
  triage::Triage(triage, &result);

  fix::FixOptions fix_options;
  for (const std::string& n : args.replace_with)  // each new server once, in the order given
    if (std::find(fix_options.replacements.begin(), fix_options.replacements.end(), n) ==
        fix_options.replacements.end())
      fix_options.replacements.push_back(n);
  fix_options.include_mentions = args.include_mentions;
  fix::FixPlan fixes = fix::PlanFixes(&result.findings, rule_set, targets, fix_options);

  // What is not rewritten, on stderr: the diff or SARIF on stdout stays clean.
  size_t remaining = 0, left_alone = 0;
  for (const fix::Skipped& s : fixes.skipped) {
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
  for (const auto& [i, note] : fixes.notes) {
    const Finding& f = result.findings[i];
    std::cerr << "ntpsweep: fix: " << f.location.Render() << ':' << f.span.line << ':'
              << f.span.column << ": note [" << f.rule_id << "]: " << note << '\n';
  }
  for (const Notice& n : result.notices)
    if (n.level == Notice::Level::kError) std::cerr << "ntpsweep: " << n.message << '\n';

  size_t edits = 0, failed = 0, written = 0;
  for (const fix::FileChange& c : fixes.files) edits += c.edits.size();
  if (args.apply) {
    // A file size limit fails the write (EFBIG: the temporary file is removed) instead of killing
    // the process with it left behind; Ctrl-C or SIGTERM stops after the file being written.
    struct sigaction ignore {
    }, stop{};
    ignore.sa_handler = SIG_IGN;
    stop.sa_handler = OnStopSignal;
    sigaction(SIGXFSZ, &ignore, nullptr);
    for (int sig : {SIGINT, SIGTERM, SIGHUP}) sigaction(sig, &stop, nullptr);
    for (const fix::FileChange& c : fixes.files) {
      if (stop_signal) {
        std::cerr << "ntpsweep: fix: " << c.path << ": not written: stopped by a signal\n";
        ++failed;
        continue;
      }
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
    ctx.category = plan.category;
    ctx.docs_url = NTPSWEEP_DOCS_URL;
    ctx.srcroot = cwd + "/";
    ctx.vcs = scan::DetectGit(cwd);
    report::WriteSarif(out, result, ctx);
  } else if (!args.apply) {
    for (const fix::FileChange& c : fixes.files)
      fix::WriteUnifiedDiff(out, c, DiffPath(c.path, cwd));
  }
  out.flush();
  if (!out) {
    std::cerr << "ntpsweep: fix: writing the output failed\n";
    return kExitError;
  }
  if (!plan.quiet)
    std::cerr << "ntpsweep: fix: " << Counted(edits, "edit", "edits") << " in "
              << Counted(fixes.files.size(), "file", "files")
              << (args.apply ? ", " + Counted(written, "file", "files") + " rewritten" : std::string())
              << "; " << Counted(remaining, "reference", "references") << " not rewritten, "
              << left_alone << " left alone (comments, copies, mentions, suppressed)\n";
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
  a.shared.Register(cmd, kForFix);
  cmd->add_option("--replace-with", a.replace_with,
                  "The new server, a host name, an address or a pool name (repeatable, in order)")
      ->allow_extra_args(false)
      ->required();
  cmd->add_option("--format", a.format, "Output: a unified diff (default) or SARIF with fixes")
      ->check(CLI::IsMember({"diff", "sarif"}));
  cmd->add_option("-o,--output", a.output, "Write the diff or SARIF to FILE instead of stdout");
  cmd->add_flag("--apply", a.apply,
                "Edit the files in place (atomically), instead of printing a diff");
  cmd->add_flag("--include-mentions", a.include_mentions,
                "Also rewrite comments, backup copies, references and free-text mentions");
  return {{cmd, [args] { return RunFixCommand(*args); }}};
}

}  // namespace ntpsweep::cli
