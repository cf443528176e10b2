#include "host/target.h"

#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <mutex>
#include <type_traits>
#include <utility>

#include "core/strings.h"

namespace ntpsweep::host {
namespace {

constexpr std::string_view kBadTarget = "not an IPv4/IPv6 address, CIDR or host name: ";

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}
bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
bool IsHex(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  return (c | 0x20) - 'a' + 10;
}
// Characters that continue a host-name label (underscore for SRV-style names).
bool IsLabelChar(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '-' || c == '_';
}
// Characters that glue an address to a neighbouring word ('-' is allowed: ranges like a-b).
bool IsWordChar(char c) {
  return IsAlpha(c) || IsDigit(c) || c == '_';
}
// Characters an IP spelling is made of; a maximal run of them is judged as a whole.
bool IsRunChar(char c) {
  return IsHex(c) || c == ':' || c == '.';
}

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit);
}

// A port after host: 1 to 5 decimal digits, at most 65535.
bool IsPort(std::string_view s) {
  if (s.empty() || s.size() > 5 || !AllDigits(s)) return false;
  uint32_t v = 0;
  for (char c : s) v = v * 10 + static_cast<uint32_t>(c - '0');
  return v <= 65535;
}

uint32_t Ipv4Mask(int prefix) {
  return prefix == 0 ? 0 : ~uint32_t{0} << (32 - prefix);
}

void MaskIpv6(Ipv6Bytes* a, int prefix) {
  for (int i = 0; i < 16; ++i) {
    int bits = std::clamp(prefix - 8 * i, 0, 8);
    (*a)[i] &= static_cast<uint8_t>(bits == 0 ? 0 : 0xff << (8 - bits));
  }
}

// The IPv4 address an IPv6 spelling carries, for the translation prefixes resolvers and NAT64
// gateways use: ::ffff:0:0/96 (mapped), ::ffff:0:0:0/96 (SIIT), 64:ff9b::/96 (NAT64).
std::optional<uint32_t> EmbeddedIpv4(const Ipv6Bytes& a) {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static constexpr uint8_t kSiit[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0};
  static constexpr uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  auto has = [&a](const uint8_t* p) { return std::equal(p, p + 12, a.begin()); };
  if (!has(kMapped) && !has(kSiit) && !has(kNat64)) return std::nullopt;
  return (uint32_t{a[12]} << 24) | (uint32_t{a[13]} << 16) | (uint32_t{a[14]} << 8) | a[15];
}

// Splits `[v6]`, `[v6]:port`, `v6%zone`, `host:port` down to the bare host. Returns false
// when the decoration is malformed (unclosed bracket, non-numeric port).
bool StripHostDecoration(std::string_view token, std::string_view* host, bool* bracketed) {
  *bracketed = false;
  if (!token.empty() && token.front() == '[') {
    size_t close = token.find(']');
    if (close == std::string_view::npos) return false;
    std::string_view rest = token.substr(close + 1);
    if (!rest.empty() && (rest.front() != ':' || !IsPort(rest.substr(1)))) return false;
    token = token.substr(1, close - 1);
    *bracketed = true;
  }
  size_t first = token.find(':');
  bool v6 = first != std::string_view::npos && token.find(':', first + 1) != std::string_view::npos;
  if (v6 || *bracketed) {
    size_t pct = token.find('%');  // zone: fe80::1%eth0 or URL-escaped fe80::1%25eth0
    if (pct != std::string_view::npos) token = token.substr(0, pct);
  } else if (first != std::string_view::npos) {
    if (!IsPort(token.substr(first + 1))) return false;
    token = token.substr(0, first);
  }
  *host = token;
  return !token.empty();
}

// Validates a host name; returns an empty string when fine, else the reason.
std::string_view HostNameProblem(std::string_view name) {
  if (name.size() > 253) return "host name longer than 253 characters";
  size_t start = 0;
  while (true) {
    size_t dot = name.find('.', start);
    std::string_view label =
        name.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty()) return "empty label in host name";
    if (label.size() > 63) return "label longer than 63 characters";
    if (label.front() == '-' || label.back() == '-') return "label starts or ends with '-'";
    for (char c : label)
      if (!IsLabelChar(c)) return "invalid character in host name";
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  return {};
}

void Fail(std::string* error, std::string_view value, std::string_view why) {
  if (error) {
    *error = std::string(kBadTarget);
    *error += '"';
    *error += value;
    *error += "\" (";
    *error += why;
    *error += ')';
  }
}

}  // namespace

std::optional<uint32_t> ParseIpv4DottedQuad(std::string_view s) {
  uint32_t out = 0;
  size_t i = 0;
  for (int part = 0; part < 4; ++part) {
    if (part > 0) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
    size_t start = i;
    uint32_t v = 0;
    while (i < s.size() && IsDigit(s[i]) && i - start < 3)
      v = v * 10 + static_cast<uint32_t>(s[i++] - '0');
    if (i == start || v > 255) return std::nullopt;
    out = (out << 8) | v;
  }
  if (i != s.size()) return std::nullopt;
  return out;
}

std::optional<uint32_t> ParseIpv4InetAton(std::string_view s) {
  uint64_t parts[4] = {};
  int n = 0;
  size_t i = 0;
  while (true) {
    if (n == 4 || i >= s.size() || !IsDigit(s[i])) return std::nullopt;
    int base = 10;
    if (s[i] == '0') {
      base = 8;
      if (i + 1 < s.size() && (s[i + 1] == 'x' || s[i + 1] == 'X')) {
        base = 16;
        i += 2;
        // glibc tolerates a bare "0x"; we do not, it is never a deliberate address.
        if (i >= s.size() || !IsHex(s[i])) return std::nullopt;
      }
    }
    uint64_t v = 0;
    for (; i < s.size(); ++i) {
      char c = s[i];
      int d;
      if (base == 16 && IsHex(c)) {
        d = HexValue(c);
      } else if (IsDigit(c) && !(base == 8 && c >= '8')) {
        d = c - '0';
      } else if (IsDigit(c)) {
        return std::nullopt;  // 8 or 9 in an octal part
      } else {
        break;
      }
      v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
      if (v > 0xffffffffULL) return std::nullopt;
    }
    parts[n++] = v;
    if (i == s.size()) break;
    if (s[i] != '.') return std::nullopt;
    ++i;
  }
  // Leading parts are single bytes; the last part fills the remaining bytes.
  for (int k = 0; k < n - 1; ++k)
    if (parts[k] > 0xff) return std::nullopt;
  int tail_bytes = 4 - (n - 1);
  uint64_t tail_max = tail_bytes == 4 ? 0xffffffffULL : (1ULL << (8 * tail_bytes)) - 1;
  if (parts[n - 1] > tail_max) return std::nullopt;
  uint64_t out = 0;
  for (int k = 0; k < n - 1; ++k) out |= parts[k] << (8 * (3 - k));
  out |= parts[n - 1];
  return static_cast<uint32_t>(out);
}

std::optional<Ipv6Bytes> ParseIpv6(std::string_view s) {
  uint16_t groups[8] = {};
  int n = 0;
  int gap = -1;  // index in `groups` where "::" stands
  size_t i = 0;
  if (s.size() < 2) return std::nullopt;
  if (s[0] == ':') {
    if (s[1] != ':') return std::nullopt;
    gap = 0;
    i = 2;
  }
  while (i < s.size()) {
    size_t start = i;
    uint32_t v = 0;
    while (i < s.size() && IsHex(s[i]) && i - start < 5)
      v = (v << 4) | static_cast<uint32_t>(HexValue(s[i++]));
    if (i < s.size() && s[i] == '.') {
      // Embedded dotted quad: must be the final 32 bits.
      auto v4 = ParseIpv4DottedQuad(s.substr(start));
      if (!v4 || n > 6) return std::nullopt;
      groups[n++] = static_cast<uint16_t>(*v4 >> 16);
      groups[n++] = static_cast<uint16_t>(*v4 & 0xffff);
      i = s.size();
      break;
    }
    if (i == start || i - start > 4 || n == 8) return std::nullopt;
    groups[n++] = static_cast<uint16_t>(v);
    if (i == s.size()) break;
    if (s[i] != ':') return std::nullopt;
    ++i;
    if (i < s.size() && s[i] == ':') {
      if (gap >= 0) return std::nullopt;
      gap = n;
      ++i;
    } else if (i == s.size()) {
      return std::nullopt;  // trailing single colon
    }
  }
  if (gap < 0 ? n != 8 : n > 7) return std::nullopt;
  Ipv6Bytes out{};
  int fill = 8 - n;
  for (int g = 0, k = 0; g < 8; ++g) {
    bool in_gap = gap >= 0 && g >= gap && g < gap + fill;
    uint16_t v = in_gap ? 0 : groups[k++];
    out[2 * g] = static_cast<uint8_t>(v >> 8);
    out[2 * g + 1] = static_cast<uint8_t>(v & 0xff);
  }
  return out;
}

namespace {

// What a user most likely meant by a value that is no target: a URL, a list, a port.
std::string SpellingHint(std::string_view v) {
  if (size_t scheme = v.find("://"); scheme != std::string_view::npos) {
    std::string_view rest = v.substr(scheme + 3);
    rest = rest.substr(0, rest.find_first_of("/?#"));
    if (size_t at = rest.rfind('@'); at != std::string_view::npos) rest.remove_prefix(at + 1);
    if (size_t colon = rest.rfind(':'); colon != std::string_view::npos &&
                                        rest.find(':') == colon &&
                                        AllDigits(rest.substr(colon + 1)))
      rest = rest.substr(0, colon);  // a port
    return "a host, not a URL: give " + std::string(rest.empty() ? "the host name" : rest);
  }
  if (v.find_first_of(", \t;") != std::string_view::npos)
    return "one host per value: repeat --host for each (in a config file, one 'hosts:' entry each)";
  std::string_view host;
  if (v.front() == '[') {
    size_t close = v.find("]:");
    if (close != std::string_view::npos) host = v.substr(1, close - 1);
    if (!host.empty() && AllDigits(v.substr(close + 2)))
      return "drop the port: give " + std::string(host) + "; every port is matched";
    return {};
  }
  size_t colon = v.find(':');
  if (colon != std::string_view::npos && colon > 0 &&
      v.find(':', colon + 1) == std::string_view::npos && colon + 1 < v.size() &&
      AllDigits(v.substr(colon + 1)))
    return "drop the port: give " + std::string(v.substr(0, colon)) + "; every port is matched";
  return {};
}

}  // namespace

std::optional<Target> ParseTarget(std::string_view value, std::string* error) {
  std::string_view v = Trim(value);
  if (v.empty()) {
    Fail(error, value, "empty value");
    return std::nullopt;
  }
  if (std::string hint = SpellingHint(v); !hint.empty()) {
    if (error) *error = hint;  // what to write instead says more than what it is not
    return std::nullopt;
  }
  Target t;
  t.spelling = std::string(v);

  std::string_view addr = v;
  std::optional<int> prefix;
  if (size_t slash = v.find('/'); slash != std::string_view::npos) {
    std::string_view p = v.substr(slash + 1);
    if (!AllDigits(p) || p.size() > 3) {
      Fail(error, value, "bad CIDR prefix length");
      return std::nullopt;
    }
    int len = 0;
    for (char ch : p) len = len * 10 + (ch - '0');
    prefix = len;
    addr = v.substr(0, slash);
  }
  bool bracketed = false;
  if (!addr.empty() && addr.front() == '[') {
    if (addr.size() < 2 || addr.back() != ']') {
      Fail(error, value, "unbalanced brackets");
      return std::nullopt;
    }
    addr = addr.substr(1, addr.size() - 2);
    bracketed = true;
  }

  if (bracketed || addr.find(':') != std::string_view::npos) {
    if (size_t pct = addr.find('%'); pct != std::string_view::npos && !prefix)
      addr = addr.substr(0, pct);  // a zone names an interface, not a different address
    auto a = ParseIpv6(addr);
    if (!a) {
      Fail(error, value, "invalid IPv6 address");
      return std::nullopt;
    }
    if (prefix && *prefix > 128) {
      Fail(error, value, "IPv6 prefix length must be 0-128");
      return std::nullopt;
    }
    t.ipv6 = *a;
    t.prefix_len = prefix.value_or(128);
    MaskIpv6(&t.ipv6, t.prefix_len);
    t.kind = t.prefix_len == 128 ? Target::Kind::kIpv6 : Target::Kind::kIpv6Cidr;
    return t;
  }

  // A name whose last label is all digits is a (mistyped) IPv4 address, never a host name.
  std::string_view undotted = addr;
  if (!undotted.empty() && undotted.back() == '.') undotted.remove_suffix(1);
  size_t last_dot = undotted.rfind('.');
  std::string_view last_label =
      last_dot == std::string_view::npos ? undotted : undotted.substr(last_dot + 1);
  if (prefix || AllDigits(last_label)) {
    auto a = ParseIpv4DottedQuad(addr);
    if (!a) {
      Fail(error, value, "IPv4 address needs four decimal parts 0-255");
      return std::nullopt;
    }
    if (prefix && *prefix > 32) {
      Fail(error, value, "IPv4 prefix length must be 0-32");
      return std::nullopt;
    }
    t.prefix_len = prefix.value_or(32);
    t.ipv4 = *a & Ipv4Mask(t.prefix_len);
    t.kind = t.prefix_len == 32 ? Target::Kind::kIpv4 : Target::Kind::kIpv4Cidr;
    return t;
  }

  std::string_view problem = HostNameProblem(undotted);
  if (!problem.empty()) {
    Fail(error, value, problem);
    return std::nullopt;
  }
  t.kind = Target::Kind::kHostName;
  t.prefix_len = 0;
  t.name.reserve(undotted.size());
  for (char c : undotted) t.name += AsciiLower(c);
  if (size_t dot = t.name.find('.'); dot != std::string::npos)
    t.first_label = t.name.substr(0, dot);
  return t;
}

// ---------------------------------------------------------------------------------------------

namespace {

// Where each value is among the targets, so that matching a value costs a lookup, not a pass
// over a thousand targets. Every lookup answers with the first target in order, as a pass would.
struct TargetIndex {
  std::map<uint32_t, size_t> ipv4;                    // address -> first target
  std::map<Ipv6Bytes, size_t> ipv6;                   // address -> first target
  // CIDR targets by prefix length, each a network -> first target: a value is masked and looked
  // up once per distinct length, not compared with every CIDR.
  std::map<int, std::map<uint32_t, size_t>> ipv4_cidrs;
  std::map<int, std::map<Ipv6Bytes, size_t>> ipv6_cidrs;
  std::map<std::string, size_t, std::less<>> names;   // lower-case name -> first target
  std::map<std::string, size_t, std::less<>> labels;  // lower-case first label -> first target
  std::vector<size_t> name_lengths;                   // distinct, ascending
};

}  // namespace

struct TargetSet::Compiled {
  TargetIndex index;
  bool has_ipv4 = false;     // any IPv4 or IPv4 CIDR target
  bool has_ip = false;       // any address target of either family
  bool name_in_run = false;  // some name starts with a hex digit, so may begin inside an IP run
  std::unique_ptr<RE2> prefilter;
};

struct TargetSet::Lazy {
  std::once_flag once;
  std::unique_ptr<Compiled> compiled;
};

TargetSet::TargetSet() = default;
TargetSet::~TargetSet() = default;
TargetSet::TargetSet(TargetSet&&) noexcept = default;
TargetSet& TargetSet::operator=(TargetSet&&) noexcept = default;

bool TargetSet::Add(std::string_view value, std::string* error) {
  auto t = ParseTarget(value, error);
  if (!t) return false;
  targets_.push_back(std::move(*t));
  lazy_ = std::make_unique<Lazy>();
  return true;
}

const TargetSet::Compiled* TargetSet::compiled() const {
  if (!lazy_) return nullptr;
  std::call_once(lazy_->once, [this] { lazy_->compiled = Compile(); });
  return lazy_->compiled.get();
}

std::unique_ptr<TargetSet::Compiled> TargetSet::Compile() const {
  auto c = std::make_unique<Compiled>();
  std::string names_alt;
  TargetIndex& index = c->index;
  for (size_t i = 0; i < targets_.size(); ++i) {
    const Target& t = targets_[i];
    switch (t.kind) {
      case Target::Kind::kHostName:
        if (!index.names.emplace(t.name, i).second) break;  // the same name again
        index.name_lengths.push_back(t.name.size());
        if (!t.first_label.empty()) index.labels.emplace(t.first_label, i);
        if (IsHex(t.name.front())) c->name_in_run = true;
        if (!names_alt.empty()) names_alt += '|';
        names_alt += RE2::QuoteMeta(t.name);
        break;
      case Target::Kind::kIpv4:
      case Target::Kind::kIpv4Cidr:
        if (t.kind == Target::Kind::kIpv4)
          index.ipv4.emplace(t.ipv4, i);
        else
          index.ipv4_cidrs[t.prefix_len].emplace(t.ipv4, i);
        c->has_ipv4 = true;
        c->has_ip = true;
        break;
      case Target::Kind::kIpv6:
      case Target::Kind::kIpv6Cidr:
        if (t.kind == Target::Kind::kIpv6)
          index.ipv6.emplace(t.ipv6, i);
        else
          index.ipv6_cidrs[t.prefix_len].emplace(t.ipv6, i);
        c->has_ip = true;
        break;
    }
  }
  std::sort(index.name_lengths.begin(), index.name_lengths.end());
  index.name_lengths.erase(std::unique(index.name_lengths.begin(), index.name_lengths.end()),
                           index.name_lengths.end());
  std::string pattern;
  auto alt = [&pattern](std::string_view p) {
    if (!pattern.empty()) pattern += '|';
    pattern += p;
  };
  if (!names_alt.empty()) alt("(?i:" + names_alt + ")");
  if (c->has_ipv4) alt(R"([0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3})");
  // Every IPv6 spelling has two colons at most four hex digits apart; the verifier expands the
  // candidate to the whole run, so the anchor need not cover the address.
  if (c->has_ip) alt(":[0-9A-Fa-f]{0,4}:");
  if (!pattern.empty()) {
    RE2::Options opt;
    opt.set_encoding(RE2::Options::EncodingLatin1);  // arbitrary bytes, not UTF-8
    opt.set_log_errors(false);
    opt.set_max_mem(64 << 20);  // room for long name lists without the DFA falling back to NFA
    c->prefilter = std::make_unique<RE2>(pattern, opt);
    if (!c->prefilter->ok()) c->prefilter.reset();  // pieces are quoted; only size can fail
  }
  return c;
}

namespace {

// The earlier of two candidate matches (by target order).
std::optional<TokenMatch> Earlier(std::optional<TokenMatch> a, std::optional<TokenMatch> b) {
  if (!a) return b;
  if (!b) return a;
  return b->target < a->target ? b : a;
}

// The target `map` holds at `v` (an address or a network), as a match of `kind`.
template <class Key>
std::optional<TokenMatch> Find(const std::map<Key, size_t>& map, const std::type_identity_t<Key>& v,
                               MatchKind kind) {
  auto it = map.find(v);
  if (it == map.end()) return std::nullopt;
  return TokenMatch{it->second, kind};
}

// First IPv4 CIDR target (in order) holding `v`.
std::optional<TokenMatch> InIpv4Cidr(const TargetIndex& index, uint32_t v) {
  std::optional<TokenMatch> found;
  for (const auto& [prefix_len, networks] : index.ipv4_cidrs)
    found = Earlier(found, Find(networks, v & Ipv4Mask(prefix_len), MatchKind::kInRange));
  return found;
}

// First IPv6 CIDR target (in order) holding `a`.
std::optional<TokenMatch> InIpv6Cidr(const TargetIndex& index, const Ipv6Bytes& a) {
  std::optional<TokenMatch> found;
  for (const auto& [prefix_len, networks] : index.ipv6_cidrs) {
    Ipv6Bytes network = a;
    MaskIpv6(&network, prefix_len);
    found = Earlier(found, Find(networks, network, MatchKind::kInRange));
  }
  return found;
}

// First target (in order) that an IPv4 value names.
std::optional<TokenMatch> MatchIpv4Value(const TargetIndex& index, uint32_t v) {
  return Earlier(Find(index.ipv4, v, MatchKind::kExact), InIpv4Cidr(index, v));
}

// First target (in order) that an IPv6 value names, including IPv4 targets it embeds.
std::optional<TokenMatch> MatchIpv6Value(const TargetIndex& index, const Ipv6Bytes& a) {
  std::optional<TokenMatch> found =
      Earlier(Find(index.ipv6, a, MatchKind::kExact), InIpv6Cidr(index, a));
  if (std::optional<uint32_t> v4 = EmbeddedIpv4(a)) {
    found = Earlier(found, Find(index.ipv4, *v4, MatchKind::kEmbedded));
    found = Earlier(found, InIpv4Cidr(index, *v4));
  }
  return found;
}

void Push(std::vector<TextMatch>* out, size_t offset, size_t length,
          const std::optional<TokenMatch>& m) {
  if (m) out->push_back(TextMatch{offset, length, m->target, m->kind});
}

}  // namespace

std::optional<TokenMatch> TargetSet::MatchToken(std::string_view token, Context context) const {
  const Compiled* prepared = compiled();
  if (targets_.empty() || !prepared) return std::nullopt;
  std::optional<UnescapedText> unescaped;
  if (context == Context::kFreeText && token.find_first_of("\\[") != std::string_view::npos) {
    unescaped.emplace(token);
    token = unescaped->text();
  }
  std::string_view host;
  bool bracketed = false;
  if (!StripHostDecoration(Trim(token), &host, &bracketed)) return std::nullopt;

  if (host.find(':') != std::string_view::npos) {
    auto a = ParseIpv6(host);
    return a ? MatchIpv6Value(prepared->index, *a) : std::nullopt;
  }
  auto v4 = context == Context::kHostValue ? ParseIpv4InetAton(host) : ParseIpv4DottedQuad(host);
  if (v4) return MatchIpv4Value(prepared->index, *v4);
  if (bracketed) return std::nullopt;

  bool trailing_dot = host.back() == '.';
  if (trailing_dot) host.remove_suffix(1);
  if (host.empty()) return std::nullopt;
  const TargetIndex& index = prepared->index;
  if (index.names.empty()) return std::nullopt;
  std::string lower = AsciiLowerCopy(host);
  if (auto it = index.names.find(lower); it != index.names.end())
    return TokenMatch{it->second, MatchKind::kExact};
  // `ntp1.` is an absolute single-label name, not the short form of `ntp1.corp.example.com`.
  if (context == Context::kHostValue && !trailing_dot)
    if (auto it = index.labels.find(lower); it != index.labels.end())
      return TokenMatch{it->second, MatchKind::kShortName};
  return std::nullopt;
}

namespace {

// Judges one maximal run [rs, re) of hex digits, colons and dots as IP spellings and appends the
// mentions it holds. The run is judged whole so that 10.0.0.1 is never found inside 10.0.0.10,
// 1.10.0.0.1 or 2001:db8::1:5, whatever part of it the prefilter happened to hit.
void AnalyzeRun(std::string_view text, size_t rs, size_t re, const TargetIndex& index,
                bool want_ipv4, std::vector<TextMatch>* out) {
  size_t te = re;
  while (te > rs && text[te - 1] == '.') --te;  // sentence-final dots
  if (te == rs) return;
  char after = re < text.size() ? text[re] : '\0';
  // A trailing dot is punctuation only when no label follows it (10.0.0.1.nip.io is a name).
  bool tail_ok = te < re ? !IsLabelChar(after) : !IsWordChar(after);
  bool head_ok = rs == 0 || !IsWordChar(text[rs - 1]);

  size_t colons = 0;
  for (size_t i = rs; i < te && colons < 2; ++i) colons += text[i] == ':';
  if (colons >= 2) {
    size_t a = rs, b = te;
    auto v6 = ParseIpv6(text.substr(a, b - a));
    if (!v6) {
      // A lone colon at either end separates the address from a key or a port-less remark.
      if (b - a > 2 && text[a] == ':' && text[a + 1] != ':') ++a;
      if (b - a > 2 && text[b - 1] == ':' && text[b - 2] != ':') --b;
      if (a != rs || b != te) v6 = ParseIpv6(text.substr(a, b - a));
    }
    if (v6) {
      if ((a > rs || head_ok) && (b < te || tail_ok))
        Push(out, a, b - a, MatchIpv6Value(index, *v6));
      return;  // the run is one IPv6 address; its dotted tail is not a separate IPv4 mention
    }
  }
  if (!want_ipv4) return;
  // Not an IPv6 address: each colon-separated piece may be a dotted quad (10.0.0.1:123).
  size_t a = rs;
  while (a < te) {
    size_t b = a;
    while (b < te && text[b] != ':') ++b;
    if (b - a >= 7 && b - a <= 15 && (a > rs || head_ok) && (b < te || tail_ok)) {
      if (auto v4 = ParseIpv4DottedQuad(text.substr(a, b - a)))
        Push(out, a, b - a, MatchIpv4Value(index, *v4));
    }
    a = b + 1;
  }
}

}  // namespace

namespace {

// Whether a host name can begin at `s`: no label character or dot before it. Hyphens before it
// count as punctuation when nothing but hyphens reaches back to the previous non-label
// character, since no label starts with '-' (${NTP:-ntp1.example.com}, --ntp1...).
bool NameMayStart(std::string_view text, size_t s) {
  size_t j = s;
  while (j > 0 && text[j - 1] == '-') --j;
  if (j > 0 && (IsLabelChar(text[j - 1]) || text[j - 1] == '.')) return false;
  return true;
}

}  // namespace

UnescapedText::UnescapedText(std::string_view text) : original_(text) {
  const size_t n = text.size();
  size_t copied = 0;
  for (size_t i = text.find_first_of("\\["); i < n; i = text.find_first_of("\\[", i + 1)) {
    size_t end = 0;
    if (text[i] == '[') {
      if (i + 2 < n && text[i + 1] == '.' && text[i + 2] == ']') end = i + 3;
    } else if (i == 0 || text[i - 1] != '\\') {
      size_t j = i;
      while (j < n && text[j] == '\\' && j - i < 3) ++j;
      if (j - i <= 2 && j < n && (text[j] == '.' || text[j] == ':')) end = j + 1;
    }
    if (end == 0) continue;
    if (escapes_.empty()) plain_.reserve(n);
    plain_.append(text.substr(copied, i - copied));
    escapes_.push_back(Escape{plain_.size(), i, end});
    plain_ += text[end - 1] == ']' ? '.' : text[end - 1];
    copied = end;
    i = end - 1;
  }
  if (!escapes_.empty()) plain_.append(text.substr(copied));
}

size_t UnescapedText::Original(size_t plain, bool end) const {
  auto after = std::upper_bound(escapes_.begin(), escapes_.end(), plain,
                                [](size_t p, const Escape& e) { return p < e.plain; });
  if (after == escapes_.begin()) return plain + (end ? 1 : 0);
  const Escape& e = *(after - 1);
  if (e.plain == plain) return end ? e.original_end : e.original_begin;
  return e.original_end + (plain - e.plain - 1) + (end ? 1 : 0);
}

void UnescapedText::MapBack(size_t begin, size_t end, size_t* original_begin, size_t* original_end,
                            bool* escaped) const {
  *original_begin = Original(begin, false);
  *original_end = end > begin ? Original(end - 1, true) : *original_begin;
  auto first = std::lower_bound(escapes_.begin(), escapes_.end(), begin,
                                [](const Escape& e, size_t p) { return e.plain < p; });
  *escaped = first != escapes_.end() && first->plain < end;
}

std::vector<TextMatch> TargetSet::FindInText(std::string_view text) const {
  const Compiled* prepared = compiled();
  if (!prepared || !prepared->prefilter) return {};
  if (text.find_first_of("\\[") == std::string_view::npos) return FindInPlainText(text);
  UnescapedText unescaped(text);
  if (!unescaped.changed()) return FindInPlainText(text);
  std::vector<TextMatch> out = FindInPlainText(unescaped.text());
  for (TextMatch& m : out) {
    size_t begin = 0, end = 0;
    unescaped.MapBack(m.offset, m.offset + m.length, &begin, &end, &m.escaped);
    m.offset = begin;
    m.length = end - begin;
  }
  return out;
}

std::vector<TextMatch> TargetSet::FindInPlainText(std::string_view text) const {
  std::vector<TextMatch> out;
  const Compiled* prepared = compiled();
  if (!prepared || !prepared->prefilter) return out;
  const Compiled& c = *prepared;
  const size_t n = text.size();
  size_t pos = 0;
  size_t run_end = 0;  // IP runs that end at or before this were already judged
  std::string lower;   // the text at a hit, lower case, as long as the longest name
  re2::StringPiece hit;
  while (pos < n && c.prefilter->Match(text, pos, n, RE2::UNANCHORED, &hit, 1)) {
    const size_t s = static_cast<size_t>(hit.data() - text.data());
    size_t next = s + 1;
    bool accepted = false;

    if (!c.index.names.empty() && NameMayStart(text, s)) {
      // At most one name ends on a label boundary here: a longer one goes on past it with a label.
      lower.assign(text.substr(s, std::min(n - s, c.index.name_lengths.back())));
      for (char& ch : lower) ch = AsciiLower(ch);
      for (size_t len : c.index.name_lengths) {
        if (lower.size() < len) break;
        auto it = c.index.names.find(std::string_view(lower).substr(0, len));
        if (it == c.index.names.end()) continue;
        const size_t e = s + len;
        if (e < n && IsLabelChar(text[e])) continue;
        if (e + 1 < n && text[e] == '.' && IsLabelChar(text[e + 1])) continue;  // ...com.au
        out.push_back(TextMatch{s, len, it->second, MatchKind::kExact});
        next = e;
        accepted = true;
        break;
      }
    }

    if (c.has_ip && IsRunChar(text[s])) {
      if (s >= run_end) {
        size_t rs = s, re = s;
        while (rs > 0 && IsRunChar(text[rs - 1])) --rs;
        while (re < n && IsRunChar(text[re])) ++re;
        AnalyzeRun(text, rs, re, c.index, c.has_ipv4, &out);
        run_end = re;
      }
      if (!accepted) {
        // Inside a judged run only a name right after a ':' can still start (server:ntp1...).
        size_t colon =
            !c.name_in_run ? std::string_view::npos : text.substr(0, run_end).find(':', s);
        next = colon == std::string_view::npos ? run_end : colon + 1;
        next = std::max(next, s + 1);
      }
    }
    pos = next;
  }
  // Runs are judged when first touched, so their mentions may land before a name found earlier.
  std::sort(out.begin(), out.end(), [](const TextMatch& x, const TextMatch& y) {
    return x.offset != y.offset ? x.offset < y.offset : x.target < y.target;
  });
  size_t kept = 0, end = 0;
  for (const TextMatch& m : out) {
    if (kept > 0 && m.offset < end) continue;
    out[kept++] = m;
    end = m.offset + m.length;
  }
  out.resize(kept);
  return out;
}

bool TargetSet::MayMention(std::string_view text) const {
  const Compiled* prepared = compiled();
  if (!prepared || !prepared->prefilter) return false;
  const RE2& re = *prepared->prefilter;
  if (re.Match(text, 0, text.size(), RE2::UNANCHORED, nullptr, 0)) return true;
  if (text.find_first_of("\\[") == std::string_view::npos) return false;
  UnescapedText unescaped(text);
  return unescaped.changed() &&
         re.Match(unescaped.text(), 0, unescaped.text().size(), RE2::UNANCHORED, nullptr, 0);
}

}  // namespace ntpsweep::host
