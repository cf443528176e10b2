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
#include "cli/plan.h"
#include "core/counted.h"
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

int RunScanCommand(const CommandLineOptions& cli) {
  ScanPlan plan = ResolveCommandPlan(cli, kForScan);
  // The scan root (--srcroot, default the current directory) is what %SRCROOT% stands for,
  // where .ntpsweep.yaml and .ntpsweepignore are looked for, and where git is asked.
  std::error_code ec;
  std::string srcroot =
      std::filesystem::weakly_canonical(
          std::filesystem::absolute(plan.srcroot.empty() ? "." : plan.srcroot, ec), ec)
          .lexically_normal()
          .string();
  while (srcroot.size() > 1 && srcroot.back() == '/') srcroot.pop_back();
  auto at_root = [&](const char* name) {
    return plan.srcroot.empty() ? std::string(name) : srcroot + "/" + name;
  };
  if (plan.hosts.empty()) {
    std::cerr << "ntpsweep: no target: give --host VALUE (IP, CIDR or host name), NTPSWEEP_HOST "
                 "or a 'hosts:' list in the config file\n";
    return kExitError;
  }
  host::TargetSet targets;
  for (const std::string& h : plan.hosts) {
    std::string error;
    if (!targets.Add(h, &error)) {
      std::cerr << "ntpsweep: " << plan.source["host"] << ' ' << h << ": " << error << '\n';
      return kExitError;
    }
  }
  Severity threshold = plan.fail_on;

  rules::RuleSet rule_set;
  LoadRules(&rule_set, plan.builtin_rules, plan.rule_dirs, plan.rule_dir_wheres);
  SelectRules(&rule_set, plan.enable_rules, plan.disable_rules, plan.severity);
  if (rule_set.rules().empty()) {
    std::cerr << "ntpsweep: no rules are loaded (--no-builtin-rules without --rules DIR?)\n";
    return kExitError;
  }

  scan::ScanOptions options = ScanOptionsOf(plan, srcroot);
  if (!plan.shard.empty()) {
    std::string error;
    if (!scan::ParseShard(plan.shard, &options.select.shard, &error)) {
      std::cerr << "ntpsweep: " << error << '\n';
      return kExitError;
    }
  }
  if (!plan.changed_since.empty()) {
    options.select.limit_to_files = true;
    options.select.files = scan::ChangedFiles(srcroot, plan.changed_since);
  }
  options.report_unused_suppressions = plan.report_unused_suppressions;

  // Suppressions and baseline are read before the scan, so their errors cost no scan time.
  triage::TriageOptions triage;
  std::string ignore_path = plan.ignore_file;
  if (ignore_path.empty() && std::filesystem::exists(at_root(".ntpsweepignore")))
    ignore_path = at_root(".ntpsweepignore");
  if (!ignore_path.empty()) triage.ignore = triage::LoadIgnoreFile(ignore_path);
  triage.ignore.insert(triage.ignore.end(), plan.ignore.begin(), plan.ignore.end());
  triage.today = triage::Today();
  triage.root = srcroot;
  triage.covers = [&options, srcroot](const std::string& root_path) {
    return scan::Covers(options.operands, options.walk.exclude, options.walk.include_vcs,
                        options.select, srcroot, root_path);
  };
  triage.report_unused_suppressions = plan.report_unused_suppressions;
  if (!plan.baseline.empty()) {
    triage.have_baseline = true;
    triage.baseline = triage::LoadBaseline(plan.baseline);
  }
  // ntpsweep's own files are never findings: what this run loads and writes, and the config
  // and ignore file at the scan root (the base revision's, when a workflow names another).
  std::vector<std::string> own = {plan.config_path, ignore_path, plan.baseline, plan.summary,
                                  at_root(".ntpsweep.yaml"), at_root(".ntpsweepignore")};
  for (const ReportOutput& o : plan.outputs) own.push_back(o.path);
  for (const std::string& path : own) AddOwnFile(path, &options.walk.own_files);

  scan::ScanResult result;
  {
    // The progress line is drawn on stderr during the scan only, before any report is written.
    input::Progress progress(!plan.quiet && !plan.verbose && input::Progress::StderrIsTerminal());
    input::VerboseLog verbose(std::cerr);
    options.walk.progress = &progress;
    if (plan.verbose) options.walk.verbose = &verbose;
    result = scan::RunScan(options, rule_set, targets);
    options.walk.progress = nullptr;
    options.walk.verbose = nullptr;
  }

  report::ReportContext ctx;
  ctx.rules = &rule_set;
  ctx.hosts = plan.hosts;
  ctx.operands = plan.operands;
  ctx.category = plan.category;
  ctx.docs_url = NTPSWEEP_DOCS_URL;
  ctx.srcroot = srcroot;
  if (!ctx.srcroot.empty() && ctx.srcroot.back() != '/') ctx.srcroot += '/';
  ctx.absent = triage::Triage(triage, &result);
  ctx.have_baseline = triage.have_baseline;
  ctx.include_suppressed = plan.include_suppressed;
  ctx.include_absent = plan.include_absent;
  ctx.annotate_all = plan.annotate == "all";
  ctx.min_level = plan.min_level;
  ctx.quiet = plan.quiet;
  for (const ReportOutput& o : plan.outputs)
    if (o.format == "sarif") ctx.vcs = scan::DetectGit(srcroot);

  auto output_start = std::chrono::steady_clock::now();
  std::vector<std::string> written;
  for (const ReportOutput& o : plan.outputs) {
    auto write = [&](std::ostream& out) {
      if (o.format == "sarif") {
        report::WriteSarif(out, result, ctx);
        if (size_t left_out = report::SarifResultsLeftOut(result, ctx))
          std::cerr
              << "ntpsweep: warning: the SARIF report leaves out " << left_out
              << " of its least severe results: GitHub code scanning rejects a run of more than "
              << report::kSarifMaxResults << " (--format json lists all)\n";
      } else if (o.format == "json")
        report::WriteJson(out, result, ctx);
      else if (o.format == "github")
        report::WriteGithub(out, result, ctx);
      else if (o.format == "html")
        report::WriteHtml(out, result, ctx);
      else
        report::WriteText(out, result, ctx, UseColor(plan.color, o.path.empty()));
    };
    if (o.path.empty()) {
      write(std::cout);
      std::cout.flush();
      if (!std::cout) {
        std::cerr << "ntpsweep: writing the report failed\n";
        return kExitError;
      }
      continue;
    }
    // Straight into the file, never whole in memory: a report can be many times the findings.
    AtomicFile file;
    std::string error;
    bool ok = file.Open(o.path, &error);
    if (ok) {
      write(file.stream());
      ok = file.Commit(&error);
    }
    if (!ok) {
      std::cerr << "ntpsweep: " << o.where << ": cannot write " << o.path << ": " << error << '\n';
      return kExitError;
    }
    written.push_back(o.path);
  }
  if (plan.stats)
    WriteStats(std::cerr, result.stats,
               std::chrono::duration<double>(std::chrono::steady_clock::now() - output_start).count());
  if (!plan.summary.empty()) {
    // Appended: $GITHUB_STEP_SUMMARY collects every step's Markdown.
    std::ofstream summary(plan.summary, std::ios::binary | std::ios::app);
    report::WriteSummary(summary, result, ctx);
    if (!summary.flush()) {
      std::cerr << "ntpsweep: cannot write the summary to " << plan.summary << '\n';
      return kExitError;
    }
  }
  bool machine_file = false;  // a text report to the terminal says all this itself
  for (const ReportOutput& o : plan.outputs) machine_file = machine_file || (!o.path.empty() && o.format != "text");
  if (machine_file && !plan.quiet) {
    // A report went to a file: still tell the person at the terminal what happened.
    size_t shown = 0;
    for (const Finding& f : result.findings) shown += report::Shown(f, ctx) ? 1 : 0;
    std::cerr << "ntpsweep: " << Counted(shown, "finding", "findings");
    if (shown != result.findings.size())
      std::cerr << " (" << result.findings.size() - shown << " suppressed or below --min-level left out)";
    std::cerr << ", " << Counted(result.notices.size(), "notice", "notices") << " written to ";
    for (size_t i = 0; i < written.size(); ++i) std::cerr << (i ? ", " : "") << written[i];
    std::cerr << '\n';
  }
  for (const Notice& n : result.notices)
    if (n.level == Notice::Level::kError)  // exit code 2: say why where a person looks
      std::cerr << "ntpsweep: " << n.message << '\n';
  if (result.input_error) return kExitError;
  return triage::FailsCheck(result.findings, threshold, plan.fail_on_new_only) ? kExitFindings
                                                                               : kExitClean;
}

}  // namespace

std::vector<Command> RegisterScan(CLI::App& parent) {
  auto cli = std::make_shared<CommandLineOptions>();
  CLI::App* scan_cmd = parent.add_subcommand("scan", "Scan files and directories for references");
  cli->Register(scan_cmd, kForScan);
  return {{scan_cmd, [cli] { return RunScanCommand(*cli); }}};
}

}  // namespace ntpsweep::cli
