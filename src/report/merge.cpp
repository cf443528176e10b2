#include "report/merge.h"

#include <algorithm>
#include <functional>
#include <map>
#include <tuple>

namespace ntpsweep::report {
namespace {

using Json = nlohmann::ordered_json;

// Re-numbers every artifactLocation/analysisTarget `index` and toolComponent `index` below `j`.
void Remap(Json& j, const std::vector<size_t>& artifacts, const std::vector<size_t>& components) {
  if (j.is_array()) {
    for (Json& e : j) Remap(e, artifacts, components);
    return;
  }
  if (!j.is_object()) return;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    Json& v = it.value();
    if ((key == "artifactLocation" || key == "analysisTarget") && v.is_object() &&
        v.contains("index") && v["index"].is_number_unsigned()) {
      size_t old = v["index"].get<size_t>();
      if (old < artifacts.size()) v["index"] = artifacts[old];
      else v.erase("index");
    }
    if (key == "toolComponent" && v.is_object() && v.contains("index") &&
        v["index"].is_number_unsigned()) {
      size_t old = v["index"].get<size_t>();
      if (old < components.size()) v["index"] = components[old];
    }
    Remap(v, artifacts, components);
  }
}

std::string FirstUri(const Json& result) {
  if (!result.contains("locations") || !result["locations"].is_array() ||
      result["locations"].empty())
    return "";
  const Json& loc = result["locations"][0];
  if (!loc.contains("physicalLocation")) return "";
  const Json& phys = loc["physicalLocation"];
  if (!phys.contains("artifactLocation")) return "";
  return phys["artifactLocation"].value("uri", std::string());
}

uint64_t RegionValue(const Json& result, const char* key) {
  if (!result.contains("locations") || !result["locations"].is_array() ||
      result["locations"].empty())
    return 0;
  const Json& loc = result["locations"][0];
  if (!loc.contains("physicalLocation") || !loc["physicalLocation"].contains("region")) return 0;
  const Json& region = loc["physicalLocation"]["region"];
  return region.contains(key) && region[key].is_number_unsigned() ? region[key].get<uint64_t>() : 0;
}

struct Group {
  Json run;                                // the first run, emptied of what is merged
  Json rules = Json::array();
  std::map<std::string, size_t> rule_index;
  Json extensions = Json::array();
  std::map<std::string, size_t> extension_index;
  Json artifacts = Json::array();
  std::map<std::string, size_t> artifact_index;
  Json results = Json::array();
  Json invocations = Json::array();
  Json base_ids = Json::object();
  Json provenance = Json::array();
  std::vector<std::string> ids;            // automationDetails ids seen
  std::string column_kind;
};

}  // namespace

std::string RunCategory(const Json& run) {
  if (!run.contains("automationDetails") || !run["automationDetails"].is_object()) return "";
  std::string id = run["automationDetails"].value("id", std::string());
  size_t slash = id.rfind('/');
  return slash == std::string::npos ? id : id.substr(0, slash);
}

Json MergeSarif(const std::vector<std::pair<std::string, Json>>& logs,
                std::vector<std::string>* warnings) {
  std::vector<std::pair<std::string, std::string>> order;  // (tool, category) by first sight
  std::map<std::pair<std::string, std::string>, Group> groups;
  for (const auto& [name, log] : logs) {
    if (!log.is_object() || log.value("version", std::string()) != "2.1.0" ||
        !log.contains("runs") || !log["runs"].is_array())
      throw MergeError(name + ": not a SARIF 2.1.0 log (version \"2.1.0\" and runs[] required)");
    for (const Json& run_in : log["runs"]) {
      if (!run_in.is_object() || !run_in.contains("tool") || !run_in["tool"].contains("driver") ||
          !run_in["tool"]["driver"].contains("name"))
        throw MergeError(name + ": a run without tool.driver.name");
      std::string tool = run_in["tool"]["driver"]["name"].get<std::string>();
      auto key = std::make_pair(tool, RunCategory(run_in));
      auto [it, fresh] = groups.try_emplace(key);
      Group& g = it->second;
      if (fresh) {
        order.push_back(key);
        g.run = run_in;
        for (const char* k : {"results", "artifacts", "invocations", "originalUriBaseIds",
                              "versionControlProvenance"})
          g.run.erase(k);
        g.run["tool"]["driver"].erase("rules");
        g.run["tool"].erase("extensions");
        g.column_kind = run_in.value("columnKind", std::string());
      } else if (run_in.value("columnKind", std::string()) != g.column_kind) {
        warnings->push_back(name + ": columnKind differs from the first run of " + tool + " '" +
                            key.second + "'; kept '" + g.column_kind + "'");
      }
      if (run_in.contains("automationDetails") && run_in["automationDetails"].contains("id"))
        g.ids.push_back(run_in["automationDetails"]["id"].get<std::string>());

      // Rules: by id.
      std::vector<std::string> rule_ids;
      const Json& driver = run_in["tool"]["driver"];
      if (driver.contains("rules") && driver["rules"].is_array()) {
        for (const Json& r : driver["rules"]) {
          std::string id = r.value("id", std::string());
          rule_ids.push_back(id);
          if (g.rule_index.emplace(id, g.rules.size()).second) g.rules.push_back(r);
        }
      }
      // Extensions: by name.
      std::vector<size_t> components;
      if (run_in["tool"].contains("extensions") && run_in["tool"]["extensions"].is_array()) {
        for (const Json& e : run_in["tool"]["extensions"]) {
          std::string en = e.value("name", std::string());
          auto [eit, added] = g.extension_index.emplace(en, g.extensions.size());
          if (added) g.extensions.push_back(e);
          components.push_back(eit->second);
        }
      }
      // Artifacts: by location and (re-numbered) parent; parents first.
      std::vector<size_t> artifacts;
      if (run_in.contains("artifacts") && run_in["artifacts"].is_array()) {
        const Json& list = run_in["artifacts"];
        artifacts.assign(list.size(), SIZE_MAX);
        std::vector<bool> visiting(list.size(), false);
        const std::string& where = name;  // clang 14 cannot capture a structured binding
        std::function<size_t(size_t)> map_one = [&](size_t i) -> size_t {
          if (artifacts[i] != SIZE_MAX) return artifacts[i];
          if (visiting[i]) throw MergeError(where + ": artifacts[].parentIndex forms a cycle");
          visiting[i] = true;
          Json a = list[i];
          if (a.contains("parentIndex") && a["parentIndex"].is_number_unsigned()) {
            size_t p = a["parentIndex"].get<size_t>();
            if (p >= list.size()) throw MergeError(where + ": artifacts[].parentIndex out of range");
            a["parentIndex"] = map_one(p);
          }
          std::string k = a.value("location", Json::object()).dump() + "|" +
                          (a.contains("parentIndex") ? a["parentIndex"].dump() : "") + "|" +
                          (a.contains("offset") ? a["offset"].dump() : "");
          auto [ait, added] = g.artifact_index.emplace(k, g.artifacts.size());
          if (added) g.artifacts.push_back(a);
          return artifacts[i] = ait->second;
        };
        for (size_t i = 0; i < list.size(); ++i) map_one(i);
      }
      // Results: rules and artifacts re-pointed.
      if (!run_in.contains("results") || !run_in["results"].is_array())
        throw MergeError(name + ": a run of " + tool + " without a results array");
      for (Json r : run_in["results"]) {
        if (r.contains("ruleIndex") && r["ruleIndex"].is_number_unsigned()) {
          size_t old = r["ruleIndex"].get<size_t>();
          std::string id = old < rule_ids.size() ? rule_ids[old] : r.value("ruleId", std::string());
          auto rit = g.rule_index.find(id);
          if (rit != g.rule_index.end()) r["ruleIndex"] = rit->second;
          else r.erase("ruleIndex");
        }
        if (r.contains("rule") && r["rule"].is_object() && r["rule"].contains("index") &&
            !r["rule"].contains("toolComponent") && r["rule"].contains("id")) {
          auto rit = g.rule_index.find(r["rule"]["id"].get<std::string>());
          if (rit != g.rule_index.end()) r["rule"]["index"] = rit->second;
        }
        Remap(r, artifacts, components);
        g.results.push_back(std::move(r));
      }
      if (run_in.contains("invocations") && run_in["invocations"].is_array())
        for (Json inv : run_in["invocations"]) {
          Remap(inv, artifacts, components);
          g.invocations.push_back(std::move(inv));
        }
      if (run_in.contains("originalUriBaseIds") && run_in["originalUriBaseIds"].is_object())
        for (auto bit = run_in["originalUriBaseIds"].begin();
             bit != run_in["originalUriBaseIds"].end(); ++bit) {
          if (!g.base_ids.contains(bit.key())) {
            g.base_ids[bit.key()] = bit.value();
          } else if (g.base_ids[bit.key()] != bit.value()) {
            warnings->push_back(name + ": originalUriBaseIds " + bit.key() + " is " +
                                bit.value().dump() + " here but " + g.base_ids[bit.key()].dump() +
                                " in an earlier log; kept the first (results stay relative to it)");
          }
        }
      if (run_in.contains("versionControlProvenance") &&
          run_in["versionControlProvenance"].is_array())
        for (const Json& v : run_in["versionControlProvenance"])
          if (std::find(g.provenance.begin(), g.provenance.end(), v) == g.provenance.end())
            g.provenance.push_back(v);
    }
  }

  Json runs = Json::array();
  for (const auto& key : order) {
    Group& g = groups[key];
    Json run = g.run;
    if (!g.ids.empty()) {
      bool same = std::all_of(g.ids.begin(), g.ids.end(), [&](const std::string& s) { return s == g.ids[0]; });
      run["automationDetails"]["id"] = same ? g.ids[0] : key.second + "/";
    }
    run["tool"]["driver"]["rules"] = g.rules;
    if (!g.extensions.empty()) run["tool"]["extensions"] = g.extensions;
    if (!g.base_ids.empty()) run["originalUriBaseIds"] = g.base_ids;
    if (!g.provenance.empty()) run["versionControlProvenance"] = g.provenance;
    if (!g.invocations.empty()) run["invocations"] = g.invocations;
    if (!g.artifacts.empty()) run["artifacts"] = g.artifacts;
    // SARIF 3.27.23 and 3.27.24: all or none.
    bool any_suppressions = false, all_states = true, any_state = false;
    for (const Json& r : g.results) {
      any_suppressions = any_suppressions || r.contains("suppressions");
      any_state = any_state || r.contains("baselineState");
      all_states = all_states && r.contains("baselineState");
    }
    if (any_state && !all_states) {
      warnings->push_back(key.first + " '" + key.second +
                          "': only some inputs were compared with a baseline; baselineState dropped");
      for (Json& r : g.results) r.erase("baselineState");
    }
    if (any_suppressions)
      for (Json& r : g.results)
        if (!r.contains("suppressions")) r["suppressions"] = Json::array();
    std::stable_sort(g.results.begin(), g.results.end(), [](const Json& a, const Json& b) {
      return std::make_tuple(FirstUri(a), RegionValue(a, "startLine"), RegionValue(a, "startColumn"),
                             a.value("ruleId", std::string())) <
             std::make_tuple(FirstUri(b), RegionValue(b, "startLine"), RegionValue(b, "startColumn"),
                             b.value("ruleId", std::string()));
    });
    // Artifacts in order of first use by the sorted results (as one scan lists them), then the
    // rest; a merge of shards lists them exactly as the unsharded scan does.
    std::vector<size_t> order_of(g.artifacts.size(), SIZE_MAX);
    size_t next = 0;
    std::function<void(const Json&)> visit = [&](const Json& j) {
      if (j.is_array()) {
        for (const Json& e : j) visit(e);
      } else if (j.is_object()) {
        for (auto it = j.begin(); it != j.end(); ++it) {
          if ((it.key() == "artifactLocation" || it.key() == "analysisTarget") &&
              it.value().is_object() && it.value().contains("index") &&
              it.value()["index"].is_number_unsigned()) {
            size_t i = it.value()["index"].get<size_t>();
            if (i < order_of.size() && order_of[i] == SIZE_MAX) order_of[i] = next++;
          }
          visit(it.value());
        }
      }
    };
    visit(g.results);
    for (size_t& o : order_of)
      if (o == SIZE_MAX) o = next++;
    Json artifacts = Json::array();
    std::vector<Json> reordered(g.artifacts.size());
    for (size_t i = 0; i < g.artifacts.size(); ++i) {
      Json a = g.artifacts[i];
      if (a.contains("parentIndex") && a["parentIndex"].is_number_unsigned())
        a["parentIndex"] = order_of[a["parentIndex"].get<size_t>()];
      reordered[order_of[i]] = std::move(a);
    }
    for (Json& a : reordered) artifacts.push_back(std::move(a));
    Remap(g.results, order_of, {});
    if (run.contains("invocations")) Remap(run["invocations"], order_of, {});
    if (!g.artifacts.empty()) run["artifacts"] = artifacts;
    run["results"] = g.results;
    runs.push_back(std::move(run));
  }
  constexpr size_t kGithubMaxRuns = 20;
  if (runs.size() > kGithubMaxRuns)
    warnings->push_back("the merged log has " + std::to_string(runs.size()) +
                        " runs; GitHub code scanning accepts at most " +
                        std::to_string(kGithubMaxRuns) + " per file");
  return Json{{"$schema", "https://json.schemastore.org/sarif-2.1.0.json"},
              {"version", "2.1.0"},
              {"runs", runs}};
}

}  // namespace ntpsweep::report
