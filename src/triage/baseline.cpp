#include "triage/baseline.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <tuple>

#include <nlohmann/json.hpp>

#include "core/bytes.h"
#include "core/file.h"
#include "core/fingerprint.h"

namespace ntpsweep::triage {
namespace {

using Json = nlohmann::json;

std::string PercentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    auto hex = [](char c) {
      return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    };
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string Str(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

uint32_t Num(const Json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_number_unsigned() ? it->get<uint32_t>() : 0;
}

Activity ParseActivity(const std::string& s) {
  for (Activity a : {Activity::kActive, Activity::kReference, Activity::kCommented,
                     Activity::kBackupCopy, Activity::kMention, Activity::kTemplate,
                     Activity::kShadowed, Activity::kCodeDefault})
    if (ActivityName(a) == s) return a;
  return Activity::kMention;
}

// An artifact URI as a path: "file://" URIs become absolute paths, %SRCROOT%-relative ones stay
// relative to the scan root the report was made at.
std::string UriPath(std::string uri) {
  if (uri.starts_with("file://")) uri.erase(0, 7);
  return PercentDecode(uri);
}

// The location chain of a nested result from run.artifacts: each artifact's URI is relative to
// its parent (SARIF 3.24), the outermost one to %SRCROOT%. Empty when the chain is broken.
std::vector<std::string> ArtifactChain(const Json& artifacts, size_t index) {
  std::vector<std::string> chain;
  for (size_t hops = 0; hops <= artifacts.size(); ++hops) {
    if (!artifacts.is_array() || index >= artifacts.size() || !artifacts[index].is_object())
      return {};
    const Json& a = artifacts[index];
    const Json& loc = a.value("location", Json::object());
    chain.insert(chain.begin(), UriPath(Str(loc, "uri")));
    auto parent = a.find("parentIndex");
    if (parent == a.end()) return chain;
    if (!parent->is_number_unsigned()) return {};
    index = parent->get<size_t>();
  }
  return {};  // a cycle
}

Finding FromSarifResult(const Json& r, const Json& artifacts) {
  Finding f;
  f.rule_id = Str(r, "ruleId");
  f.severity = ParseSeverity(Str(r, "level")).value_or(Severity::kWarning);
  if (r.contains("message")) f.message = Str(r["message"], "text");
  if (r.contains("locations") && r["locations"].is_array() && !r["locations"].empty()) {
    const Json& phys = r["locations"][0].value("physicalLocation", Json::object());
    std::string uri = phys.contains("artifactLocation") ? Str(phys["artifactLocation"], "uri") : "";
    f.location.chain = {UriPath(uri)};
    if (phys.contains("region")) {
      const Json& reg = phys["region"];
      f.span.line = Num(reg, "startLine");
      f.span.column = Num(reg, "startColumn");
      f.span.end_line = Num(reg, "endLine");
      f.span.end_column = Num(reg, "endColumn");
      if (reg.contains("snippet")) f.line_text = Str(reg["snippet"], "text");
    }
  }
  if (r.contains("partialFingerprints")) {
    f.fingerprint = Str(r["partialFingerprints"], std::string(kFingerprintName).c_str());
    f.line_hash = Str(r["partialFingerprints"], "primaryLocationLineHash");
  }
  if (r.contains("properties")) {
    const Json& p = r["properties"];
    f.matched = Str(p, "matched");
    f.target = Str(p, "target");
    f.match_kind = Str(p, "matchKind");
    f.directive = Str(p, "directive");
    f.activity = ParseActivity(Str(p, "activity"));
    // A nested result's URI flattens its chain; run.artifacts keeps the levels.
    if (p.contains("artifactIndex") && p["artifactIndex"].is_number_unsigned()) {
      std::vector<std::string> chain = ArtifactChain(artifacts, p["artifactIndex"].get<size_t>());
      if (!chain.empty()) f.location.chain = std::move(chain);
    }
  }
  return f;
}

Finding FromJsonFinding(const Json& j) {
  Finding f;
  f.rule_id = Str(j, "rule");
  f.severity = ParseSeverity(Str(j, "severity")).value_or(Severity::kWarning);
  f.activity = ParseActivity(Str(j, "activity"));
  // The exact bytes of a name that is not UTF-8 (docs/output.md), else the chain as text.
  std::string part;
  if (j.contains("chain_base64") && j["chain_base64"].is_array())
    for (const Json& c : j["chain_base64"])
      if (c.is_string() && Base64Decode(c.get<std::string>(), &part))
        f.location.chain.push_back(part);
  if (f.location.chain.empty() && j.contains("chain") && j["chain"].is_array())
    for (const Json& c : j["chain"])
      if (c.is_string()) f.location.chain.push_back(c.get<std::string>());
  if (f.location.chain.empty()) f.location.chain = {Str(j, "location")};
  // The outermost path relative to the scan root (reports before it had only the path as
  // reported, which is the same when the scan ran at the scan root).
  if (j.contains("root_path") && j["root_path"].is_string())
    f.location.chain.front() = j["root_path"].get<std::string>();
  f.span.line = Num(j, "line");
  f.span.column = Num(j, "column");
  f.span.end_line = Num(j, "end_line");
  f.span.end_column = Num(j, "end_column");
  f.matched = Str(j, "matched");
  f.target = Str(j, "target");
  f.match_kind = Str(j, "match_kind");
  f.directive = Str(j, "directive");
  f.message = Str(j, "message");
  f.line_text = Str(j, "line_text");
  f.line_hash = Str(j, "line_hash");
  f.fingerprint = Str(j, "fingerprint");
  return f;
}

// What stays when a line is edited: the rule, the file (from the scan root) and the mention.
std::tuple<std::string, std::string, std::string> LooseKey(const Finding& f,
                                                           const Location& at_root) {
  return {f.rule_id, at_root.Render(), f.matched};
}

// A baseline finding's location from the scan root: its paths are relative to the root its
// report was made at already; absolute ones (outside that root) are placed against ours.
Location BaselineAtRoot(const Finding& b, const std::string& root) {
  Location l = b.location;
  if (!root.empty() && !l.chain.empty() && l.chain.front().starts_with('/'))
    l.chain.front() = ScanRootPath(l.chain.front(), root);
  return l;
}

// A path from the scan root as this run reports paths: relative to the current directory when
// below it, else absolute.
std::string AsReported(const std::string& root_path, const std::string& root) {
  if (root.empty() || root_path.starts_with('/')) return root_path;
  std::error_code ec;
  std::filesystem::path abs = std::filesystem::path(root) / root_path;
  std::string cwd = std::filesystem::current_path(ec).string();
  std::string rel = ScanRootPath(abs.lexically_normal().string(), cwd);
  return rel.empty() ? "." : rel;
}

}  // namespace

std::vector<Finding> ParseBaseline(const std::string& text, const std::string& name) {
  // The parser's own message names its internals; the user needs to know what a baseline is.
  Json doc = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded())
    throw BaselineError(name +
                        ": not JSON, so not a baseline: give a report an earlier `ntpsweep scan "
                        "--format json` or `--format sarif` wrote");
  std::vector<Finding> out;
  bool missing_fingerprints = false;
  if (doc.is_object() && doc.contains("runs") && doc["runs"].is_array()) {
    for (const Json& run : doc["runs"]) {
      std::string tool;
      if (run.contains("tool") && run["tool"].contains("driver"))
        tool = Str(run["tool"]["driver"], "name");
      if (tool != "ntpsweep" || !run.contains("results") || !run["results"].is_array()) continue;
      const Json artifacts = run.value("artifacts", Json::array());
      for (const Json& r : run["results"]) {
        if (Str(r, "baselineState") == "absent") continue;
        out.push_back(FromSarifResult(r, artifacts));
        missing_fingerprints = missing_fingerprints || out.back().fingerprint.empty();
      }
    }
  } else if (doc.is_object() && doc.contains("findings") && doc["findings"].is_array()) {
    for (const Json& j : doc["findings"]) {
      out.push_back(FromJsonFinding(j));
      missing_fingerprints = missing_fingerprints || out.back().fingerprint.empty();
    }
  } else {
    throw BaselineError(name + ": neither a SARIF log (runs) nor an ntpsweep JSON report (findings)");
  }
  if (missing_fingerprints) {
    // A report from before fingerprints existed: compute them the way the scan does.
    SortFindings(&out);
    AssignFingerprints(&out);
  }
  return out;
}

std::vector<Finding> LoadBaseline(const std::string& path) {
  std::string text;
  if (!ReadWholeFile(path, &text)) throw BaselineError(path + ": the baseline cannot be read");
  return ParseBaseline(text, path);
}

std::vector<Finding> ApplyBaseline(const std::vector<Finding>& baseline,
                                   std::vector<Finding>* findings, const BaselineScope& scope) {
  std::vector<Location> base_at(baseline.size());
  std::vector<bool> matched(baseline.size(), false);
  std::multimap<std::string, size_t> by_fingerprint;
  for (size_t i = 0; i < baseline.size(); ++i) {
    base_at[i] = BaselineAtRoot(baseline[i], scope.root);
    // A file this scan did not look at: its findings are neither matched nor absent.
    bool covered =
        !scope.covers || base_at[i].chain.empty() || scope.covers(base_at[i].chain.front());
    if (!covered) {
      matched[i] = true;
      continue;
    }
    by_fingerprint.emplace(baseline[i].fingerprint, i);
  }
  std::vector<std::pair<Finding*, Location>> pending;
  for (Finding& f : *findings) {
    f.baseline_state = BaselineState::kNew;
    auto [lo, hi] = by_fingerprint.equal_range(f.fingerprint);
    for (auto it = lo; it != hi; ++it) {
      if (matched[it->second]) continue;
      matched[it->second] = true;
      // The finding's own fields, never its rendered message (SARIF appends links to it).
      const Finding& b = baseline[it->second];
      f.baseline_state = b.severity == f.severity && b.activity == f.activity
                             ? BaselineState::kUnchanged
                             : BaselineState::kUpdated;
      break;
    }
    if (f.baseline_state == BaselineState::kNew && !f.suppression)
      pending.emplace_back(&f, ScanRootLocation(f.location, scope.root));
  }
  // Second pass: an edited line keeps rule, file and mention; leftovers pair up in line order
  // (baseline findings are in report order, and so are `findings`).
  std::multimap<std::tuple<std::string, std::string, std::string>, size_t> by_place;
  for (size_t i = 0; i < baseline.size(); ++i)
    if (!matched[i]) by_place.emplace(LooseKey(baseline[i], base_at[i]), i);
  for (auto& [f, at_root] : pending) {
    auto [lo, hi] = by_place.equal_range(LooseKey(*f, at_root));
    for (auto it = lo; it != hi; ++it) {
      if (matched[it->second]) continue;
      const Finding& b = baseline[it->second];
      if (f->severity > b.severity) continue;  // re-activated: that is a new risk
      matched[it->second] = true;
      f->baseline_state = BaselineState::kUpdated;
      break;
    }
  }
  std::vector<Finding> absent;
  for (size_t i = 0; i < baseline.size(); ++i) {
    if (matched[i]) continue;
    absent.push_back(baseline[i]);
    absent.back().location = base_at[i];
    if (!absent.back().location.chain.empty())
      absent.back().location.chain.front() = AsReported(base_at[i].chain.front(), scope.root);
    absent.back().baseline_state = BaselineState::kAbsent;
    absent.back().suppression.reset();
  }
  SortFindings(&absent);
  return absent;
}

std::vector<Finding> Triage(const TriageOptions& options, ScanResult* result) {
  AssignFingerprints(&result->findings, options.root);
  if (!options.ignore.empty())
    ApplyIgnoreEntries(options.ignore, options.today, options.report_unused_suppressions,
                             &result->findings, &result->notices, options.root);
  if (!options.have_baseline) return {};
  return ApplyBaseline(options.baseline, &result->findings, {options.root, options.covers});
}

bool FailsCheck(const std::vector<Finding>& findings, Severity threshold, bool new_only) {
  if (threshold == Severity::kNone) return false;
  for (const Finding& f : findings) {
    if (f.suppression || f.severity < threshold) continue;
    if (new_only && f.baseline_state != BaselineState::kNew &&
        f.baseline_state != BaselineState::kNone)
      continue;
    return true;
  }
  return false;
}

}  // namespace ntpsweep::triage
