// Machine output: one JSON document; the contract is docs/output.md.
#include <nlohmann/json.hpp>

#include "core/bytes.h"
#include "report/json_stream.h"
#include "report/report.h"

namespace ntpsweep::report {

namespace {

using Json = nlohmann::ordered_json;

// JSON strings are UTF-8, and a name that is not gets U+FFFD in `location` and `chain`: then
// `location_base64` and `chain_base64` carry its exact bytes (docs/output.md).
void AddExactLocation(Json& j, const Location& location, bool chain) {
  std::string rendered = location.Render();
  if (IsValidUtf8(rendered)) return;
  j["location_base64"] = Base64Encode(rendered);
  if (!chain) return;
  Json parts = Json::array();
  for (const std::string& part : location.chain) parts.push_back(Base64Encode(part));
  j["chain_base64"] = std::move(parts);
}

}  // namespace

void WriteJson(std::ostream& out, const ScanResult& result, const ReportContext& ctx) {
  // Written as it is made: a scan of a million mentions never holds them all as JSON.
  JsonStream doc(out);
  doc.BeginObject();
  // docs/schema/ntpsweep-report-<schema_version>.schema.json: a new field means a new version.
  doc.Member("schema_version", kJsonReportSchemaVersion);
  doc.Member("tool", {{"name", "ntpsweep"}, {"version", NTPSWEEP_VERSION}});
  doc.Member("hosts", ctx.hosts);
  auto to_json = [](const Finding& f) {
    Json j{{"rule", f.rule_id},
           {"severity", SeverityName(f.severity)},
           {"activity", ActivityName(f.activity)},
           {"location", f.location.Render()},
           {"chain", f.location.chain},
           {"line", f.span.line},
           {"column", f.span.column},
           {"end_line", f.span.end_line},
           {"end_column", f.span.end_column},
           {"matched", f.matched},
           {"target", f.target},
           {"match_kind", f.match_kind},
           {"directive", f.directive},
           {"message", f.message},
           {"line_text", f.line_text},
           {"line_hash", f.line_hash}};
    AddExactLocation(j, f.location, true);
    return j;
  };
  // CI fields (docs/ci.md): content fingerprint, baseline state, suppression; and the spelling.
  RootLocations at_root(ctx.srcroot);
  auto add_ci = [&at_root](Json& j, const Finding& f) {
    // The outermost path from the scan root, as fingerprints and baselines compare it.
    if (!f.location.chain.empty()) j["root_path"] = at_root.Of(f.location).chain.front();
    for (const auto& [key, value] : f.properties)  // docs/matching.md
      if (key == "spelling") j["spelling"] = value;  // "escaped": 10\.0\.0\.1, 10[.]0[.]0[.]1
    j["fingerprint"] = f.fingerprint;
    if (f.baseline_state != BaselineState::kNone)
      j["baseline_state"] = BaselineStateName(f.baseline_state);
    if (f.suppression)
      j["suppression"] = {
          {"kind", f.suppression->kind == Suppression::Kind::kInSource ? "inSource" : "external"},
          {"justification", f.suppression->justification},
          {"source", f.suppression->source}};
  };
  doc.Key("findings");
  doc.BeginArray();
  for (const Finding& f : result.findings) {
    if (!Shown(f, ctx)) continue;
    Json j = to_json(f);
    add_ci(j, f);
    if (!f.related.empty()) {  // scan/linkage.h: renderers of a variable, installers of a file
      Json related = Json::array();
      for (const RelatedLocation& r : f.related) {
        Json one{{"location", r.location.Render()},
                 {"line", r.span.line},
                 {"column", r.span.column},
                 {"message", r.message}};
        AddExactLocation(one, r.location, false);
        related.push_back(std::move(one));
      }
      j["related"] = std::move(related);
    }
    doc.Push(j);
  }
  doc.EndArray();
  if (ctx.have_baseline) {
    doc.Key("absent");
    doc.BeginArray();
    for (const Finding& f : ctx.absent) {
      Json j = to_json(f);
      add_ci(j, f);
      doc.Push(j);
    }
    doc.EndArray();
  }
  doc.Key("notices");
  doc.BeginArray();
  for (const Notice& n : result.notices) {
    Json j = {{"level", NoticeLevelName(n.level)}, {"id", n.id}, {"message", n.message}};
    if (!n.location.chain.empty()) {
      j["location"] = n.location.Render();
      AddExactLocation(j, n.location, false);
    }
    if (n.line) j["line"] = n.line;
    if (n.column) j["column"] = n.column;
    doc.Push(j);
  }
  doc.EndArray();
  const ScanStats& s = result.stats;
  Json skipped = Json::object();
  for (const auto& [why, n] : s.skipped) skipped[why] = n;
  // Invalid UTF-8 in scanned files is replaced, never a reason to fail the report.
  doc.Member("stats", {{"entries", s.entries},
                       {"bytes", s.bytes},
                       {"binary_skipped", s.binary_skipped},
                       {"truncated", s.truncated},
                       {"analyzed", s.analyzed},
                       {"prefiltered_out", s.prefiltered_out},
                       {"observed", s.observed},
                       {"decompressed", s.decompressed},
                       {"skipped", skipped}});
  doc.EndObject();
  out << '\n';
}

}  // namespace ntpsweep::report
