#include "watch/correlate.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <sstream>

namespace ntpsweep::watch {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r'))
    s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// A host name as compared: lower case, without the root's trailing dot.
std::string NameKey(std::string_view name) {
  std::string k = Lower(Trim(name));
  if (!k.empty() && k.back() == '.') k.pop_back();
  return k;
}

// A bare IPv4 or IPv6 address (no port, no brackets), IPv4-mapped IPv6 as IPv4.
std::optional<Endpoint> ParseAddress(std::string_view text) {
  std::string s(Trim(text));
  std::array<uint8_t, 16> bytes{};
  if (inet_pton(AF_INET, s.c_str(), bytes.data()) == 1)
    return Endpoint::V4({bytes[0], bytes[1], bytes[2], bytes[3]}, 0);
  if (inet_pton(AF_INET6, s.c_str(), bytes.data()) == 1) return Endpoint::V6(bytes, 0).Unmapped();
  return std::nullopt;
}

bool ReadAll(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  if (in.bad()) return false;
  *out = std::move(s).str();
  return true;
}

std::string Where(std::string_view path, size_t line) {
  return std::string(path) + ":" + std::to_string(line);
}

// RFC 4180 records: fields split at commas, quoted fields may hold commas, quotes ("") and line
// breaks. `line` is where each record starts.
struct CsvRecord {
  size_t line = 0;
  std::vector<std::string> fields;
};

// False (with the record's starting line in `bad_line`) when a quoted field never closes.
bool SplitCsv(std::string_view text, std::vector<CsvRecord>* records, size_t* bad_line) {
  size_t line = 1;
  size_t i = 0;
  while (i < text.size()) {
    CsvRecord r;
    r.line = line;
    std::string field;
    bool quoted_field = false;
    for (;;) {
      if (i >= text.size()) {
        r.fields.push_back(std::move(field));
        break;
      }
      char c = text[i];
      if (c == '"' && field.empty() && !quoted_field) {
        quoted_field = true;
        ++i;
        for (;;) {
          if (i >= text.size()) {
            *bad_line = r.line;
            return false;
          }
          if (text[i] == '"') {
            if (i + 1 < text.size() && text[i + 1] == '"') {
              field += '"';
              i += 2;
              continue;
            }
            ++i;
            break;
          }
          if (text[i] == '\n') ++line;
          field += text[i++];
        }
        continue;
      }
      if (c == ',') {
        r.fields.push_back(std::move(field));
        field.clear();
        quoted_field = false;
        ++i;
        continue;
      }
      if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      if (c == '\n' || c == '\r') {
        ++i;
        ++line;
        r.fields.push_back(std::move(field));
        break;
      }
      field += c;
      ++i;
    }
    records->push_back(std::move(r));
  }
  return true;
}

bool BlankOrComment(std::string_view line) {
  line = Trim(line);
  return line.empty() || line.front() == '#';
}

enum class Column { kHost, kAddress, kImage, kRepository, kUnused };

Column ColumnOf(std::string_view header) {
  std::string h = Lower(Trim(header));
  if (h == "host" || h == "hostname" || h == "name") return Column::kHost;
  if (h == "address" || h == "ip" || h == "addr") return Column::kAddress;
  if (h == "image") return Column::kImage;
  if (h == "repository" || h == "repo") return Column::kRepository;
  return Column::kUnused;
}

// "./a/b/" -> "a/b"; "//" collapsed.
std::string NormalPath(std::string_view p) {
  std::string out;
  bool absolute = !p.empty() && p.front() == '/';
  size_t i = 0;
  while (i < p.size()) {
    size_t j = p.find('/', i);
    if (j == std::string_view::npos) j = p.size();
    std::string_view part = p.substr(i, j - i);
    if (!part.empty() && part != ".") {
      if (!out.empty() || absolute) out += '/';
      out += part;
    }
    i = j + 1;
  }
  if (out.empty() && absolute) out = "/";
  return out;
}

// For a CIDR "10.0.0.0/8" or "2001:db8::/32": does `a` lie in it?
bool InCidr(const Endpoint& a, std::string_view cidr) {
  size_t slash = cidr.find('/');
  if (slash == std::string_view::npos) return false;
  auto net = ParseAddress(cidr.substr(0, slash));
  if (!net || net->v6 != a.v6) return false;
  int bits = 0;
  std::string_view b = cidr.substr(slash + 1);
  if (b.empty() || b.size() > 3) return false;
  for (char c : b) {
    if (c < '0' || c > '9') return false;
    bits = bits * 10 + (c - '0');
  }
  if (bits > (a.v6 ? 128 : 32)) return false;
  for (int i = 0; i < bits; ++i) {
    uint8_t mask = static_cast<uint8_t>(0x80 >> (i % 8));
    if ((a.address[i / 8] & mask) != (net->address[i / 8] & mask)) return false;
  }
  return true;
}

}  // namespace

bool PathWithin(std::string_view path, std::string_view within) {
  std::string p = NormalPath(path), w = NormalPath(within);
  if (w.empty()) return false;
  if (p == w) return true;
  if (w == "/") return !p.empty() && p.front() == '/';
  return p.size() > w.size() && p.compare(0, w.size(), w) == 0 && p[w.size()] == '/';
}

bool ServerIsOld(std::string_view server, const std::vector<std::string>& old_hosts) {
  auto address = ParseAddress(server);
  for (const std::string& h : old_hosts) {
    if (address) {
      if (auto old = ParseAddress(h); old && old->SameAddress(*address)) return true;
      if (InCidr(*address, h)) return true;
    } else if (!ParseAddress(h) && NameKey(h) == NameKey(server)) {
      return true;
    }
  }
  return false;
}

bool HostsMap::Load(const std::string& path, std::vector<std::string>* notices,
                    std::string* error) {
  std::string text;
  if (!ReadAll(path, &text)) {
    *error = path + ": cannot read the hosts map: " + std::strerror(errno);
    return false;
  }
  return Parse(text, path, notices, error);
}

bool HostsMap::Parse(std::string_view text, std::string_view path,
                     std::vector<std::string>* notices, std::string* error) {
  joined_ = false;
  // The first line that is neither blank nor a comment says which format this is.
  size_t first_line = 1, at = 0;
  std::string_view first;
  while (at < text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    if (!BlankOrComment(line)) {
      first = line;
      break;
    }
    at = end + 1;
    ++first_line;
  }
  if (first.empty()) {
    notices->push_back(std::string(path) + ": the hosts map names no host");
    return true;
  }
  std::vector<CsvRecord> header_probe;
  size_t unused = 0;
  SplitCsv(first, &header_probe, &unused);
  bool csv = false;
  if (!header_probe.empty())
    for (const std::string& f : header_probe.front().fields)
      if (ColumnOf(f) != Column::kUnused) csv = true;
  if (csv) {
    std::vector<CsvRecord> records;
    size_t bad_line = 0;
    bool closed = SplitCsv(text.substr(at), &records, &bad_line);
    std::vector<Column> columns;
    bool has_key = false;
    for (size_t i = 0; i < records.front().fields.size(); ++i) {
      Column c = ColumnOf(records.front().fields[i]);
      columns.push_back(c);
      has_key = has_key || c == Column::kHost || c == Column::kAddress;
      if (c == Column::kUnused)
        notices->push_back(Where(path, first_line) + ": column '" +
                           std::string(Trim(records.front().fields[i])) +
                           "' is not used (host, address, image, repository are)");
    }
    if (!has_key) {
      *error =
          Where(path, first_line) + ": the CSV header names neither a host nor an address column";
      return false;
    }
    for (size_t r = 1; r < records.size(); ++r) {
      const CsvRecord& rec = records[r];
      const size_t line = first_line - 1 + rec.line;
      if (rec.fields.size() == 1 && BlankOrComment(rec.fields[0])) continue;
      if (rec.fields.size() != columns.size()) {
        notices->push_back(Where(path, line) + ": " + std::to_string(rec.fields.size()) +
                           " fields where the header has " + std::to_string(columns.size()) +
                           "; line skipped");
        continue;
      }
      Row row;
      row.where = Where(path, line);
      bool bad = false;
      for (size_t i = 0; i < columns.size() && !bad; ++i) {
        std::string_view v = Trim(rec.fields[i]);
        switch (columns[i]) {
          case Column::kHost:
            if (!v.empty()) row.names.emplace_back(v);
            break;
          case Column::kAddress:
            if (v.empty()) break;
            if (auto a = ParseAddress(v)) {
              row.address = a->AddressText();
            } else {
              notices->push_back(Where(path, line) + ": '" + std::string(v) +
                                 "' is not an IPv4 or IPv6 address; line skipped");
              bad = true;
            }
            break;
          case Column::kImage:
            row.image = std::string(v);
            break;
          case Column::kRepository:
            row.repository = std::string(v);
            break;
          case Column::kUnused:
            break;
        }
      }
      if (bad) continue;
      if (row.address.empty() && row.names.empty()) {
        notices->push_back(Where(path, line) + ": neither a host nor an address; line skipped");
        continue;
      }
      Add(std::move(row));
    }
    if (!closed)
      notices->push_back(Where(path, first_line - 1 + bad_line) +
                         ": a quoted field never closes; the rest of the file is skipped");
    return true;
  }
  // /etc/hosts: ADDRESS NAME [ALIAS...] [# comment]
  if (!ParseAddress(first.substr(0, first.find_first_of(" \t")))) {
    *error = Where(path, first_line) +
             ": neither a CSV header (host,address,image,repository) nor an /etc/hosts line "
             "(ADDRESS NAME...)";
    return false;
  }
  size_t line_no = 0;
  at = 0;
  while (at <= text.size()) {
    size_t end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(at, end - at);
    ++line_no;
    at = end + 1;
    if (size_t hash = line.find('#'); hash != std::string_view::npos) line = line.substr(0, hash);
    std::vector<std::string_view> words;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r')) ++i;
      size_t j = i;
      while (j < line.size() && line[j] != ' ' && line[j] != '\t' && line[j] != '\r') ++j;
      if (j > i) words.push_back(line.substr(i, j - i));
      i = j;
    }
    if (words.empty()) continue;
    auto a = ParseAddress(words[0]);
    if (!a) {
      notices->push_back(Where(path, line_no) + ": '" + std::string(words[0]) +
                         "' is not an IPv4 or IPv6 address; line skipped");
      continue;
    }
    if (words.size() < 2) {
      notices->push_back(Where(path, line_no) + ": an address without a host name; line skipped");
      continue;
    }
    Row row;
    row.address = a->AddressText();
    row.where = Where(path, line_no);
    for (size_t w = 1; w < words.size(); ++w) row.names.emplace_back(words[w]);
    Add(std::move(row));
  }
  return true;
}

void HostsMap::Add(Row row) {
  rows_.push_back(std::move(row));
  joined_ = false;
}

// Rows with an address are hosts; rows naming only a host add their repository and image to
// every address whose names include it (without case, without a trailing dot).
void HostsMap::Join() const {
  if (joined_) return;
  by_address_.clear();
  auto add_unique = [](std::vector<std::string>& v, const std::string& s) {
    if (!s.empty() && std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
  };
  for (const Row& r : rows_) {
    if (r.address.empty()) continue;
    MappedHost& h = by_address_[ParseAddress(r.address)->Key()];
    for (const std::string& n : r.names) {
      bool known = std::any_of(h.names.begin(), h.names.end(),
                               [&](const std::string& m) { return NameKey(m) == NameKey(n); });
      if (!known) h.names.push_back(n);
    }
    add_unique(h.repositories, r.repository);
    add_unique(h.images, r.image);
    add_unique(h.where, r.where);
  }
  for (auto& [key, h] : by_address_) {
    std::set<std::string> keys;
    for (const std::string& n : h.names) keys.insert(NameKey(n));
    for (const Row& r : rows_) {
      if (!r.address.empty()) continue;
      bool same = std::any_of(r.names.begin(), r.names.end(),
                              [&](const std::string& n) { return keys.count(NameKey(n)) > 0; });
      if (!same) continue;
      add_unique(h.repositories, r.repository);
      add_unique(h.images, r.image);
      add_unique(h.where, r.where);
    }
  }
  joined_ = true;
}

const MappedHost* HostsMap::Find(const Endpoint& address) const {
  Join();
  auto it = by_address_.find(address.Unmapped().Key());
  return it == by_address_.end() ? nullptr : &it->second;
}

bool LoadStaticReport(const std::string& path, const std::string& label,
                      const std::vector<std::string>& old_hosts, StaticReport* report,
                      std::vector<std::string>* notices, std::string* error) {
  std::string text;
  if (!ReadAll(path, &text)) {
    *error = path + ": cannot read the report: " + std::strerror(errno);
    return false;
  }
  return ParseStaticReport(text, path, label, old_hosts, report, notices, error);
}

bool ParseStaticReport(std::string_view text, std::string_view path, const std::string& label,
                       const std::vector<std::string>& old_hosts, StaticReport* report,
                       std::vector<std::string>* notices, std::string* error) {
  using Json = nlohmann::json;
  Json doc;
  try {
    doc = Json::parse(text);
  } catch (const Json::parse_error& e) {
    // The byte the parser stopped at, as LINE:COLUMN.
    size_t byte = std::min<size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    size_t line = 1, column = 1;
    for (size_t i = 0; i < byte; ++i) {
      if (text[i] == '\n') {
        ++line;
        column = 1;
      } else {
        ++column;
      }
    }
    *error = std::string(path) + ":" + std::to_string(line) + ":" + std::to_string(column) +
             ": not a JSON report (" + (byte >= text.size() ? "it ends early" : "syntax error") +
             ")";
    return false;
  }
  auto str = [](const Json& j, const char* key) -> std::optional<std::string> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return it->get<std::string>();
  };
  auto integer = [](const Json& j, const char* key) -> std::optional<int> {
    auto it = j.find(key);
    if (it == j.end() || !it->is_number_integer()) return std::nullopt;
    return it->get<int>();
  };
  auto root_of = [&](const Json& ref, const std::string& location) {
    std::string root = location;
    if (auto chain = ref.find("chain");
        chain != ref.end() && chain->is_array() && !chain->empty() && chain->front().is_string())
      root = chain->front().get<std::string>();
    return label.empty() ? root : label + "/" + root;
  };
  // Active and template references configure something; comments, copies, mentions do not.
  auto configures = [](const std::string& activity) {
    return activity == "active" || activity == "template";
  };
  auto take = [&](const Json& ref, const std::string& where, const std::string& target) -> int {
    auto location = str(ref, "location");
    auto line = integer(ref, "line");
    auto rule = str(ref, "rule");
    auto activity = str(ref, "activity");
    if (!location || !line || !rule || !activity) {
      notices->push_back(std::string(path) + ": " + where +
                         ": no location, line, rule or activity; skipped");
      return 0;
    }
    if (!configures(*activity)) return 0;
    StaticFinding f;
    f.report = std::string(path);
    f.location = *location;
    f.root = root_of(ref, *location);
    f.line = *line;
    f.column = integer(ref, "column").value_or(0);
    f.rule = *rule;
    f.activity = *activity;
    f.target = target;
    report->findings.push_back(std::move(f));
    return 1;
  };
  if (!doc.is_object() || (!doc.contains("findings") && !doc.contains("servers"))) {
    *error = std::string(path) +
             ": neither a scan report (\"findings\") nor an inventory report (\"servers\"); "
             "write one with `ntpsweep scan --format json` or `ntpsweep inventory --format json`";
    return false;
  }
  if (doc.contains("findings")) {
    const Json& findings = doc["findings"];
    if (!findings.is_array()) {
      *error = std::string(path) + ": \"findings\" is not a list";
      return false;
    }
    int used = 0;
    for (size_t i = 0; i < findings.size(); ++i) {
      const Json& f = findings[i];
      std::string where = "findings[" + std::to_string(i) + "]";
      if (!f.is_object()) {
        notices->push_back(std::string(path) + ": " + where + ": not an object; skipped");
        continue;
      }
      used += take(f, where, str(f, "target").value_or(""));
    }
    report->described.push_back("scan report " + std::string(path) +
                                (label.empty() ? "" : " (for " + label + ")") + ": " +
                                std::to_string(used) + " of " + std::to_string(findings.size()) +
                                " findings configure a client");
    return true;
  }
  const Json& servers = doc["servers"];
  if (!servers.is_array()) {
    *error = std::string(path) + ": \"servers\" is not a list";
    return false;
  }
  if (old_hosts.empty()) {
    *error = std::string(path) +
             ": an inventory report lists every server; name the old one with --host";
    return false;
  }
  int used = 0, total = 0;
  for (size_t s = 0; s < servers.size(); ++s) {
    const Json& g = servers[s];
    auto name = g.is_object() ? str(g, "server") : std::nullopt;
    auto refs = g.is_object() ? g.find("references") : Json::const_iterator{};
    if (!name || refs == g.end() || !refs->is_array()) {
      notices->push_back(std::string(path) + ": servers[" + std::to_string(s) +
                         "]: no server or references; skipped");
      continue;
    }
    total += static_cast<int>(refs->size());
    // Expressions ({{ ntp_server }}) may or may not render to the old server: not evidence.
    if (str(g, "kind").value_or("literal") != "literal" || !ServerIsOld(*name, old_hosts)) continue;
    for (size_t r = 0; r < refs->size(); ++r)
      used +=
          take((*refs)[r],
               "servers[" + std::to_string(s) + "].references[" + std::to_string(r) + "]", *name);
  }
  report->described.push_back("inventory report " + std::string(path) +
                              (label.empty() ? "" : " (for " + label + ")") + ": " +
                              std::to_string(used) + " of " + std::to_string(total) +
                              " references configure a client to use the old server");
  return true;
}

Correlation Correlate(const Endpoint& client, const HostsMap& map, const StaticReport& report) {
  Correlation c;
  const MappedHost* h = map.Find(client);
  if (!h) {
    c.reason = "not in the hosts map: nothing static is known about this address — go and look";
    return c;
  }
  c.in_map = true;
  c.host = h->names.empty() ? "" : h->names.front();
  for (const StaticFinding& f : report.findings) {
    for (const std::string& repo : h->repositories)
      if (PathWithin(f.root, repo)) c.explanations.push_back({&f, "repository " + repo});
    for (const std::string& image : h->images)
      if (PathWithin(f.root, image)) c.explanations.push_back({&f, "image " + image});
  }
  c.explained = !c.explanations.empty();
  if (c.explained) return c;
  if (h->repositories.empty() && h->images.empty()) {
    c.reason = "the hosts map gives no repository or image for this host — go and look";
    return c;
  }
  std::string from;
  for (const std::string& r : h->repositories) from += (from.empty() ? "" : ", ") + r;
  for (const std::string& i : h->images) from += (from.empty() ? "" : ", ") + i;
  c.reason = "nothing static points at the server from there (" + from + ") — go and look";
  return c;
}

}  // namespace ntpsweep::watch
