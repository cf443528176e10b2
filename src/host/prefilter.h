// The gate: one Hyperscan pass over an entry's bytes that says whether any spelling of any
// target can be in it at all, in free text or as a value a resolver reads (inet_aton forms,
// short names), plus caller-given literal groups (encoding markers, expression hints). An entry
// the gate rejects is done after that pass.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "host/target.h"

namespace ntpsweep::host {

// Hyperscan regular expressions whose union matches a superset of every spelling of `target`
// that TargetSet::FindInText or TargetSet::MatchToken (either context) can accept.
// `resolver_only` patterns stand for spellings only a daemon value accepts (inet_aton forms,
// short names), never free text.
struct GatePattern {
  std::string pattern;
  bool resolver_only = false;
  // A shape shared by every IPv4 target (a hex part, a zero-led part): its hits are kept only
  // where such a part has the value of one of a target's parts (ResolverPartValues), or where a
  // zero-led part is an octet of a dotted quad that spells a target (HasZeroLedQuad). Not
  // compiled: Prefilter looks for them with HasResolverShape.
  bool shape = false;
  // Each hit counts only where the dotted run around it spells an address of a target
  // (SpellsTargetAround): a CIDR's resolver forms ("172." first, any 8-digit number) are too
  // common in code to let an entry through on their own.
  bool verified = false;
  // A dotted-quad spelling of an IPv4 target or CIDR member: with many such targets one shared
  // pattern, its hits judged by value (QuadNamesTarget), stands for all of them.
  bool dotted = false;
  // An IPv4 target's or CIDR's IPv4-in-IPv6 anchor: with many such targets one shared pattern
  // (the mapped and NAT64 prefixes), its hits judged by value (EmbeddedNamesTarget), stands for
  // all.
  bool embedded = false;
  // An escaped dot (\\. or [.]) whose hits count only where it is one of two different kinds of
  // separator side by side in a name or quad (HasMixedSeparatorsAt): 10\\.0.0[.]1.
  bool mixed = false;
  // A host name's spelling, plain or with its dots escaped: with many names one pattern per
  // first label, its hits judged by what follows (NameFollows), stands for them.
  bool spelled = false;
  // An IPv4 target's decimal or octal resolver form (a.b.cd, a.bcd, abcd, 0abcd): with many such
  // targets shared patterns (the first part and a dot; the numbers of the first part's /8, as a
  // shape per spelling length) judged by value (SpellsTargetAround) stand for them.
  bool inet_aton = false;
  // A host name's first label as a short name: its hits count only where a token can start
  // (ShortNameMayStart), as localtime64 holds the label time64 but never the short name.
  bool short_name = false;
};
std::vector<GatePattern> GatePatterns(const Target& target);

// The values an inet_aton part of an IPv4 target can have: `dotted` for a part of a spelling
// with two to four parts (a, b, c, d, c.d as 16 bits, b.c.d as 24 bits), `whole` for the one-part
// spelling (the 32-bit value). Sorted, without duplicates.
struct ResolverPartValues {
  std::vector<uint32_t> dotted, whole;
  // CIDR targets' first and last address, ascending and disjoint (overlapping and adjacent ones
  // merged): an address is looked up by binary search, not compared with every CIDR.
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  // Bit v % 1024 of each value of `dotted` and `whole`: most numbers of a text are turned away
  // by it, without a search of the lists.
  std::array<uint64_t, 16> low_bits{};
  bool MayHave(uint64_t v) const { return (low_bits[(v >> 6) & 15] >> (v & 63)) & 1; }
};
ResolverPartValues PartValuesOf(const std::vector<Target>& targets);

// Whether `text` holds a hex part (0x1f) or a zero-led part (012) whose value is one of
// `values`: in `dotted` only beside a dot (as every part of a dotted spelling is), in `whole`
// anywhere. A hex part is its whole run of hex digits, a zero-led part its whole run of digits,
// not preceded by a letter, digit or '_' (what kResolverShapes assume of a token's parts); and
// the dotted run it stands in must spell one of the `whole` addresses (ParseIpv4InetAton).
bool HasResolverPart(std::string_view text, const ResolverPartValues& values);

// Whether one of the `shape` patterns of GatePatterns (case-insensitive, '^' at any line start)
// matches somewhere in `text`, found without Hyperscan: a zero-led or hex number.
bool HasResolverShape(std::string_view text);

// Whether `text` holds a dotted quad, its dots plain or escaped (\. \\. [.]) and its octets of
// one to three decimal digits (leading zeros allowed: 010.20.30.040), whose address is one of
// the sorted `addresses`: what free text reads in a run of digits and dots around a zero-led
// number (the gate's zero-led shapes).
bool HasZeroLedQuad(std::string_view text, const std::vector<uint32_t>& addresses);

// The offsets of the zeros that may lead a hex or zero-led number (where the shape checks above
// start), searched 32 bytes at a time with AVX2 where `avx2` and HasAvx2Leads(), else sixteen
// (SSE2): the tests compare both.
std::vector<size_t> NumberLeads(std::string_view text, bool avx2);
bool HasAvx2Leads();

// Whether the run of inet_aton characters (hex digits, 'x', dots, "\\.") around text[at] holds a
// spelling of one to four parts of a `whole` address or of one inside `ranges`, starting at the
// run's start, after a dot or where a number starts.
bool SpellsTargetAround(std::string_view text, size_t at, const ResolverPartValues& values);

// Whether the run of digits, dots and escaped dots ("\\.", "\\\\.", "[.]") around text[at] holds a
// dotted quad, starting where a number starts, that is a `whole` address or inside `ranges`.
bool QuadNamesTarget(std::string_view text, size_t at, const ResolverPartValues& values);

// Whether a run of hex digits, colons and dots (escaped ones read as plain) around text[at], as
// free text reads it, names one of `ipv4_targets` (IPv4 addresses and CIDRs): the IPv6
// spellings that carry an IPv4 address (::ffff:a00:1, 64:ff9b::a00:1).
bool EmbeddedNamesTarget(std::string_view text, size_t at, const TargetSet& ipv4_targets);

// Whether the separator (., \\., \\\\. or [.]) whose last byte is text[at] stands in a spelling
// with two different kinds of separator: an ASCII letter or digit, one kind, a run of letters,
// digits, '_' and '-', another kind, a letter or digit (a\\.b-c[.]d), this one first or second.
bool HasMixedSeparatorsAt(std::string_view text, size_t at);

// Whether a short name (a first label, a whole token) can start at text[at]: at the start, after
// a byte that is no ASCII letter, digit or '_', or within six bytes after a '\\' or '%' (an escape
// a reader decodes may end in a letter or digit: \\ttime64, %20time64, \\u0020time64).
bool ShortNameMayStart(std::string_view text, size_t at);

// Whether `text` at `at` starts with one of `names` (lower case), its dots written plain or
// escaped the same way throughout (\. \\. [.]), ASCII case ignored.
bool NameFollows(std::string_view text, size_t at, const std::vector<std::string>& names);

// A pattern that matches `literal` as written.
std::string QuoteLiteral(std::string_view literal);
// Patterns of `literal` that a Prefilter scans as the literal alone, each hit checked: as a whole
// word ("\\b" around it), and as its line's first word (only blanks before it on its line, a
// blank after).
std::string WholeWordPattern(std::string_view literal);
std::string LineFirstPattern(std::string_view literal);

// Whether Hyperscan compiles `pattern` as the gate compiles a tracked word (ASCII case
// ignored, ^ and $ at line ends); else false with Hyperscan's reason in `error`.
bool CompilesAsWord(const std::string& pattern, std::string* error);

// The bytes a `\\b` around a literal pattern stands beside: ASCII letters, digits and '_'.
inline bool IsWordByte(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

class Prefilter {
 public:
  static constexpr uint32_t kTargets = 1;  // bit of the free-text spellings; group g is bit g + 1
  static constexpr uint32_t kResolverForms = 1u << 31;  // spellings only a resolver reads

  // `groups[g]` are Hyperscan patterns (case-insensitive, '^' at any line start) reported as
  // bit g + 1; QuoteLiteral() makes a pattern of a literal. WholeWordPattern(w) and
  // LineFirstPattern(w) are scanned as the literal w, each hit checked (much faster than as
  // regular expressions). Throws std::runtime_error when the database cannot be
  // built (a bug or a bad pattern, not an input problem) or there are more than 23 groups.
  // `tracked` are patterns whose hits are reported one by one (Scan's `tracked_hits`).
  // The groups whose bits are in `apart` have a database of their own, scanned only until all
  // their bits are seen: for groups found early in most texts, whose patterns would slow the
  // whole of every gate pass. A text of at most kOnePassBytes is scanned once for both.
  Prefilter(const TargetSet& targets, const std::vector<std::vector<std::string>>& groups,
            const std::vector<std::string>& tracked = {}, uint32_t apart = 0);
  ~Prefilter();
  Prefilter(const Prefilter&) = delete;
  Prefilter& operator=(const Prefilter&) = delete;

  // Bits of the groups that occur in `text`. Thread-safe. Text too large for one block scan
  // reports every bit: the gate then lets it through rather than guess.
  // With `tracked_hits`, (*tracked_hits)[i] says whether tracked pattern i matches
  // (ScanTracked, a second pass).
  uint32_t Scan(std::string_view text, std::vector<char>* tracked_hits = nullptr) const;
  // (*hits)[i] says whether tracked pattern i matches `text`; every one where the text is too
  // large for one block scan. The tracked patterns have a database of their own, scanned only
  // here, so that Scan(text) stays fast.
  // With `stop`, each new hit i is also passed to stop(i), and the scan ends (leaving the
  // later hits out) when it returns true.
  void ScanTracked(std::string_view text, std::vector<char>* hits,
                   const std::function<bool(size_t)>& stop = nullptr) const;

  // Compiles the tracked patterns' database now, if no scan did yet (ScanTracked compiles it on
  // its first call otherwise, and a call meanwhile waits for this one). Thread-safe.
  void PrepareTracked() const;
  uint32_t all_bits() const { return Public(all_bits_); }

  // Up to this size a text is scanned once, for the gate's patterns and the `apart` groups'
  // together: on a repository of small files the second Hyperscan call cost more than the apart
  // patterns slow that one pass.
  static constexpr size_t kOnePassBytes = 2048;

 private:
  // Hits of the shared resolver shapes, before HasResolverPart turns them into kResolverForms.
  static constexpr uint32_t kShapeBit = 1u << 30;
  // Hits of verified patterns (GatePattern::verified), judged one by one as they come.
  static constexpr uint32_t kVerifyBit = 1u << 29;
  // Hits of the shared dotted-quad pattern (GatePattern::dotted), judged one by one.
  static constexpr uint32_t kVerifyQuadBit = 1u << 28;
  // Hits of the shared IPv4-in-IPv6 pattern (GatePattern::embedded), judged one by one.
  static constexpr uint32_t kVerifyEmbeddedBit = 1u << 27;
  // Hits of the escaped-dot anchors of mixed separators (GatePattern::mixed), judged one by one.
  static constexpr uint32_t kVerifyMixedBit = 1u << 26;
  // Hits of a shared first-label pattern (GatePattern::spelled), judged one by one.
  static constexpr uint32_t kVerifyNameBit = 1u << 25;
  // Hits of a short name (GatePattern::short_name), judged one by one (ShortNameMayStart).
  static constexpr uint32_t kVerifyShortBit = 1u << 24;
  uint32_t ScanApart(std::string_view text) const;  // the bits of the `apart` groups in `text`
  static uint32_t Public(uint32_t bits) {
    constexpr uint32_t kJudgedTargets =
        kVerifyQuadBit | kVerifyEmbeddedBit | kVerifyMixedBit | kVerifyNameBit;
    if (bits & kJudgedTargets) bits = (bits & ~kJudgedTargets) | kTargets;
    constexpr uint32_t kJudgedResolverForms = kShapeBit | kVerifyBit | kVerifyShortBit;
    return (bits & kJudgedResolverForms) ? (bits & ~kJudgedResolverForms) | kResolverForms : bits;
  }
  struct Database;
  std::unique_ptr<Database> db_;
  uint32_t all_bits_ = 0;
};

}  // namespace ntpsweep::host
