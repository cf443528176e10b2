// The CI gate's view of a scan: content fingerprints, the ignore file, and the comparison with
// a baseline (an earlier SARIF or JSON report), so a check fails only on what a change added.
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/types.h"
#include "triage/suppress.h"

namespace ntpsweep::triage {

class BaselineError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Reads an earlier report: SARIF (ntpsweep's runs; results marked absent are skipped) or
// ntpsweep JSON. Findings without an "ntpsweep/v1" fingerprint get one computed from their
// rule, path, matched text and line. Throws BaselineError.
std::vector<Finding> LoadBaseline(const std::string& path);
std::vector<Finding> ParseBaseline(const std::string& text, const std::string& name);

// Which baseline findings a scan can judge. Locations compare from the scan root: the current
// findings' through ScanRootLocation, the baseline's as their report wrote them (relative to
// the root it was made at; absolute ones placed against `root`).
struct BaselineScope {
  std::string root;  // absolute scan root; "" compares locations as they are
  // Whether the scan looked at (or would have looked at, were it there) the outermost file
  // `root_path` (ScanRootPath). Baseline findings elsewhere are neither matched nor absent.
  // Empty: every file.
  std::function<bool(const std::string& root_path)> covers;
};

// Marks every finding new, unchanged or updated against `baseline` and returns the baseline
// findings that are gone (state absent), their paths as this run reports paths. Fingerprints
// must be assigned (with the same root). Matching:
//  1. same fingerprint: unchanged, or updated when its severity or class (activity) changed;
//     never on the message, which reports render differently (SARIF appends related links);
//  2. otherwise (an edited line) a baseline finding left over with the same rule, path and
//     matched text, paired in line order: updated, unless the severity rose (a commented-out
//     server line made active again): new. Suppressed findings take no part in this pass;
//  3. anything else is new.
// So a change that edits or moves accepted references passes a --fail-on-new-only gate; one
// that adds a reference (more mentions of a host by a rule in a file) does not.
std::vector<Finding> ApplyBaseline(const std::vector<Finding>& baseline,
                                   std::vector<Finding>* findings, const BaselineScope& scope = {});

struct TriageOptions {
  std::vector<IgnoreEntry> ignore;   // the ignore file and the config's entries
  std::string today;                       // YYYY-MM-DD for expiry
  std::string root;                        // absolute scan root: ignore globs, fingerprints
  std::function<bool(const std::string&)> covers;  // BaselineScope::covers
  bool report_unused_suppressions = false;
  bool have_baseline = false;
  std::vector<Finding> baseline;
};

// Fingerprints, then ignore entries, then the baseline, in that order. Returns the absent
// findings (empty without a baseline).
std::vector<Finding> Triage(const TriageOptions& options, ScanResult* result);

// The exit decision: does any unsuppressed finding reach `threshold` (kNone: never)? With
// `new_only`, only findings whose baseline state is new (or that have no state) count.
bool FailsCheck(const std::vector<Finding>& findings, Severity threshold, bool new_only);

}  // namespace ntpsweep::triage
