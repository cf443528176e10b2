// SARIF 2.1.0 for GitHub code scanning: one run, full rule metadata, repo-relative URIs under
// %SRCROOT%, our own primaryLocationLineHash. Same input, same bytes: nothing time-dependent.
#include <algorithm>
#include <functional>
#include <map>

#include <nlohmann/json.hpp>

#include "core/fingerprint.h"
#include "report/json_stream.h"
#include "report/report.h"

namespace ntpsweep::report {
namespace {

using Json = nlohmann::ordered_json;

std::string_view Level(Severity s) {
  switch (s) {
    case Severity::kError: return "error";
    case Severity::kWarning: return "warning";
    case Severity::kNote: return "note";
    case Severity::kNone: return "none";
  }
  return "none";
}

std::string_view ProblemSeverity(Severity s) {
  return s == Severity::kError ? "error" : s == Severity::kWarning ? "warning" : "recommendation";
}

Json RuleDescriptor(const rules::Rule& r, const ReportContext& ctx) {
  Json tags = r.tags;
  std::string help_text = r.full_description + "\n\n" + r.help;
  Json d = {{"id", r.id},
            {"name", r.name},
            {"shortDescription", {{"text", r.short_description}}},
            {"fullDescription", {{"text", r.full_description}}},
            {"defaultConfiguration", {{"level", Level(r.severity)}}},
            {"helpUri", ctx.docs_url + "/blob/main/docs/rules.md#" + r.id},
            {"help", {{"text", help_text}, {"markdown", r.help}}},
            {"properties",
             {{"tags", tags},
              {"precision", r.precision},
              {"problem.severity", ProblemSeverity(r.severity)},
              {"security-severity", r.security_severity}}}};
  return d;
}

Json SuppressionsOf(const Finding& f) {
  Json list = Json::array();
  if (f.suppression) {
    Json s = {{"kind", f.suppression->kind == Suppression::Kind::kInSource ? "inSource" : "external"},
              {"status", "accepted"}};
    if (!f.suppression->justification.empty()) s["justification"] = f.suppression->justification;
    s["properties"] = {{"source", f.suppression->source}};
    list.push_back(std::move(s));
  }
  return list;
}

// A nested location (an archive member, an image layer, a file in a disk image) as a result URI:
// its chain joined with '/' ("app.tar/layer-2/etc/ntp.conf"), stable and repo-relative, which is
// what GitHub accepts; the spec-exact chain is in run.artifacts (docs/inputs.md).
std::string FlatPath(const Location& l) {
  std::string out;
  for (size_t i = 0; i < l.chain.size(); ++i) {
    if (i) out += '/';
    out += l.chain[i];
  }
  return out;
}

Json ArtifactLocation(const std::string& path) {
  bool relative = false;
  std::string uri = PathToUri(path, &relative);
  Json loc = {{"uri", uri}};
  if (relative) loc["uriBaseId"] = "%SRCROOT%";
  return loc;
}

// ntpsweep fix: each fix's replacements in the finding's own file (SARIF 3.55, 3.57).
Json FixesOf(const Finding& f) {
  Json fixes = Json::array();
  for (const Fix& fix : f.fixes) {
    Json replacements = Json::array();
    for (const Replacement& r : fix.replacements)
      replacements.push_back({{"deletedRegion",
                               {{"startLine", r.deleted.line},
                                {"startColumn", r.deleted.column},
                                {"endLine", r.deleted.end_line},
                                {"endColumn", r.deleted.end_column}}},
                              {"insertedContent", {{"text", r.inserted}}}});
    fixes.push_back({{"description", {{"text", fix.description}}},
                     {"artifactChanges",
                      Json::array({{{"artifactLocation", ArtifactLocation(FlatPath(f.location))},
                                    {"replacements", replacements}}})}});
  }
  return fixes;
}

std::vector<const Finding*> ShownResults(const ScanResult& result, const ReportContext& ctx) {
  std::vector<const Finding*> shown;
  for (const Finding& f : result.findings)
    if (Shown(f, ctx)) shown.push_back(&f);
  if (ctx.include_absent)
    for (const Finding& f : ctx.absent) shown.push_back(&f);
  return shown;
}

// Past GitHub's limit a run would be rejected whole: keep the most severe, in report order.
size_t KeepMostSevere(std::vector<const Finding*>* shown) {
  if (shown->size() <= kSarifMaxResults) return 0;
  std::vector<size_t> order(shown->size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return (*shown)[a]->severity > (*shown)[b]->severity;
  });
  order.resize(kSarifMaxResults);
  std::sort(order.begin(), order.end());
  std::vector<const Finding*> kept;
  kept.reserve(order.size());
  for (size_t i : order) kept.push_back((*shown)[i]);
  const size_t left_out = shown->size() - kept.size();
  *shown = std::move(kept);
  return left_out;
}

}  // namespace

size_t SarifResultsLeftOut(const ScanResult& result, const ReportContext& ctx) {
  const size_t shown = ShownResults(result, ctx).size();  // which ones stay needs no sort here
  return shown > kSarifMaxResults ? shown - kSarifMaxResults : 0;
}

void WriteSarif(std::ostream& out, const ScanResult& result, const ReportContext& ctx) {
  Json rules = Json::array();
  std::map<std::string, size_t> rule_index;
  for (const auto& r : ctx.rules->rules()) {
    rule_index[r->id] = rules.size();
    rules.push_back(RuleDescriptor(*r, ctx));
  }

  // Every file with a result is listed once in run.artifacts, in result order; a nested one
  // after its parents, each with parentIndex and a URI relative to its parent (SARIF 3.24).
  Json artifacts = Json::array();
  std::map<std::string, size_t> artifact_index;
  std::function<size_t(const std::vector<std::string>&, size_t)> artifact_of =
      [&](const std::vector<std::string>& chain, size_t n) -> size_t {
    std::string key = Location{{chain.begin(), chain.begin() + static_cast<std::ptrdiff_t>(n)}}.Render();
    if (auto it = artifact_index.find(key); it != artifact_index.end()) return it->second;
    Json a;
    if (n == 1) {
      a = {{"location", ArtifactLocation(chain[0])}, {"roles", {"analysisTarget"}}};
    } else {
      size_t parent = artifact_of(chain, n - 1);
      bool relative = false;
      a = {{"location", {{"uri", PathToUri(chain[n - 1], &relative)}}}, {"parentIndex", parent}};
    }
    artifacts.push_back(std::move(a));
    artifact_index.emplace(key, artifacts.size() - 1);
    return artifacts.size() - 1;
  };
  // Suppressed results only on request (GitHub shows them as open alerts); when any result
  // carries `suppressions`, all do (SARIF 3.27.23). Absent baseline results only on request.
  std::vector<const Finding*> shown = ShownResults(result, ctx);
  const size_t left_out = KeepMostSevere(&shown);
  // URIs are relative to %SRCROOT% whatever the operands (absolute, or from another directory).
  RootLocations at_root(ctx.srcroot);
  // run.artifacts comes before run.results: a first pass lists them, the second writes results.
  std::vector<size_t> artifact_of_result;
  artifact_of_result.reserve(shown.size());
  for (const Finding* fp : shown) {
    const Location where = at_root.Of(fp->location);
    artifact_of_result.push_back(artifact_of(where.chain, where.chain.size()));
  }
  // One result as SARIF, made only when it is written.
  auto result_json = [&](const Finding& f, size_t index) {
    const Location where = at_root.Of(f.location);
    bool nested = where.chain.size() > 1;
    Json artifact_location = ArtifactLocation(FlatPath(where));
    if (!nested) artifact_location["index"] = index;  // a nested artifact's URI differs
    Json region = {{"startLine", f.span.line},
                   {"startColumn", f.span.column},
                   {"endLine", f.span.end_line},
                   {"endColumn", f.span.end_column},
                   {"snippet", {{"text", f.line_text}}}};
    // Related locations (scan/linkage.h): GitHub links them only from the message text,
    // as "[text](id)".
    std::string message = f.message;
    Json related = Json::array();
    for (size_t r = 0; r < f.related.size(); ++r) {
      const RelatedLocation& rl = f.related[r];
      const Location related_at = at_root.Of(rl.location);
      std::string text = related_at.Render() + ":" + std::to_string(rl.span.line);
      message += (r == 0 ? " — see [" : ", [") + text + "](" + std::to_string(r + 1) + ")";
      Json rregion = {{"startLine", rl.span.line}};
      if (rl.span.column) rregion["startColumn"] = rl.span.column;
      related.push_back(
          {{"id", r + 1},
           {"physicalLocation",
            {{"artifactLocation", ArtifactLocation(FlatPath(related_at))}, {"region", rregion}}},
           {"message", {{"text", rl.message}}}});
    }
    Json res = {{"ruleId", f.rule_id},
                {"ruleIndex", rule_index.count(f.rule_id) ? rule_index[f.rule_id] : 0},
                {"level", Level(f.severity)},
                {"message", {{"text", message}}},
                {"locations",
                 Json::array({{{"physicalLocation",
                                {{"artifactLocation", artifact_location}, {"region", region}}}}})}};
    if (!related.empty()) res["relatedLocations"] = std::move(related);
    if (!f.line_hash.empty()) res["partialFingerprints"]["primaryLocationLineHash"] = f.line_hash;
    if (!f.fingerprint.empty())
      res["partialFingerprints"][std::string(kFingerprintName)] = f.fingerprint;
    if (ctx.include_suppressed) res["suppressions"] = SuppressionsOf(f);
    if (f.baseline_state != BaselineState::kNone)
      res["baselineState"] = BaselineStateName(f.baseline_state);
    res["properties"] = {{"activity", ActivityName(f.activity)},
                         {"target", f.target},
                         {"matched", f.matched},
                         {"matchKind", f.match_kind}};
    if (!f.directive.empty()) res["properties"]["directive"] = f.directive;
    if (nested) {
      res["properties"]["artifactIndex"] = index;
      res["properties"]["location"] = where.Render();
    }
    for (const auto& [key, value] : f.properties)
      res["properties"][key] = value;  // layer, partition
    if (!f.fixes.empty()) res["fixes"] = FixesOf(f);
    return res;
  };

  auto notification_json = [&](const Notice& n) {
    Json j = {{"level", NoticeLevelName(n.level)},
              {"message", {{"text", n.message}}},
              {"descriptor", {{"id", n.id}}}};
    if (!n.location.chain.empty()) {
      Json phys = {{"artifactLocation", ArtifactLocation(FlatPath(at_root.Of(n.location)))}};
      if (n.line) {
        phys["region"] = {{"startLine", n.line}};
        if (n.column) phys["region"]["startColumn"] = n.column;
      }
      j["locations"] = Json::array({{{"physicalLocation", phys}}});
    }
    return j;
  };
  Json left_out_notification;
  if (left_out) {
    left_out_notification = {
        {"level", "warning"},
        {"message",
         {{"text", std::to_string(left_out) + " of " + std::to_string(left_out + kSarifMaxResults) +
                       " results left out: GitHub code scanning rejects a run of more than " +
                       std::to_string(kSarifMaxResults) +
                       "; the most severe are kept, the JSON report lists all"}}},
        {"descriptor", {{"id", "results-left-out"}}}};
  }

  // Written as it is made, in the order of the keys of a whole SARIF log: the results one by one.
  JsonStream log(out);
  log.BeginObject();
  log.Member("$schema", "https://json.schemastore.org/sarif-2.1.0.json");
  log.Member("version", "2.1.0");
  log.Key("runs");
  log.BeginArray();
  log.Element();
  log.BeginObject();
  log.Member("tool", {{"driver",
                       {{"name", "ntpsweep"},
                        {"version", NTPSWEEP_VERSION},
                        {"semanticVersion", NTPSWEEP_VERSION},
                        {"informationUri", ctx.docs_url},
                        {"rules", std::move(rules)}}}});
  log.Member("automationDetails", {{"id", ctx.category + "/"}});
  bool relative_root = false;
  std::string root_uri = PathToUri(ctx.srcroot, &relative_root);
  if (root_uri.back() != '/') root_uri += '/';
  log.Member("originalUriBaseIds", {{"%SRCROOT%", {{"uri", root_uri}}}});
  std::string top = ctx.vcs ? ctx.vcs->toplevel : "";
  if (!top.empty() && top.back() != '/') top += '/';
  if (ctx.vcs && top == ctx.srcroot) {
    // Only when %SRCROOT% is the work tree's root: GitHub reads every URI as repo-relative.
    bool rel = false;
    std::string mapped_id = "%SRCROOT%";
    std::string repo = ctx.vcs->repository_uri;
    if (repo.starts_with("file://")) repo = PathToUri(top, &rel);  // percent-encoded
    Json vcp = {{"repositoryUri", repo}};
    if (!ctx.vcs->revision.empty()) vcp["revisionId"] = ctx.vcs->revision;
    if (!ctx.vcs->branch.empty()) vcp["branch"] = ctx.vcs->branch;
    vcp["mappedTo"] = {{"uriBaseId", mapped_id}};
    log.Member("versionControlProvenance", Json::array({vcp}));
  }
  log.Key("invocations");
  log.BeginArray();
  log.Element();
  log.BeginObject();
  log.Member("executionSuccessful", !result.input_error);
  if (!result.notices.empty() || left_out) {
    log.Key("toolExecutionNotifications");
    log.BeginArray();
    for (const Notice& n : result.notices) log.Push(notification_json(n));
    if (left_out) log.Push(left_out_notification);
    log.EndArray();
  }
  log.EndObject();
  log.EndArray();
  log.Member("artifacts", artifacts);
  log.Member("columnKind", "unicodeCodePoints");
  log.Key("results");
  log.BeginArray();
  for (size_t i = 0; i < shown.size(); ++i) log.Push(result_json(*shown[i], artifact_of_result[i]));
  log.EndArray();
  log.EndObject();
  log.EndArray();
  log.EndObject();
  out << '\n';
}

}  // namespace ntpsweep::report
