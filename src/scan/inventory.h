// Inventory: every time source configured anywhere in a scan, with no target given. The same
// readers and rules as a scan, in a "no target" mode: a fact whose host position holds a literal
// host or a template expression is a source. This is how a team finds the names and aliases of
// its time servers it did not know about.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/inventory_result.h"
#include "core/types.h"
#include "host/address_text.h"
#include "rules/rule.h"
#include "rules/select.h"
#include "scan/scan.h"

namespace ntpsweep::scan {

using ntpsweep::Install;  // core/inventory_result.h
using ntpsweep::Source;

struct EntrySources {
  std::vector<Source> sources;
  std::vector<Install> installs;
  // Each syntax whose reader was not run on a document over the reader bound, with the
  // document's size: its sources and installs are missing (SourceCollector::SetMaxReaderBytes).
  std::vector<std::pair<std::string, size_t>> unread;
};

// Reads entries for their sources; holds the rule selection built once for a rule set.
class SourceCollector {
 public:
  explicit SourceCollector(const rules::RuleSet& rules);
  ~SourceCollector();
  // A document larger than this is read by no syntax reader: a reader holds many times its
  // input (the Analyzer's bound, --max-reader-size). Unset: every document is read.
  void SetMaxReaderBytes(size_t bytes);
  size_t max_reader_bytes() const;
  // The sources of one text entry. `path` is the path rules see. Thread-safe. `selection` is
  // the rule selection the gate already made for this entry (Screening::applies), if it did.
  // `with_variables`: only the sources that read variables, and the installs, are wanted
  // (linkage); others may be missing, and no source has its line_text. `installs_only`: only the
  // installs are wanted (no source at all): only the readers that record installs or embed
  // documents are run.
  EntrySources Collect(const Location& location, std::string_view path, std::string_view text,
                       const std::vector<char>* selection = nullptr, bool with_variables = false,
                       bool installs_only = false) const;

  struct Ctx;

 private:
  rules::RuleSelector selector_;
  std::unique_ptr<Ctx> ctx_;
};

// The same for one entry, building the rule selection for this call only (tests).
EntrySources CollectSources(const rules::RuleSet& rules, const Location& location,
                            std::string_view path, std::string_view text);

using ntpsweep::InventoryResult;

// Walks the operands like a scan (same openers, excludes and limits) and collects sources.
InventoryResult RunInventory(const ScanOptions& options, const rules::RuleSet& rules);

using host::CanonicalHost;  // host/address_text.h

}  // namespace ntpsweep::scan
