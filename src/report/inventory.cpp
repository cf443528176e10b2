#include "report/inventory.h"
#include "core/counted.h"
#include "report/json_stream.h"

#include <algorithm>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "host/address_text.h"

namespace ntpsweep::report {
namespace {

struct Group {
  std::string key;
  bool expression = false;
  std::vector<const Source*> sources;
};

// Sources grouped by server; literal servers first (by key), then expressions.
std::vector<Group> Groups(const InventoryResult& r) {
  std::map<std::pair<bool, std::string>, Group> by;
  for (const Source& s : r.sources) {
    std::string key = host::GroupingKey(s.host, s.expression);
    Group& g = by[{s.expression, key}];
    g.key = key;
    g.expression = s.expression;
    g.sources.push_back(&s);
  }
  std::vector<Group> out;
  for (auto& [k, g] : by) {
    std::sort(g.sources.begin(), g.sources.end(), [](const Source* a, const Source* b) {
      return std::tie(a->location, a->span.line, a->span.column, a->rule_id) <
             std::tie(b->location, b->span.line, b->span.column, b->rule_id);
    });
    out.push_back(std::move(g));
  }
  return out;
}

std::string OneLine(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\t' || c == '\r') c = ' ';
  std::string out;
  for (char c : s)
    if (!(c == ' ' && !out.empty() && out.back() == ' ')) out += c;
  return out;
}

std::string Where(const Source& s) {
  return s.location.Render() + ":" + std::to_string(s.span.line) + ":" + std::to_string(s.span.column);
}

std::string Csv(const std::string& v) {
  bool quote = v.find_first_of(",\"\n\r") != std::string::npos;
  if (!quote) return v;
  std::string out = "\"";
  for (char c : v) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

}  // namespace

void WriteInventoryText(std::ostream& out, const InventoryResult& result, bool color) {
  auto on = [&](const char* code) { return color ? code : ""; };
  const char* off = color ? "\033[0m" : "";
  std::vector<Group> groups = Groups(result);
  std::set<std::string> files;
  size_t literal = 0, expressions = 0;
  for (const Group& g : groups) {
    (g.expression ? expressions : literal) += 1;
    out << on("\033[1m") << OneLine(g.key) << off;
    if (g.expression) out << "  " << on("\033[2m") << "(template expression)" << off;
    std::set<std::string> spellings;
    for (const Source* s : g.sources)
      if (!g.expression && s->host != g.key) spellings.insert(s->host);
    if (!spellings.empty()) {
      out << "  " << on("\033[2m") << "written as";
      for (const std::string& sp : spellings) out << ' ' << sp;
      out << off;
    }
    out << "  " << g.sources.size() << (g.sources.size() == 1 ? " place" : " places") << '\n';
    for (const Source* s : g.sources) {
      files.insert(s->location.Render());
      out << "  " << Where(*s) << "  " << ActivityName(s->activity) << "  " << s->rule_id;
      if (!s->directive.empty()) out << "  `" << OneLine(s->directive) << '`';
      if (!s->embedded_path.empty()) out << "  in " << s->embedded_path;
      out << '\n';
    }
  }
  for (const Notice& n : result.notices)
    out << "notice (" << NoticeLevelName(n.level) << ", " << n.id << "): " << n.message << '\n';
  if (!groups.empty() || !result.notices.empty()) out << '\n';
  out << on("\033[1m") << result.sources.size() << (result.sources.size() == 1 ? " time source" : " time sources")
      << off << ": " << literal << (literal == 1 ? " server" : " servers") << " named, " << expressions
      << (expressions == 1 ? " template expression" : " template expressions") << ", in " << files.size()
      << (files.size() == 1 ? " file" : " files") << "; "
      << Counted(result.stats.entries, "text file", "text files") << " read\n";
}

void WriteInventoryJson(std::ostream& out, const InventoryResult& result) {
  using Json = JsonStream::Json;
  // Written as it is made, one server at a time: the document is never whole in memory.
  JsonStream doc(out);
  doc.BeginObject();
  // docs/schema/ntpsweep-inventory-<schema_version>.schema.json.
  doc.Member("schema_version", kJsonInventorySchemaVersion);
  doc.Member("tool", {{"name", "ntpsweep"}, {"version", NTPSWEEP_VERSION}});
  doc.Key("servers");
  doc.BeginArray();
  for (const Group& g : Groups(result)) {
    Json refs = Json::array();
    for (const Source* s : g.sources) {
      Json j = {{"host", s->host},
                {"location", s->location.Render()},
                {"chain", s->location.chain},
                {"line", s->span.line},
                {"column", s->span.column},
                {"end_line", s->span.end_line},
                {"end_column", s->span.end_column},
                {"rule", s->rule_id},
                {"directive", s->directive},
                {"activity", ActivityName(s->activity)},
                {"syntax", s->syntax},
                {"line_text", s->line_text}};
      if (!s->embedded_path.empty()) j["embedded_path"] = s->embedded_path;
      if (!s->variables.empty()) j["variables"] = s->variables;
      refs.push_back(std::move(j));
    }
    doc.Push({{"server", g.key},
              {"kind", g.expression ? "expression" : "literal"},
              {"count", g.sources.size()},
              {"references", std::move(refs)}});
  }
  doc.EndArray();
  doc.Key("notices");
  doc.BeginArray();
  for (const Notice& n : result.notices) {
    Json j = {{"level", NoticeLevelName(n.level)}, {"id", n.id}, {"message", n.message}};
    if (!n.location.chain.empty()) j["location"] = n.location.Render();
    doc.Push(j);
  }
  doc.EndArray();
  doc.Member("stats", {{"entries", result.stats.entries},
                       {"bytes", result.stats.bytes},
                       {"binary_skipped", result.stats.binary_skipped}});
  doc.EndObject();
  out << '\n';
}

void WriteInventoryCsv(std::ostream& out, const InventoryResult& result) {
  out << "server,kind,host,location,line,column,rule,directive,activity,embedded_path\n";
  for (const Group& g : Groups(result))
    for (const Source* s : g.sources)
      out << Csv(OneLine(g.key)) << ',' << (g.expression ? "expression" : "literal") << ','
          << Csv(OneLine(s->host)) << ',' << Csv(s->location.Render()) << ',' << s->span.line << ','
          << s->span.column << ',' << Csv(s->rule_id) << ',' << Csv(OneLine(s->directive)) << ','
          << ActivityName(s->activity) << ',' << Csv(s->embedded_path) << '\n';
}

}  // namespace ntpsweep::report
