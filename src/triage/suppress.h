// Suppressions: inline `ntpsweep:ignore` comments (need the file's text, so they are applied
// per entry right after Analyze) and the ignore file (fingerprints or path globs with a reason
// and an optional expiry, applied to the whole result once fingerprints are assigned).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"

namespace ntpsweep::triage {

inline constexpr std::string_view kInlineMarker = "ntpsweep:ignore";

// One `ntpsweep:ignore [RULE-ID[,RULE-ID...]] [-- reason]` marker. It counts only inside a
// comment: some comment introducer (# // /* ; <!-- -- % ! {# ') stands before it on its line,
// whatever the file's syntax. It covers its own line; when the comment is alone on its line it
// also covers the next one.
struct InlineMarker {
  uint32_t line = 0;               // 1-based
  uint32_t column = 0;             // 1-based byte column of the marker
  bool whole_line = false;         // nothing but white space before the comment
  std::vector<std::string> rules;  // empty: every rule
  std::string reason;
};
std::vector<InlineMarker> FindInlineMarkers(std::string_view text);

// Suppresses (kind inSource) the findings of one entry that a marker in `text` covers. Returns
// the markers that covered no finding.
std::vector<InlineMarker> ApplyInlineSuppressions(std::string_view text,
                                                  std::vector<Finding>* findings);

// One line of the ignore file: `PATTERN [rule=ID] [expires=YYYY-MM-DD] -- REASON`, PATTERN a
// content fingerprint ("9f86d081884c7d65:1") or a path glob (core/glob.h).
struct IgnoreEntry {
  std::string fingerprint;
  std::string path_glob;
  std::string rule;     // empty: any rule
  std::string expires;  // YYYY-MM-DD, empty: never; the entry stops suppressing on that day
  std::string reason;
  std::string file;     // the ignore file (or config file) that declares it
  uint32_t line = 0;
  std::string source;   // "file:line" for messages and SARIF
};

class SuppressionError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws SuppressionError naming name:line:column.
std::vector<IgnoreEntry> ParseIgnoreFile(std::string_view text, const std::string& name);
std::vector<IgnoreEntry> LoadIgnoreFile(const std::string& path);

// Suppresses (kind external) findings matched by an unexpired entry; Finding::fingerprint must
// be set. Expired entries suppress nothing and are reported (warning notice
// "expired-suppression"); with `report_unused`, entries that matched nothing are reported
// (warning notice "unused-suppression"). `today` is YYYY-MM-DD.
// Path globs match the displayed path, its outermost file, or (with `root`, the absolute scan
// root) the outermost file's path relative to the root.
void ApplyIgnoreEntries(const std::vector<IgnoreEntry>& entries, const std::string& today,
                        bool report_unused, std::vector<Finding>* findings,
                        std::vector<Notice>* notices, const std::string& root = "");

bool IsFingerprint(std::string_view s);   // "0123456789abcdef:1"
bool IsValidDate(std::string_view s);     // YYYY-MM-DD, a real calendar day
// Today's date (UTC) as YYYY-MM-DD, or $NTPSWEEP_TODAY when set (tests pin it). Throws
// SuppressionError when NTPSWEEP_TODAY is not a date.
std::string Today();

}  // namespace ntpsweep::triage
