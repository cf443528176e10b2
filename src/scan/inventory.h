// Inventory: every time source configured anywhere in a scan, with no target given. The same
// readers and rules as a scan, in a "no target" mode: a fact whose host position holds a literal
// host or a template expression is a source. This is how a team finds the names and aliases of
// its time servers it did not know about.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "rules/rule.h"
#include "rules/select.h"
#include "scan/scan.h"

namespace ntpsweep::scan {

struct Source {
  std::string host;         // as written: a host, an address, or a template expression
  bool expression = false;  // rendered from a variable/expression ({{ server }}, ${ntp}, $NTP)
  std::string rule_id;
  std::string directive;    // directive or key path that carries it
  Location location;
  Span span;
  std::string line_text;
  Activity activity = Activity::kActive;
  std::string embedded_path;           // destination path of an embedded document, if any
  std::vector<std::string> variables;  // names an expression reads (loops resolved)
  std::string syntax;                  // reader that saw it ("chrony", "yaml"; "" for regex rules)
  std::string Key() const;             // grouping key: canonical address, lower-case name, or expression
};

// Facts named "@install": a file of the scan installed or rendered somewhere (Dockerfile COPY,
// Ansible template/copy src, Packer file provisioner). Used by scan/linkage.
struct Install {
  Location location;
  Span span;
  std::string source;       // as written, relative to the installing file's directory
  std::string destination;  // where it lands ("/etc/chrony.conf")
  std::string installer;    // display path of the installing file
};

struct EntrySources {
  std::vector<Source> sources;
  std::vector<Install> installs;
};

// Reads entries for their sources; holds the rule selection built once for a rule set.
class SourceCollector {
 public:
  explicit SourceCollector(const rules::RuleSet& rules);
  ~SourceCollector();
  // The sources of one text entry. `path` is the path rules see. Thread-safe.
  EntrySources Collect(const Location& location, std::string_view path, std::string_view text) const;

  struct Ctx;

 private:
  rules::RuleSelector selector_;
  std::unique_ptr<Ctx> ctx_;
};

// The same for one entry, building the rule selection for this call only (tests).
EntrySources CollectSources(const rules::RuleSet& rules, const Location& location,
                            std::string_view path, std::string_view text);

struct InventoryResult {
  std::vector<Source> sources;  // sorted by key, location, line, column
  std::vector<Notice> notices;
  ScanStats stats;
  bool input_error = false;
};

// Walks the operands like a scan (same openers, excludes and limits) and collects sources.
InventoryResult RunInventory(const ScanOptions& options, const rules::RuleSet& rules);

// A host value's canonical form for grouping: IPv4/IPv6 by value, names lower-case without the
// trailing dot. Empty when the text is not a usable host.
std::string CanonicalHost(std::string_view host);

}  // namespace ntpsweep::scan
