// Whether any of a few literals occurs in a text, without regard to ASCII case: one Hyperscan
// literal pass, no regular expressions, no verification. Linkage asks it of an archive member's
// raw bytes before the member is read as an entry (scan/member_links.h): the sieve's patterns
// are these literals as whole words, so a member that holds none of them relates no finding.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ntpsweep::host {

class LiteralSearch {
 public:
  // Empty literals are left out. Without any (or when Hyperscan refuses them) Any says yes to
  // every text: it can rule nothing out.
  explicit LiteralSearch(const std::vector<std::string>& literals);
  ~LiteralSearch();
  LiteralSearch(const LiteralSearch&) = delete;
  LiteralSearch& operator=(const LiteralSearch&) = delete;
  // False only when no literal occurs in `text` (ASCII letters of either case match, as the
  // prefilter's caseless patterns do). Thread-safe.
  bool Any(std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace ntpsweep::host
