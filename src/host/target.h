// What the retired server looks like: parsed targets and the matcher that finds them in text.
// This room knows nothing of files, rules or reports.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ntpsweep::host {

using Ipv6Bytes = std::array<uint8_t, 16>;

// One identity of the old server as the user gave it on the command line or in a config file.
struct Target {
  enum class Kind { kIpv4, kIpv6, kIpv4Cidr, kIpv6Cidr, kHostName };
  Kind kind = Kind::kHostName;
  std::string spelling;  // as given by the user, for messages
  uint32_t ipv4 = 0;     // host byte order; network address for a CIDR
  Ipv6Bytes ipv6{};      // network address for a CIDR
  int prefix_len = 0;    // CIDR prefix; 32/128 for single addresses
  std::string name;      // lower case, no trailing dot (host names only)
  std::string first_label;  // `ntp1` of `ntp1.corp.example.com`; empty for single-label names
};

// Parses one target value: IPv4 dotted quad, IPv6 (any RFC 4291 spelling, optional brackets),
// CIDR of either family, or a host name (RFC 1123 labels, optional trailing dot).
// Returns std::nullopt and fills `error` with a one-line reason when the value is invalid.
std::optional<Target> ParseTarget(std::string_view value, std::string* error);

// How a piece of text names a target.
enum class MatchKind {
  kExact,       // the address or full host name
  kInRange,     // an address inside a CIDR target
  kEmbedded,    // IPv4 target inside an IPv6 spelling (::ffff:10.0.0.1, ::ffff:a00:1, 64:ff9b::...)
  kShortName,   // first label of a host name target, only in a host position; lower confidence
};

// Where a token is read. Daemon values accept what the resolver accepts (inet_aton forms,
// host:port, [v6]:port, %zone); free text accepts only dotted quads and IPv6 spellings.
enum class Context { kFreeText, kHostValue };

struct TokenMatch {
  size_t target = 0;  // index into TargetSet::targets()
  MatchKind kind = MatchKind::kExact;
};

struct TextMatch {
  size_t offset = 0;  // byte offset of the mention in the searched text
  size_t length = 0;  // bytes of the mention (the address or name only, without port/brackets)
  size_t target = 0;
  MatchKind kind = MatchKind::kExact;
  bool escaped = false;  // written with escaped separators (10\.0\.0\.1, 10[.]0[.]0[.]1, fe80\:\:1)
};

// Text with escaped separators read as plain ones: one or two backslashes before '.' or ':'
// (regular expressions, Markdown, string literals that escape the backslash) and "[.]"
// (regex classes, defanged indicators). Maps offsets of the plain text back to the original.
class UnescapedText {
 public:
  explicit UnescapedText(std::string_view text);
  bool changed() const { return !escapes_.empty(); }
  std::string_view text() const { return changed() ? std::string_view(plain_) : original_; }
  // Original byte range of plain range [begin, end); `escaped` says whether it holds an escape.
  void MapBack(size_t begin, size_t end, size_t* original_begin, size_t* original_end,
               bool* escaped) const;

 private:
  struct Escape {
    size_t plain = 0;           // offset of the separator in the plain text
    size_t original_begin = 0;  // its escaped spelling in the original
    size_t original_end = 0;
  };
  size_t Original(size_t plain, bool end) const;
  std::string_view original_;
  std::string plain_;
  std::vector<Escape> escapes_;
};

// Canonical value helpers, exposed for tests and for readers that need them.
// inet_aton semantics: 1 to 4 parts, each decimal, octal (leading 0) or hex (0x).
std::optional<uint32_t> ParseIpv4InetAton(std::string_view s);
// Strict dotted quad: exactly 4 decimal parts 0..255 (leading zeros read as decimal).
std::optional<uint32_t> ParseIpv4DottedQuad(std::string_view s);
// Any RFC 4291 textual form, including an embedded dotted quad; no brackets, no zone.
std::optional<Ipv6Bytes> ParseIpv6(std::string_view s);

class TargetSet {
 public:
  TargetSet();
  ~TargetSet();
  TargetSet(TargetSet&&) noexcept;
  TargetSet& operator=(TargetSet&&) noexcept;

  // Adds a target; returns false and sets `error` when `value` is not a valid target.
  bool Add(std::string_view value, std::string* error);
  const std::vector<Target>& targets() const { return targets_; }
  bool empty() const { return targets_.empty(); }

  // Does this whole token (one host argument of a directive, possibly `host:port`, `[v6]:port`,
  // `v6%zone`, a trailing-dot FQDN, quotes already removed) name a target? In free text,
  // escaped separators read as plain ones, as in FindInText.
  std::optional<TokenMatch> MatchToken(std::string_view token, Context context) const;

  // Every mention of a target in free text, in offset order, non-overlapping, with boundaries
  // enforced (10.0.0.1 never inside 10.0.0.10, ntp1.example.com never inside
  // ntp1.example.com.au). Short names are never reported here. Escaped separators (see
  // UnescapedText) read as plain ones; such a mention is `escaped`.
  std::vector<TextMatch> FindInText(std::string_view text) const;

  // Cheap test used to skip files early: false means FindInText(text) would return nothing.
  bool MayMention(std::string_view text) const;

 private:
  std::vector<TextMatch> FindInPlainText(std::string_view text) const;
  struct Compiled;
  struct Lazy;
  std::unique_ptr<Compiled> Compile() const;
  // Built on first use, once for all targets: compiling after each Add made a thousand
  // targets cost a second (the names' regex grows with every one).
  const Compiled* compiled() const;
  std::vector<Target> targets_;
  std::unique_ptr<Lazy> lazy_;
};

}  // namespace ntpsweep::host
