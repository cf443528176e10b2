#include "host/prefilter.h"

#include "core/fd.h"
#include "host/hyperscan.h"

#include <fcntl.h>
#include <hs/hs.h>
#include <sys/stat.h>
#include <unistd.h>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define NTPSWEEP_AVX2_LEADS 1
#endif

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <future>
#include <initializer_list>
#include <iterator>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <stdexcept>

namespace ntpsweep::host {

bool CompilesAsWord(const std::string& pattern, std::string* error) {
  hs_expr_info_t* info = nullptr;
  hs_compile_error_t* compile_error = nullptr;
  if (hs_expression_info(pattern.c_str(), HS_FLAG_CASELESS | HS_FLAG_MULTILINE, &info,
                         &compile_error) == HS_SUCCESS) {
    std::free(info);  // allocated by Hyperscan's default allocator, malloc
    return true;
  }
  *error = compile_error && compile_error->message ? compile_error->message : "unknown error";
  hs_free_compile_error(compile_error);
  return false;
}

namespace {
// The forms of a checked literal (LiteralCheck): WholeWordPattern and LineFirstPattern write
// them, CheckedLiteral reads them.
constexpr std::string_view kWordBound = "\\b", kLineStart = "^[ \\t]*", kBlank = "[ \\t]";
}  // namespace

std::string WholeWordPattern(std::string_view literal) {
  return std::string(kWordBound) + QuoteLiteral(literal) + std::string(kWordBound);
}

std::string LineFirstPattern(std::string_view literal) {
  return std::string(kLineStart) + QuoteLiteral(literal) + std::string(kBlank);
}

std::string QuoteLiteral(std::string_view literal) {
  // By hand, not snprintf: a thousand targets' six thousand literals made it half the gate's
  // patterns' making at start-up.
  constexpr std::string_view kHexDigits = "0123456789abcdef";
  std::string out;
  out.reserve(literal.size() * 2);
  for (char c : literal) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
      out += c;
    } else {
      const auto byte = static_cast<unsigned char>(c);
      out += "\\x";
      out += kHexDigits[byte >> 4];
      out += kHexDigits[byte & 15];
    }
  }
  return out;
}

namespace {

std::string Format(const char* fmt, uint64_t v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, fmt, static_cast<unsigned long long>(v));
  return buf;
}

// An inet_aton part of value `v` (not 0) and the dot after it, as literals that every spelling
// (decimal, octal led by zeros, hex led by 0x and zeros) holds: one regular expression of the three
// took a third of a thousand-target gate's scan work.
std::vector<std::string> AnyBaseThenDot(uint64_t v) {
  std::string hex = Format("%llx", v) + ".";
  return {QuoteLiteral(Format("%llu", v) + "."), QuoteLiteral(Format("0%llo", v) + "."),
          QuoteLiteral("x" + hex), QuoteLiteral("0" + hex)};
}

// A dotted-quad octet as free text reads it: decimal, leading zeros allowed.
std::string Decimal(uint32_t v) {
  return "0*" + Format("%llu", v);
}

// Any spelling of an IPv6 address (or of the IPv4-in-IPv6 forms) has two colons at most four hex
// digits apart; FindInText's own prefilter anchors on the same shape.
constexpr const char* kAnyIpv6 = ":[0-9a-f]{0,4}\\\\{0,2}:";
// Parts no decimal literal covers: hex (0x1f), or led by a zero (octal 012, or 010 that free
// text reads as decimal), first or later in a dotted spelling whose dots may be escaped (\.,
// \\., [.]). The zero-led shapes also stand for the dotted quads with a zero-led octet
// (010.20.30.40) that free text reads as decimal (HasZeroLedQuad): a pattern of its own for
// them made the whole gate pass twice as slow.
// They are not in the Hyperscan database: their only literal is one common byte ('0'), which made
// them half of the gate's pass; HasResolverShape finds them by hand, and only where a hit matters.
constexpr const char* kResolverShapes[] = {"0x[0-9a-f]", "(?:^|[^0-9a-z_.])0[0-9]+[.\\\\[]",
                                           "[.\\]]0[0-9]+(?:[^0-9]|$)"};

// Dotted-quad targets (IPv4 addresses and CIDRs) past which one shared pattern stands for their
// quads (GatePattern::dotted): below, a literal each scans faster.
constexpr size_t kManyQuadTargets = 16;
// Distinct first parts of the dotted-quad targets up to which a literal each (and a dot) stands
// for their quads in place of SharedQuad().
constexpr size_t kFewFirstParts = 8;
// Host names with a dot past which each one's first label, judged, stands for its spellings.
constexpr size_t kManyNames = 16;

// Any dotted quad, plain or with escaped dots, up to the first digit of its last part.
std::string SharedQuad() {
  const std::string sep = "(?:\\.|\\\\{1,2}\\.|\\[\\.\\])";
  return "[0-9]" + sep + "[0-9]{1,3}" + sep + "[0-9]{1,3}" + sep + "[0-9]";
}

// Escaped separators free text reads as plain ones (host::UnescapedText): \. \\. and [.] for a
// dot, \: and \\: for a colon. A spelling escaped the same way throughout is a literal per
// target; one that mixes kinds (10\.0.0[.]1) has two different separators side by side, which
// the escaped ones anchor for every target (GatePattern::mixed, HasMixedSeparatorsAt).
constexpr std::string_view kEscapedDots[] = {"\\.", "\\\\.", "[.]"};
// A dot as written, then escaped each way.
constexpr std::string_view kDotSpellings[] = {".", kEscapedDots[0], kEscapedDots[1],
                                              kEscapedDots[2]};
constexpr const char* kEscapedColon = "\\\\{0,2}:";

// A mixed spelling holds \. (in \. and \\.) or [.]: these literals anchor it.
void AddMixedSeparators(std::vector<GatePattern>* out) {
  for (std::string_view anchor : {"\\.", "[.]"}) {
    GatePattern p{QuoteLiteral(anchor)};
    p.mixed = true;
    out->push_back(std::move(p));
  }
}

// `dotted` with every '.' written as `escape`.
std::string EscapeDots(std::string_view dotted, std::string_view escape) {
  std::string out;
  for (char c : dotted) {
    if (c == '.')
      out += escape;
    else
      out += c;
  }
  return out;
}

// Calls f(a, b, same) for each piece of `first`..`last` whose numbers have one length written
// in `base` (10, 8 or 16): `a` and `b` its first and last number after `lead`, `same` the
// length of their common prefix. Stops, returning false, where f does.
template <typename F>
bool ForEachSpellingLength(uint64_t first, uint64_t last, uint64_t base, std::string_view lead,
                           F&& f) {
  const char* format = base == 8 ? "%llo" : base == 16 ? "%llx" : "%llu";
  for (uint64_t from = first; from <= last;) {
    uint64_t longer = 1;  // the first number of one more digit
    while (longer <= from) longer *= base;
    uint64_t to = std::min(last, longer - 1);
    std::string a = std::string(lead) + Format(format, from),
                b = std::string(lead) + Format(format, to);
    size_t same = 0;
    while (same < a.size() && a[same] == b[same]) ++same;
    if (!f(a, b, same)) return false;
    from = to + 1;
  }
  return true;
}

// What every number from `first` to `last` begins with, written in `base` (10, 8 or 16) after
// `lead`: each piece's common prefix (ForEachSpellingLength). Empty when a prefix would be
// shorter than five characters (a wide network's numbers: a pattern that hits most long
// numbers).
std::vector<std::string> NumberPrefixes(uint64_t first, uint64_t last, uint64_t base,
                                        std::string_view lead) {
  std::vector<std::string> out;
  bool narrow = ForEachSpellingLength(first, last, base, lead,
                                      [&](const std::string& a, const std::string&, size_t same) {
                                        if (same < 5) return false;
                                        out.push_back(a.substr(0, same));
                                        return true;
                                      });
  return narrow ? out : std::vector<std::string>{};
}

// Every number from `first` to `last` written in `base` (10 or 8) after `lead`, and more: per
// spelling length, the digits all share, one digit between the first and the last's, then any
// digits (10.0.0.0 to 10.255.255.255 is 1[6-8][0-9]{7}).
std::vector<std::string> NumberShapes(uint64_t first, uint64_t last, uint64_t base,
                                      std::string_view lead) {
  std::vector<std::string> out;
  ForEachSpellingLength(
      first, last, base, lead, [&](const std::string& a, const std::string& b, size_t same) {
        std::string shape = QuoteLiteral(a.substr(0, same));
        if (same < a.size()) {
          shape += "[" + a.substr(same, 1) + "-" + b.substr(same, 1) + "]";
          if (size_t rest = a.size() - same - 1; rest > 0)
            shape += std::string(base == 8 ? "[0-7]{" : "[0-9]{") + std::to_string(rest) + "}";
        }
        out.push_back(std::move(shape));
        return true;
      });
  return out;
}

// Any digit: the fallback when no narrower anchor is sound (a /7 network, 0.x addresses).
constexpr const char* kAnyNumber = "[0-9]";

uint16_t Group(const Ipv6Bytes& a, int i) {
  return static_cast<uint16_t>(a[2 * i] << 8 | a[2 * i + 1]);
}

// A non-zero group followed by ':' as written plain or escaped (kEscapedColon), as three
// literals: leading zeros need no pattern in a substring search, and a regular expression per
// target made a thousand targets cost two seconds of compilation at every start.
std::vector<std::string> GroupThenColon(uint16_t group) {
  std::string hex = Format("%llx", group);
  return {QuoteLiteral(hex + ":"), QuoteLiteral(hex + "\\:"), QuoteLiteral(hex + "\\\\:")};
}

// Groups 0-5 of an IPv6 address are followed by ':' in every spelling (only groups 6-7 may be
// written as a dotted quad), so the longest non-zero one within the first `usable_bits` anchors it.
std::vector<std::string> Ipv6Anchor(const Ipv6Bytes& a, int usable_bits) {
  int best = -1;
  size_t best_len = 0;
  for (int i = 0; i < 6 && (i + 1) * 16 <= usable_bits; ++i) {
    uint16_t g = Group(a, i);
    if (g == 0) continue;
    size_t len = Format("%llx", g).size();
    if (len > best_len) best = i, best_len = len;
  }
  if (best < 0) return {kAnyIpv6};
  return GroupThenColon(Group(a, best));
}

// The last two groups of an IPv4-embedding IPv6 spelling (::ffff:a00:1, 64:ff9b::a00:1): the
// high group and its colon when it is not zero (a00:1, a00::, a00\:1 all hold "a00:"), followed
// by the low group in each of its widths when that is known and not zero: "a00:" alone is in
// every hex dump of a thousand targets' worth of high groups.
std::vector<std::string> EmbeddedAnchor(uint32_t v4, bool low_known) {
  auto hi = static_cast<uint16_t>(v4 >> 16), lo = static_cast<uint16_t>(v4 & 0xffff);
  const std::string colon = kEscapedColon;
  if (hi && low_known && lo) {
    std::vector<std::string> out;
    std::string high = Format("%llx", hi), low = Format("%llx", lo);
    for (const char* written : {":", "\\:", "\\\\:"})
      for (std::string wide = low; wide.size() <= 4; wide.insert(0, 1, '0'))
        out.push_back(QuoteLiteral(high + written + wide));
    return out;
  }
  if (hi) return GroupThenColon(hi);
  if (low_known && lo) return {"(?:0|" + colon + ")" + colon + "0*" + Format("%llx", lo)};  // ::1
  return {kAnyIpv6};
}

}  // namespace

std::vector<GatePattern> GatePatterns(const Target& t) {
  std::vector<GatePattern> out;
  auto free_text = [&out](std::string p) { out.push_back({std::move(p), false}); };
  auto resolver = [&out](std::string p) { out.push_back({std::move(p), true}); };
  auto quad_form = [&out](std::string p) {
    out.push_back({std::move(p), false, false, false, true});
  };
  switch (t.kind) {
    case Target::Kind::kHostName:
      out.push_back({QuoteLiteral(t.name)});
      out.back().spelled = !t.first_label.empty();
      for (std::string_view escape : kEscapedDots)
        if (t.name.find('.') != std::string::npos) {
          out.push_back({QuoteLiteral(EscapeDots(t.name, escape))});
          out.back().spelled = true;
        }
      AddMixedSeparators(&out);
      if (!t.first_label.empty()) {
        resolver(QuoteLiteral(t.first_label));  // short names
        out.back().short_name = true;
      }
      break;
    case Target::Kind::kIpv4: {
      // Free text: the dotted quad (with a zero-led octet: kResolverShapes, HasZeroLedQuad).
      // Resolver forms as literals per target (cheap to compile for a thousand targets): decimal
      // 3, 2 and 1 parts, octal 1 part; every other inet_aton spelling has a hex or a zero-led
      // part, which kResolverShapes catch once.
      uint32_t v = t.ipv4;
      uint32_t a = v >> 24, b = (v >> 16) & 255, c = (v >> 8) & 255, d = v & 255;
      auto dec = [](uint64_t x) { return Format("%llu", x); };
      std::string quad = dec(a) + "." + dec(b) + "." + dec(c) + "." + dec(d);
      quad_form(QuoteLiteral(quad));
      for (std::string_view escape : kEscapedDots)
        quad_form(QuoteLiteral(EscapeDots(quad, escape)));
      AddMixedSeparators(&out);
      for (std::string& p : EmbeddedAnchor(v, true))
        out.push_back({std::move(p), false, false, false, false, true});
      for (std::string p :
           {dec(a) + "." + dec(b) + "." + dec(v & 0xffff), dec(a) + "." + dec(v & 0xffffff)}) {
        resolver(QuoteLiteral(p));
        out.back().inet_aton = true;
      }
      for (std::string p : {dec(v), Format("0%llo", v)}) {
        resolver(QuoteLiteral(p));
        out.back().inet_aton = true;
      }
      for (const char* shape : kResolverShapes) out.push_back({shape, true, true});
      break;
    }
    case Target::Kind::kIpv4Cidr: {
      uint32_t v = t.ipv4;
      int full = t.prefix_len / 8, rest = t.prefix_len % 8;
      if (full == 0 || (v >> 24) == 0) {
        free_text(kAnyNumber);
        break;
      }
      // One pattern per way of writing the dots (escaped the same way throughout; mixed
      // spellings are AddMixedSeparators()).
      for (std::string_view sep : {"\\.", "\\\\\\.", "\\\\\\\\\\.", "\\[\\.\\]"}) {
        std::string dotted;
        for (int i = 0; i < full && i < 4; ++i)
          dotted += Decimal((v >> (24 - 8 * i)) & 255) + std::string(sep);
        if (full < 4 && rest > 0) {
          uint32_t first = (v >> (24 - 8 * full)) & 255, count = 1u << (8 - rest);
          dotted += "0*(?:";
          for (uint32_t o = first; o < first + count; ++o)
            dotted += (o == first ? "" : "|") + Format("%llu", o);
          dotted += ")";
        }
        quad_form(std::move(dotted));
      }
      AddMixedSeparators(&out);
      // The IPv4-in-IPv6 spellings of its members (with many targets, the shared judged prefix
      // pattern stands for them: a group like ac14: alone let Hangul tables through).
      for (std::string& p : t.prefix_len < 16 ? std::vector<std::string>{kAnyIpv6}
                                              : EmbeddedAnchor(v, t.prefix_len >= 32))
        out.push_back({std::move(p), false, false, false, false, true});
      // Resolver forms keep the first part whole; a lone 32-bit number begins with what all the
      // members' numbers begin with (any number of eight digits or more for a wide network).
      // Both are common in code, so each hit counts only where its run spells a member.
      uint32_t last = v | (t.prefix_len == 0 ? ~uint32_t{0} : ~uint32_t{0} >> t.prefix_len);
      std::vector<std::string> one_part = AnyBaseThenDot(v >> 24);
      std::vector<std::string> decimal = NumberPrefixes(v, last, 10, ""),
                               octal = NumberPrefixes(v, last, 8, "0");
      if (decimal.empty() || octal.empty())
        one_part.push_back("[0-9]{8,12}");
      else
        for (std::vector<std::string>* prefixes : {&decimal, &octal})
          for (const std::string& prefix : *prefixes) one_part.push_back(QuoteLiteral(prefix));
      // The hex form's digits after 0x and any zeros (0x0*[0-9a-f]{7,8} hit most hex dumps).
      std::vector<std::string> hex = NumberPrefixes(v, last, 16, "");
      if (hex.empty()) one_part.push_back("0x0*[0-9a-f]{7,8}");
      for (const std::string& prefix : hex) one_part.push_back(QuoteLiteral(prefix));
      for (std::string& p : one_part) out.push_back({std::move(p), true, false, true});
      break;
    }
    case Target::Kind::kIpv6:
    case Target::Kind::kIpv6Cidr:
      for (std::string& p : Ipv6Anchor(t.ipv6, t.kind == Target::Kind::kIpv6 ? 128 : t.prefix_len))
        free_text(std::move(p));
      break;
  }
  return out;
}

ResolverPartValues PartValuesOf(const std::vector<Target>& targets) {
  ResolverPartValues out;
  for (const Target& t : targets) {
    if (t.kind == Target::Kind::kIpv4Cidr) {
      uint32_t size_minus_one = t.prefix_len == 0 ? ~uint32_t{0} : (~uint32_t{0} >> t.prefix_len);
      out.ranges.emplace_back(t.ipv4, t.ipv4 | size_minus_one);
    }
    if (t.kind != Target::Kind::kIpv4) continue;
    uint32_t v = t.ipv4;
    for (uint32_t part :
         {v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255, v & 0xffff, v & 0xffffff})
      out.dotted.push_back(part);
    out.whole.push_back(v);
  }
  std::sort(out.ranges.begin(), out.ranges.end());
  std::vector<std::pair<uint32_t, uint32_t>> merged;
  for (const auto& [first, last] : out.ranges)
    if (!merged.empty() &&
        (merged.back().second == ~uint32_t{0} || first <= merged.back().second + 1))
      merged.back().second = std::max(merged.back().second, last);
    else
      merged.emplace_back(first, last);
  out.ranges = std::move(merged);
  for (std::vector<uint32_t>* list : {&out.dotted, &out.whole}) {
    std::sort(list->begin(), list->end());
    list->erase(std::unique(list->begin(), list->end()), list->end());
    for (uint32_t v : *list) out.low_bits[(v >> 6) & 15] |= uint64_t{1} << (v & 63);
  }
  return out;
}

namespace {

bool IsDigitChar(char c) {
  return c >= '0' && c <= '9';
}
bool IsHexChar(char c) {
  return IsDigitChar(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

// Whether text[i] == '0' may start a hex or zero-led number: the next byte is 'x' or 'X', or a
// digit with no digit before the '0'. Every resolver shape's hit holds one.
bool MayLeadNumber(std::string_view text, size_t i) {
  char next = text[i + 1];
  return text[i] == '0' &&
         ((next | 0x20) == 'x' || (IsDigitChar(next) && (i == 0 || !IsDigitChar(text[i - 1]))));
}

#if defined(NTPSWEEP_AVX2_LEADS)
// ForEachNumberLead's search from text[i], 32 bytes at a time, while 33 bytes are left (it reads
// p[i - 1] to p[i + 32]): where it stopped, or npos once f returned true.
template <typename F>
__attribute__((target("avx2"))) size_t ForEachNumberLeadAvx2(std::string_view text, size_t i,
                                                             F& f) {
  const size_t n = text.size();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  // As in the SSE2 loop: x - ('0' + 128) as a signed byte is below -118 exactly for the digits.
  const __m256i zero = _mm256_set1_epi8('0'),
                digit_shift = _mm256_set1_epi8(static_cast<char>('0' + 128)),
                digit_limit = _mm256_set1_epi8(-128 + 10), lower = _mm256_set1_epi8(0x20),
                x = _mm256_set1_epi8('x');
  for (; i + 33 <= n; i += 32) {
    __m256i c = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i));
    __m256i is_zero = _mm256_cmpeq_epi8(c, zero);
    if (!_mm256_movemask_epi8(is_zero)) continue;
    __m256i next = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i + 1));
    __m256i previous = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + i - 1));
    __m256i next_digit = _mm256_cmpgt_epi8(digit_limit, _mm256_sub_epi8(next, digit_shift));
    __m256i previous_digit = _mm256_cmpgt_epi8(digit_limit, _mm256_sub_epi8(previous, digit_shift));
    __m256i next_x = _mm256_cmpeq_epi8(_mm256_or_si256(next, lower), x);
    __m256i lead = _mm256_and_si256(
        is_zero, _mm256_or_si256(next_x, _mm256_andnot_si256(previous_digit, next_digit)));
    for (auto mask = static_cast<uint32_t>(_mm256_movemask_epi8(lead)); mask; mask &= mask - 1)
      if (f(i + static_cast<size_t>(std::countr_zero(mask)))) return std::string_view::npos;
  }
  return i;
}

// Asked once: CI machines and some virtual machines lack AVX2, and the SSE2 loop serves them.
bool CpuHasAvx2() {
  static const bool has = [] {
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return has;
}
#else
bool CpuHasAvx2() {
  return false;
}
#endif

// Calls f(i) for each i with i + 1 < text.size() and MayLeadNumber(text, i), in order, until f
// returns true. A text is 3% zeros: a memchr loop stopped at each, where this tests 32 (AVX2) or
// sixteen bytes at a time and hands out a block's leads without searching again. `avx2` picks
// the AVX2 search where the CPU has it (tests compare both).
template <typename F>
void ForEachNumberLead(std::string_view text, F&& f, bool avx2 = true) {
  const size_t n = text.size();
  if (n < 2 || (MayLeadNumber(text, 0) && f(size_t{0}))) return;
  size_t i = 1;
#if defined(NTPSWEEP_AVX2_LEADS)
  // The 16-byte search was 81M of the shape checks' 250M instructions on the bench rootfs.
  if (avx2 && CpuHasAvx2()) {
    i = ForEachNumberLeadAvx2(text, i, f);
    if (i == std::string_view::npos) return;
  }
#else
  (void)avx2;
#endif
#if defined(__SSE2__)
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  // x - ('0' + 128) as a signed byte is below -118 exactly for the ten digits.
  const __m128i zero = _mm_set1_epi8('0'),
                digit_shift = _mm_set1_epi8(static_cast<char>('0' + 128)),
                digit_limit = _mm_set1_epi8(-128 + 10), lower = _mm_set1_epi8(0x20),
                x = _mm_set1_epi8('x');
  for (; i + 17 <= n; i += 16) {  // reads p[i - 1] to p[i + 16]
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
    __m128i is_zero = _mm_cmpeq_epi8(c, zero);
    if (!_mm_movemask_epi8(is_zero)) continue;
    __m128i next = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i + 1));
    __m128i previous = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i - 1));
    __m128i next_digit = _mm_cmplt_epi8(_mm_sub_epi8(next, digit_shift), digit_limit);
    __m128i previous_digit = _mm_cmplt_epi8(_mm_sub_epi8(previous, digit_shift), digit_limit);
    __m128i next_x = _mm_cmpeq_epi8(_mm_or_si128(next, lower), x);
    __m128i lead =
        _mm_and_si128(is_zero, _mm_or_si128(next_x, _mm_andnot_si128(previous_digit, next_digit)));
    for (auto mask = static_cast<unsigned>(_mm_movemask_epi8(lead)); mask; mask &= mask - 1)
      if (f(i + static_cast<size_t>(std::countr_zero(mask)))) return;
  }
#endif
  for (; i + 1 < n; ++i)
    if (MayLeadNumber(text, i) && f(i)) return;
}

// Byte classes of the shape checks, one table lookup each.
enum : uint8_t { kDigitByte = 1, kHexByte = 2, kWordByte = 4, kQuadRunByte = 8 };
constexpr std::array<uint8_t, 256> kByteClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c = 0; c < 256; ++c) {
    bool digit = c >= '0' && c <= '9', letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z';
    t[c] = static_cast<uint8_t>(
        (digit ? kDigitByte | kHexByte : 0) |
        ((c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? kHexByte : 0) |
        (digit || letter || c == '_' ? kWordByte : 0) |
        (digit || c == '.' || c == '\\' || c == '[' || c == ']' ? kQuadRunByte : 0));
  }
  return t;
}();
bool Is(char c, uint8_t byte_class) {
  return (kByteClass[static_cast<unsigned char>(c)] & byte_class) != 0;
}

// Whether `v` is an IPv4 target's address or inside one of its CIDRs.
bool NamesAddress(const ResolverPartValues& values, uint32_t v) {
  if (std::binary_search(values.whole.begin(), values.whole.end(), v)) return true;
  // The last range that starts at or before v (the ranges are ascending and disjoint).
  auto after = std::upper_bound(values.ranges.begin(), values.ranges.end(), v,
                                [](uint32_t x, const auto& r) { return x < r.first; });
  return after != values.ranges.begin() && v <= std::prev(after)->second;
}

// Whether some target's address or CIDR member has `octet` as its first octet.
bool HasFirstOctet(const ResolverPartValues& values, uint64_t octet) {
  auto from = std::lower_bound(values.whole.begin(), values.whole.end(), octet << 24);
  return (from != values.whole.end() && (*from >> 24) == octet) ||
         std::any_of(values.ranges.begin(), values.ranges.end(), [octet](const auto& r) {
           return octet >= (r.first >> 24) && octet <= (r.second >> 24);
         });
}

// HasFirstOctet's answer for each octet, a bit each: a thousand targets made its search of the
// addresses and CIDRs most of the shape checks' work.
struct FirstOctets {
  std::array<uint64_t, 4> bits{};
  bool Has(uint64_t octet) const { return (bits[octet >> 6] >> (octet & 63)) & 1; }
};
FirstOctets FirstOctetsOf(const ResolverPartValues& values) {
  FirstOctets out;
  auto set = [&out](uint32_t octet) { out.bits[octet >> 6] |= uint64_t{1} << (octet & 63); };
  for (uint32_t address : values.whole) set(address >> 24);
  for (const auto& [first, last] : values.ranges)
    for (uint32_t octet = first >> 24; octet <= (last >> 24); ++octet) set(octet);
  return out;
}

// Whether a spelling of one to four parts that starts at s[0] can name a target: its first part
// (read as ParseIpv4InetAton reads it) is then a target's first octet, or, alone, its address.
// `first_octets`, where given, answers HasFirstOctet.
bool MayStartSpelling(std::string_view s, const ResolverPartValues& values,
                      const FirstOctets* first_octets) {
  if (s.empty() || !IsDigitChar(s[0])) return false;
  uint64_t base = 10;
  size_t i = 0;
  if (s[0] == '0') {
    base = 8;
    if (s.size() > 1 && (s[1] == 'x' || s[1] == 'X')) {
      base = 16;
      i = 2;
      if (i >= s.size() || !IsHexChar(s[i])) return false;
    }
  }
  uint64_t v = 0;
  for (; i < s.size(); ++i) {
    char c = s[i];
    uint64_t d = 0;
    if (base == 16 && IsHexChar(c))
      d = static_cast<uint64_t>(IsDigitChar(c) ? c - '0' : (c | 0x20) - 'a' + 10);
    else if (IsDigitChar(c) && !(base == 8 && c >= '8'))
      d = static_cast<uint64_t>(c - '0');
    else if (IsDigitChar(c))
      return false;  // 8 or 9 in an octal part: no spelling
    else
      break;
    v = v * base + d;
    if (v > 0xffffffffULL) return false;
  }
  if (v <= 0xff && (first_octets ? first_octets->Has(v) : HasFirstOctet(values, v))) return true;
  // A named address has a target's first octet: most numbers are turned away by that bit alone.
  return (!first_octets || first_octets->Has(v >> 24)) &&
         NamesAddress(values, static_cast<uint32_t>(v));
}

// Judges the run around text[at] (see SpellsTargetAround) and sets `run_end` past it;
// `first_octets` (optional) are FirstOctetsOf(values).
bool JudgeRun(std::string_view text, size_t at, const ResolverPartValues& values, size_t* run_end,
              const FirstOctets* first_octets = nullptr) {
  auto in_run = [&](size_t k) {
    char c = text[k];
    return IsHexChar(c) || c == 'x' || c == 'X' || c == '.' ||
           (c == '\\' && k + 1 < text.size() && text[k + 1] == '.');
  };
  size_t begin = at, end = at;
  while (begin > 0 && in_run(begin - 1)) --begin;
  while (end < text.size() && in_run(end)) ++end;
  *run_end = end;
  // Where a spelling may start in the run as a resolver reads it ("\\." a dot, as a regex rule
  // writes one): its start, after a dot, where a number starts. A first number stops at the
  // backslash as at the dot it escapes, so the starts are tried on the text as written first:
  // most runs have none, and are judged without a copy.
  auto is_start = [&](size_t k, char previous) {
    char c = text[k];
    bool number = IsDigitChar(c) && !IsDigitChar(previous);
    bool hex = c == '0' && k + 1 < end && (text[k + 1] == 'x' || text[k + 1] == 'X');
    return previous == '\0' || number || hex || previous == '.';
  };
  bool any_start = false;
  char previous = '\0';  // none yet: the run's start (no byte of a run is NUL)
  for (size_t k = begin; k < end && !any_start; ++k) {
    if (text[k] == '\\') continue;
    any_start =
        is_start(k, previous) && MayStartSpelling(text.substr(k, end - k), values, first_octets);
    previous = text[k];
  }
  if (!any_start) return false;
  std::string run;
  std::vector<size_t> starts = {0};
  for (size_t k = begin; k < end; ++k) {
    char c = text[k];
    if (c == '\\') continue;
    bool number = IsDigitChar(c) && (run.empty() || !IsDigitChar(run.back()));
    bool hex = c == '0' && k + 1 < end && (text[k + 1] == 'x' || text[k + 1] == 'X');
    if ((number || hex || (!run.empty() && run.back() == '.')) && !run.empty())
      starts.push_back(run.size());
    run += c;
  }
  for (size_t start : starts) {
    // Most starts are no target's first part: a thousand targets' part values let most zero-led
    // and hex parts of a text reach here, and parsing each spelling took 13% of a scan's work.
    if (!MayStartSpelling(std::string_view(run).substr(start), values, first_octets)) continue;
    size_t stop = start;
    for (int parts = 1; parts <= 4 && stop < run.size(); ++parts) {
      stop = run.find('.', stop);
      if (stop == std::string::npos) stop = run.size();
      std::optional<uint32_t> v =
          ParseIpv4InetAton(std::string_view(run).substr(start, stop - start));
      if (v && NamesAddress(values, *v)) return true;
      ++stop;
    }
  }
  return false;
}

// Judges the run around text[at] (see QuadNamesTarget) and sets `run_end` past it.
bool JudgeQuads(std::string_view text, size_t at, const ResolverPartValues& values,
                size_t* run_end) {
  auto in_run = [](char c) {
    return IsDigitChar(c) || c == '.' || c == '\\' || c == '[' || c == ']';
  };
  size_t begin = at, end = at;
  while (begin > 0 && in_run(text[begin - 1])) --begin;
  while (end < text.size() && in_run(text[end])) ++end;
  *run_end = end;
  UnescapedText unescaped(text.substr(begin, end - begin));
  std::string_view plain = unescaped.text();
  for (size_t k = 0; k < plain.size(); ++k) {
    if (!IsDigitChar(plain[k]) || (k > 0 && IsDigitChar(plain[k - 1]))) continue;
    size_t stop = k;
    for (int dots = 0; stop < plain.size(); ++stop) {
      if (plain[stop] == '.' && ++dots == 4) break;
      if (plain[stop] != '.' && !IsDigitChar(plain[stop])) break;
    }
    std::optional<uint32_t> v = ParseIpv4DottedQuad(plain.substr(k, stop - k));
    if (v && NamesAddress(values, *v)) return true;
  }
  return false;
}

// Judges the run around text[at] (see EmbeddedNamesTarget) and sets `run_end` past it.
bool JudgeEmbedded(std::string_view text, size_t at, const TargetSet& ipv4_targets,
                   size_t* run_end) {
  auto in_run = [](char c) {
    return IsHexChar(c) || c == ':' || c == '.' || c == '\\' || c == '[' || c == ']';
  };
  size_t begin = at, end = at;
  while (begin > 0 && in_run(text[begin - 1])) --begin;
  while (end < text.size() && in_run(text[end])) ++end;
  *run_end = end;
  UnescapedText unescaped(text.substr(begin, end - begin));
  std::string_view plain = unescaped.text();
  auto named = [&](std::string_view spelling) {
    return ipv4_targets.MatchToken(spelling, Context::kFreeText).has_value();
  };
  // Each run of hex digits, colons and dots, as the matcher judges it: whole, without
  // sentence-final dots, without a lone colon at either end.
  for (size_t a = 0; a < plain.size();) {
    auto run_char = [](char c) { return IsHexChar(c) || c == ':' || c == '.'; };
    if (!run_char(plain[a])) {
      ++a;
      continue;
    }
    size_t b = a;
    while (b < plain.size() && run_char(plain[b])) ++b;
    size_t e = b;
    while (e > a && plain[e - 1] == '.') --e;
    std::string_view run = plain.substr(a, e - a);
    if (named(run)) return true;
    if (run.size() > 2 && run[0] == ':' && run[1] != ':') run.remove_prefix(1);
    if (run.size() > 2 && run.back() == ':' && run[run.size() - 2] != ':') run.remove_suffix(1);
    if (run.size() != e - a && named(run)) return true;
    a = b;
  }
  return false;
}

}  // namespace

bool HasMixedSeparatorsAt(std::string_view text, size_t at) {
  enum Kind { kNone, kDot, kOneBackslash, kTwoBackslashes, kBrackets };
  const size_t n = text.size();
  auto alnum = [&](size_t k) {
    char c = text[k];
    return IsDigitChar(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  };
  auto name_char = [&](size_t k) { return alnum(k) || text[k] == '_' || text[k] == '-'; };
  auto length = [](Kind k) { return k == kDot ? 1 : k == kOneBackslash ? 2 : 3; };
  // The kind of separator that ends just before `end` (0 < end <= n), of which the byte before
  // is no backslash (it is a letter, a digit, '_' or '-' in any mixed spelling).
  auto ending_at = [&](size_t end) {
    if (text[end - 1] == ']')
      return end >= 3 && text.substr(end - 3, 3) == "[.]" ? kBrackets : kNone;
    if (text[end - 1] != '.') return kNone;
    size_t backslashes = 0;
    while (backslashes < end - 1 && text[end - 2 - backslashes] == '\\') ++backslashes;
    return backslashes == 0   ? kDot
           : backslashes == 1 ? kOneBackslash
           : backslashes == 2 ? kTwoBackslashes
                              : kNone;
  };
  auto starting_at = [&](size_t begin) {
    std::string_view rest = text.substr(begin);
    if (rest.starts_with(".")) return kDot;
    if (rest.starts_with("\\.")) return kOneBackslash;
    if (rest.starts_with("\\\\.")) return kTwoBackslashes;
    if (rest.starts_with("[.]")) return kBrackets;
    return kNone;
  };
  if (at >= n) return false;
  const size_t end = at + 1;
  const Kind kind = ending_at(end);
  if (kind == kNone) return false;
  const size_t begin = end - static_cast<size_t>(length(kind));
  // This separator first: a letter or digit before it, a run after it, another kind, a letter or
  // digit.
  if (begin > 0 && alnum(begin - 1)) {
    size_t r = end;
    while (r < n && name_char(r)) ++r;
    Kind next = r > end && r < n ? starting_at(r) : kNone;
    size_t after = r + static_cast<size_t>(length(next));
    if (next != kNone && next != kind && after < n && alnum(after)) return true;
  }
  // This separator second: a run before it, another kind, a letter or digit before that.
  if (end < n && alnum(end)) {
    size_t q = begin;
    while (q > 0 && name_char(q - 1)) --q;
    Kind previous = q < begin && q > 0 ? ending_at(q) : kNone;
    size_t before = q - static_cast<size_t>(length(previous));
    if (previous != kNone && previous != kind && q >= static_cast<size_t>(length(previous)) + 1 &&
        alnum(before - 1))
      return true;
  }
  return false;
}

bool ShortNameMayStart(std::string_view text, size_t at) {
  if (at == 0 || at > text.size() || !IsWordByte(text[at - 1])) return true;
  constexpr size_t kEscapeReach = 6;  // \u0020 before the label
  std::string_view before =
      text.substr(at - std::min(at, kEscapeReach), std::min(at, kEscapeReach));
  return before.find_first_of("\\%") != std::string_view::npos;
}

bool NameFollows(std::string_view text, size_t at, const std::vector<std::string>& names) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c | 0x20) : c; };
  for (const std::string& name : names)
    for (std::string_view dot : kDotSpellings) {
      size_t k = at;
      bool same = k <= text.size();
      for (size_t i = 0; same && i < name.size(); ++i) {
        if (name[i] == '.') {
          same = text.substr(k, dot.size()) == dot;
          k += dot.size();
        } else {
          same = k < text.size() && lower(text[k]) == name[i];
          ++k;
        }
      }
      if (same) return true;
    }
  return false;
}

bool EmbeddedNamesTarget(std::string_view text, size_t at, const TargetSet& ipv4_targets) {
  size_t run_end = 0;
  return at < text.size() && JudgeEmbedded(text, at, ipv4_targets, &run_end);
}

bool QuadNamesTarget(std::string_view text, size_t at, const ResolverPartValues& values) {
  size_t run_end = 0;
  return at < text.size() && JudgeQuads(text, at, values, &run_end);
}

bool SpellsTargetAround(std::string_view text, size_t at, const ResolverPartValues& values) {
  size_t run_end = 0;
  return at < text.size() && JudgeRun(text, at, values, &run_end);
}

namespace {

struct ShapeFindings {
  bool shape = false, part = false, quad = false;
};

#if defined(__SSE2__)
// The lanes of `c` that hold a byte of `byte_class` (kDigitByte or kHexByte).
template <uint8_t kClass>
__m128i ClassLanes(__m128i c) {
  // x - (lo + 128) as a signed byte is below -128 + count exactly for lo .. lo + count - 1.
  auto range = [](__m128i v, char lo, int count) {
    return _mm_cmplt_epi8(_mm_sub_epi8(v, _mm_set1_epi8(static_cast<char>(lo + 128))),
                          _mm_set1_epi8(static_cast<char>(-128 + count)));
  };
  __m128i lanes = range(c, '0', 10);
  if constexpr (kClass == kHexByte)
    lanes = _mm_or_si128(lanes, range(_mm_or_si128(c, _mm_set1_epi8(0x20)), 'a', 6));
  return lanes;
}
#endif

// The end of the run of `kClass` bytes that starts at data[k], sixteen bytes at a time (the
// numbers of a Unicode table run to six hex digits).
template <uint8_t kClass>
size_t RunEnd(const char* data, size_t k, size_t n) {
#if defined(__SSE2__)
  for (; k + 16 <= n; k += 16) {
    __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + k));
    unsigned out = ~static_cast<unsigned>(_mm_movemask_epi8(ClassLanes<kClass>(c))) & 0xffffu;
    if (out) return k + static_cast<size_t>(std::countr_zero(out));
  }
#endif
  while (k < n && Is(data[k], kClass)) ++k;
  return k;
}

// HasResolverShape (with `want_shape`), HasResolverPart (with `values`) and HasZeroLedQuad (with
// `addresses`) at the zeros ForEachNumberLead finds, in order, until every one asked for is true:
// three passes of their own read most of a root file system's text three times. Each check goes
// on past what it has read (the rest of a number, a run), as it would alone.
class ShapeSearch {
 public:
  ShapeSearch(std::string_view text, bool want_shape, const ResolverPartValues* values,
              const std::vector<uint32_t>* addresses, const FirstOctets* first_octets)
      : text_(text),
        data_(text.data()),
        n_(text.size()),
        values_(values),
        addresses_(addresses),
        first_octets_(first_octets),
        shape_open_(want_shape),
        part_open_(values != nullptr),
        quad_open_(addresses != nullptr),
        least_whole_(values && !values->whole.empty() ? values->whole.front()
                                                      : std::numeric_limits<uint64_t>::max()) {}

  bool Done() const { return !shape_open_ && !part_open_ && !quad_open_; }
  const ShapeFindings& found() const { return found_; }

  // Judges the leads `at[0..count)` in order; true once every check asked for is done. One loop
  // over a batch: a call per lead with the checks' state behind a closure was a fifth of their
  // cost.
  bool Leads(const size_t* at, size_t count) {
    for (size_t j = 0; j < count; ++j)
      if (Lead(at[j])) return true;
    return false;
  }

 private:
  bool Lead(size_t i) {
    if ((data_[i + 1] | 0x20) == 'x') {
      // 0x[0-9a-f], the only shape and part led by 0x; no quad (its numbers are digits).
      if (i + 2 >= n_ || !Is(data_[i + 2], kHexByte)) return false;
      if (shape_open_) found_.shape = true, shape_open_ = false;
      if (part_open_ && i >= part_from_) {
        part_from_ = RunEnd<kHexByte>(data_, i + 2, n_);
        if (HexPart(i, part_from_)) found_.part = true, part_open_ = false;
      }
      return Done();
    }
    // A zero before a digit, no digit before it.
    const char previous = i > 0 ? data_[i - 1] : '\n';
    const bool after_word = Is(previous, kWordByte);
    size_t digits_end = 0;  // past the number's digits, once read
    if (shape_open_) {
      // [.\]]0[0-9]+ (the digits end somewhere), or (?:^|[^0-9a-z_.])0[0-9]+[.\\[].
      bool shape = previous == '.' || previous == ']';
      if (!shape && !after_word) {
        digits_end = RunEnd<kDigitByte>(data_, i + 1, n_);
        char after = digits_end < n_ ? data_[digits_end] : '\0';
        shape = after == '.' || after == '\\' || after == '[';
      }
      if (shape) found_.shape = true, shape_open_ = false;
    }
    // A zero-led part is not after a word byte.
    if (part_open_ && i >= part_from_ && !after_word) {
      if (!digits_end) digits_end = RunEnd<kDigitByte>(data_, i + 1, n_);
      part_from_ = digits_end;
      if (OctalPart(i, digits_end)) found_.part = true, part_open_ = false;
    }
    if (quad_open_ && i >= quad_from_ && QuadAround(i, digits_end))
      found_.quad = true, quad_open_ = false;
    return Done();
  }

  static uint64_t HexValue(const char* from, const char* to) {
    static constexpr std::array<uint8_t, 256> kDigitValue = [] {
      std::array<uint8_t, 256> t{};
      for (int c = 0; c < 256; ++c)
        t[c] = static_cast<uint8_t>(c >= '0' && c <= '9'                     ? c - '0'
                                    : (c | 0x20) >= 'a' && (c | 0x20) <= 'f' ? (c | 0x20) - 'a' + 10
                                                                             : 0);
      return t;
    }();
    uint64_t v = 0;
    for (; from < to; ++from) v = v * 16 + kDigitValue[static_cast<unsigned char>(*from)];
    return v;
  }
  static uint64_t OctalValue(const char* from, const char* to) {
    uint64_t v = 0;
    for (; from < to; ++from) v = v * 8 + static_cast<uint64_t>(*from - '0');
    return v;
  }

  // The hex part 0x<data[i + 2, end)>: of 32 bits at most, its value a target part's. MayHave
  // reads ten bits, which its last three digits hold (leading zeros or not): most parts of a hex
  // table are turned away by them alone.
  bool HexPart(size_t i, size_t end) {
    if (BelowEveryWhole(i, end, end - (i + 2), 4)) return false;
    if (!values_->MayHave(
            HexValue(data_ + std::max(i + 2, end - std::min<size_t>(end, 3)), data_ + end)))
      return false;
    size_t first = i + 2;  // its first significant digit
    while (first < end && data_[first] == '0') ++first;
    if (end - first > 8) return false;
    return Judge(i, end, HexValue(data_ + first, data_ + end));
  }

  // The zero-led part data[i, end): octal digits, of 32 bits at most, its value a target part's
  // (whose ten bits MayHave reads are in its last four digits).
  bool OctalPart(size_t i, size_t end) {
    if (BelowEveryWhole(i, end, end - (i + 1), 3)) return false;
    if (!values_->MayHave(
            OctalValue(data_ + std::max(i + 1, end - std::min<size_t>(end, 4)), data_ + end)))
      return false;
    size_t first = i + 1;
    while (first < end && data_[first] == '0') ++first;
    const size_t digits = end - first;
    if (digits > 11 || (digits == 11 && data_[first] > '3')) return false;  // past 0xffffffff
    for (size_t k = first; k < end; ++k)
      if (data_[k] >= '8') return false;
    return Judge(i, end, OctalValue(data_ + first, data_ + end));
  }

  // Whether the part data[begin, end) stands beside a dot, as every part of a dotted spelling.
  bool Dotted(size_t begin, size_t end) const {
    return (begin > 0 && data_[begin - 1] == '.') ||
           (end < n_ && (data_[end] == '.' || data_[end] == '\\'));
  }

  // Whether the part data[begin, end), of `digits` digits of `bits` bits each, can be no target
  // part: not beside a dot it must be a whole address, and its digits hold less than the least
  // (a table's 0x1f, 0x100 and 0041 are turned away before their value is read).
  bool BelowEveryWhole(size_t begin, size_t end, size_t digits, unsigned bits) const {
    return digits * bits < 32 && (uint64_t{1} << (digits * bits)) <= least_whole_ &&
           !Dotted(begin, end);
  }

  // A part of a dotted spelling is followed by its dot (written "\." in a regex) or preceded by
  // one; then the whole dotted run around it must spell a target's address (1.05 beside a
  // thousand targets' part values is no address), each run judged once (JudgeRun reads the
  // whole run whatever part).
  bool Judge(size_t begin, size_t end, uint64_t v) {
    auto has = [v](const std::vector<uint32_t>& list) {
      return std::binary_search(list.begin(), list.end(), v);
    };
    return (has(values_->whole) || (Dotted(begin, end) && has(values_->dotted))) &&
           begin >= judged_until_ &&
           JudgeRun(text_, begin, *values_, &judged_until_, first_octets_);
  }

  // Whether data[begin, end) holds three dots or more; sixteen bytes at a time, as most runs this
  // long are numbers of many digits.
  bool HasThreeDots(size_t begin, size_t end) const {
    int dots = 0;
#if defined(__SSE2__)
    for (; begin + 16 <= n_ && begin < end; begin += 16) {
      __m128i c = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data_ + begin));
      auto dot = static_cast<unsigned>(_mm_movemask_epi8(_mm_cmpeq_epi8(c, _mm_set1_epi8('.'))));
      if (end - begin < 16) dot &= (1u << (end - begin)) - 1;
      for (; dot; dot &= dot - 1)
        if (++dots == 3) return true;
    }
#endif
    for (; begin < end; ++begin)
      if (data_[begin] == '.' && ++dots == 3) return true;
    return false;
  }

  // The run of digits and separators around the zero-led number at data[i] (its digits end at
  // `digits_end` where known, else 0), judged once:
  // numbers joined by a separator that holds one dot (., \., \\., [.]) form a chain, any other
  // separator starts a new one; four in a row that are octets of a target's address name it.
  // Free text reads such a quad as decimal (010.20.30.40).
  bool QuadAround(size_t i, size_t digits_end) {
    size_t begin = i, end = digits_end ? digits_end : RunEnd<kDigitByte>(data_, i + 1, n_);
    while (begin > 0 && Is(data_[begin - 1], kQuadRunByte)) --begin;
    while (end < n_ && Is(data_[end], kQuadRunByte)) ++end;
    quad_from_ = end;
    // Four numbers joined by a dot each (1.2.3.4 at least): most runs are one number.
    if (end - begin < 7 || !HasThreeDots(begin, end)) return false;
    constexpr uint32_t kNoOctet = 0xffffffffu;
    std::array<uint32_t, 4> last{};  // the chain's last four numbers, the newest last
    size_t chained = 0;
    for (size_t k = begin; k < end;) {
      size_t separator = k;
      while (k < end && !Is(data_[k], kDigitByte)) ++k;
      if (k == end) break;
      if (chained && std::count(data_ + separator, data_ + k, '.') != 1) chained = 0;
      uint32_t value = 0;
      size_t digits = 0;
      for (; k < end && Is(data_[k], kDigitByte); ++k, ++digits)
        value = digits < 3 ? value * 10 + static_cast<uint32_t>(data_[k] - '0') : kNoOctet;
      last = {last[1], last[2], last[3], value <= 255 ? value : kNoOctet};
      if (++chained >= 4 && std::find(last.begin(), last.end(), kNoOctet) == last.end() &&
          std::binary_search(addresses_->begin(), addresses_->end(),
                             last[0] << 24 | last[1] << 16 | last[2] << 8 | last[3]))
        return true;
    }
    return false;
  }

  std::string_view text_;
  const char* data_;
  size_t n_;
  const ResolverPartValues* values_;
  const std::vector<uint32_t>* addresses_;
  const FirstOctets* first_octets_;  // FirstOctetsOf(*values_), or null
  bool shape_open_, part_open_, quad_open_;
  ShapeFindings found_;
  uint64_t least_whole_;  // the least of values_->whole, or past every value without one
  size_t part_from_ = 0, quad_from_ = 0, judged_until_ = 0;
};

ShapeFindings FindShapes(std::string_view text, bool want_shape, const ResolverPartValues* values,
                         const std::vector<uint32_t>* addresses,
                         const FirstOctets* first_octets = nullptr) {
  ShapeSearch search(text, want_shape, values, addresses, first_octets);
  if (search.Done()) return search.found();
  std::array<size_t, 64> batch;
  size_t count = 0;
  bool done = false;
  ForEachNumberLead(
      text, [&](size_t i) __attribute__((always_inline)) {
        batch[count++] = i;
        if (count < batch.size()) return false;
        count = 0;
        return done = search.Leads(batch.data(), batch.size());
      });
  if (!done) search.Leads(batch.data(), count);
  return search.found();
}

}  // namespace

bool HasResolverPart(std::string_view text, const ResolverPartValues& values) {
  return FindShapes(text, false, &values, nullptr).part;
}

bool HasResolverShape(std::string_view text) {
  return FindShapes(text, true, nullptr, nullptr).shape;
}

bool HasZeroLedQuad(std::string_view text, const std::vector<uint32_t>& addresses) {
  return FindShapes(text, false, nullptr, &addresses).quad;
}

std::vector<size_t> NumberLeads(std::string_view text, bool avx2) {
  std::vector<size_t> leads;
  ForEachNumberLead(
      text,
      [&](size_t i) {
        leads.push_back(i);
        return false;
      },
      avx2);
  return leads;
}

bool HasAvx2Leads() {
  return CpuHasAvx2();
}

namespace {

// Compiling the gate took most of a small scan's start-up (0.15 s for the built-in pack and one
// host, 0.6 s for a thousand hosts), and it is the same for the same patterns: the compiled
// database is kept in a per-user cache directory, under a name hashed from the patterns, and
// used only when the patterns stored beside it are byte for byte the same.
// NTPSWEEP_CACHE_DIR names the directory; unset or empty, there is no cache.
std::string CacheDir() {
  // Opt-in: a scan writes nothing outside its reports unless asked (the hostile suite checks).
  const char* dir = std::getenv("NTPSWEEP_CACHE_DIR");
  return dir ? dir : "";
}

// Only what this user alone can write is loaded: a database is trusted like code.
bool OwnedPrivately(const struct stat& st) {
  return st.st_uid == geteuid() && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

constexpr std::string_view kCacheMagic = "ntpsweep-gate-1\n";
constexpr size_t kMaxCachedFiles = 32;
constexpr off_t kMaxCacheFile = 256 << 20;

std::string CacheKey(const std::vector<const char*>& expressions,
                     const std::vector<unsigned>& flags, unsigned mode) {
  std::string key = hs_version();
  key += '\0';
  key += std::to_string(mode);
  key += '\0';
  for (size_t i = 0; i < expressions.size(); ++i) {
    key += expressions[i];
    key += '\0';
    key += std::to_string(flags[i]);
    key += '\0';
  }
  return key;
}

std::string CachePath(const std::string& dir, std::string_view key) {
  uint64_t hash = 0xcbf29ce484222325ull;  // FNV-1a
  for (char c : key) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  char name[40];
  std::snprintf(name, sizeof name, "/gate-%016llx.hsdb", static_cast<unsigned long long>(hash));
  return dir + name;
}

hs_database_t* LoadCached(const std::string& path, std::string_view key) {
  Fd fd(open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK));
  struct stat st {};
  if (fd.get() < 0 || fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) || !OwnedPrivately(st) ||
      st.st_size > kMaxCacheFile)
    return nullptr;
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  size_t got = 0;
  while (got < bytes.size()) {
    ssize_t n = read(fd.get(), bytes.data() + got, bytes.size() - got);
    if (n <= 0) return nullptr;
    got += static_cast<size_t>(n);
  }
  std::string_view view = bytes;
  if (!view.starts_with(kCacheMagic)) return nullptr;
  view.remove_prefix(kCacheMagic.size());
  if (view.size() < 8) return nullptr;
  uint64_t key_size = 0;
  std::memcpy(&key_size, view.data(), 8);
  view.remove_prefix(8);
  if (key_size > view.size() || view.substr(0, key_size) != key) return nullptr;
  view.remove_prefix(key_size);
  hs_database_t* db = nullptr;
  if (hs_deserialize_database(view.data(), view.size(), &db) != HS_SUCCESS) return nullptr;
  return db;
}

// Best effort: a cache that cannot be written costs the next run a compilation, nothing more.
void StoreCached(const std::string& dir, const std::string& path, std::string_view key,
                 const hs_database_t* db) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  struct stat st {};
  if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || !OwnedPrivately(st)) return;
  char* bytes = nullptr;
  size_t size = 0;
  if (hs_serialize_database(db, &bytes, &size) != HS_SUCCESS) return;
  std::unique_ptr<char, void (*)(void*)> owned(bytes, std::free);
  std::string temp = path + "." + std::to_string(getpid()) + ".tmp";
  {
    Fd fd(open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (fd.get() < 0) return;
    uint64_t key_size = key.size();
    std::string head(kCacheMagic);
    head.append(reinterpret_cast<const char*>(&key_size), 8);
    head.append(key);
    bool ok = true;
    for (std::string_view part : {std::string_view(head), std::string_view(bytes, size)}) {
      while (ok && !part.empty()) {
        ssize_t n = write(fd.get(), part.data(), part.size());
        ok = n > 0;
        if (ok) part.remove_prefix(static_cast<size_t>(n));
      }
    }
    if (!ok) {
      unlink(temp.c_str());
      return;
    }
  }
  if (rename(temp.c_str(), path.c_str()) != 0) {
    unlink(temp.c_str());
    return;
  }
  // Each target list has its own database: keep the newest few.
  std::vector<std::pair<std::filesystem::file_time_type, std::filesystem::path>> cached;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec))
    if (entry.path().extension() == ".hsdb" &&
        entry.path().filename().string().starts_with("gate-"))
      cached.emplace_back(entry.last_write_time(ec), entry.path());
  if (cached.size() <= kMaxCachedFiles) return;
  std::sort(cached.begin(), cached.end());
  for (size_t i = 0; i + kMaxCachedFiles < cached.size(); ++i)
    std::filesystem::remove(cached[i].second, ec);
}

}  // namespace

// Pattern -> (group bits, tracked literal or -1), as one Hyperscan database is built from.
using PatternTable = std::map<std::string, std::pair<uint32_t, int>>;

namespace {

// A pattern compiled as its literal alone, each hit kept only where the text around it passes
// the pattern's check:
// - `\b<literal>\b`, as Hyperscan reads \b ([0-9A-Za-z_] without HS_FLAG_UCP): two hundred rule
//   words as \b patterns took 16 ms to compile at every start, as literals 1 ms;
// - `^[ \t]*<literal>[ \t]`, a directive that starts its line: as a regular expression its only
//   anchor was a line start, which made the gate's pass a third slower.
struct LiteralCheck {
  size_t length = 0;        // 0: a pattern compiled as written
  bool line_start = false;  // the second form, else the first
  bool word_first = false, word_last = false;
};

// The bytes `quoted` stands for when it is QuoteLiteral(bytes).
std::optional<std::string> UnquoteLiteral(std::string_view quoted) {
  std::string bytes;
  for (size_t i = 0; i < quoted.size();) {
    char c = quoted[i];
    if (IsWordByte(c) && c != '_') {
      bytes += c;
      ++i;
    } else if (c == '\\' && i + 3 < quoted.size() && quoted[i + 1] == 'x' &&
               IsHexChar(quoted[i + 2]) && IsHexChar(quoted[i + 3])) {
      bytes += static_cast<char>(std::stoi(std::string(quoted.substr(i + 2, 2)), nullptr, 16));
      i += 4;
    } else {
      return std::nullopt;
    }
  }
  if (bytes.empty() || QuoteLiteral(bytes) != quoted) return std::nullopt;
  return bytes;
}

// The literal and check of `pattern` when it has one of LiteralCheck's forms.
std::optional<std::pair<std::string, LiteralCheck>> CheckedLiteral(std::string_view pattern) {
  const bool line_start = pattern.starts_with(kLineStart) && pattern.ends_with(kBlank);
  if (line_start)
    pattern = pattern.substr(kLineStart.size(), pattern.size() - kLineStart.size() - kBlank.size());
  else if (pattern.size() > 2 * kWordBound.size() && pattern.starts_with(kWordBound) &&
           pattern.ends_with(kWordBound))
    pattern = pattern.substr(kWordBound.size(), pattern.size() - 2 * kWordBound.size());
  else
    return std::nullopt;
  std::optional<std::string> bytes = UnquoteLiteral(pattern);
  if (!bytes) return std::nullopt;
  LiteralCheck check{bytes->size(), line_start, IsWordByte(bytes->front()),
                     IsWordByte(bytes->back())};
  return std::pair{std::move(*bytes), check};
}

// Whether a hit ending at `to` in `text` passes the check `w` (if it has one).
bool PassesCheck(const LiteralCheck& w, std::string_view text, unsigned long long to) {
  if (w.length == 0) return true;
  size_t end = static_cast<size_t>(to);
  if (end < w.length || end > text.size()) return false;
  size_t begin = end - w.length;
  if (w.line_start) {
    auto blank = [](char c) { return c == ' ' || c == '\t'; };
    if (end == text.size() || !blank(text[end])) return false;
    while (begin > 0 && blank(text[begin - 1])) --begin;
    return begin == 0 || text[begin - 1] == '\n';
  }
  bool before = begin > 0 && IsWordByte(text[begin - 1]);
  bool after = end < text.size() && IsWordByte(text[end]);
  return before != w.word_first && after != w.word_last;
}

// One compiled database and what its pattern ids stand for.
struct Block;
Block CompileBlock(const PatternTable& patterns, uint32_t every_hit);

struct Block {
  DatabasePtr db;                                   // null: no patterns
  std::vector<uint32_t> bit_of;                     // pattern id -> group bits
  std::vector<int> tracked_of;                      // pattern id -> tracked literal, or -1
  std::vector<LiteralCheck> check_of;               // pattern id -> its literal's check, if any
  uint32_t all_bits = 0;
};

}  // namespace

struct Prefilter::Database {
  // A database compiled where it is first needed, not at start-up, with scratches of its own (a
  // scratch fits only the databases it was allocated for): `compiled`, whose `gate` it is.
  // Thread-safe: the first caller compiles it under `once`, the others wait for it or (Get's
  // `wait` false) do without it meanwhile.
  struct Lazy {
    PatternTable patterns;
    uint32_t every_hit = 0;
    std::once_flag once;
    std::atomic<bool> started{false}, ready{false};
    std::unique_ptr<Database> compiled;  // null where it could not be compiled
  };
  // The gate's own patterns are scanned for every entry; the tracked ones only where a caller
  // asks for their hits: a few hundred rule words in the same database made every pass slower.
  // Most entries never ask: compiled on the first that does (3 ms of each start).
  Block gate;
  Lazy tracked;
  // The groups scanned apart (Prefilter's `apart`), each pass ending once all their bits are seen.
  Block apart;
  // The gate's and the apart groups' patterns in one database, for small texts: there a second
  // Hyperscan call cost more than the apart patterns slow the one pass (kOnePassBytes). Compiled
  // on the first small text; until then small texts take the two passes, which find the same.
  Lazy both;
  ResolverPartValues part_values;  // what a shape hit must show (HasResolverPart)
  FirstOctets first_octets;        // FirstOctetsOf(part_values)
  TargetSet ipv4_targets;          // what a shared IPv4-in-IPv6 hit must name
  // Gate pattern id -> the names a shared first-label hit must begin (NameFollows); the same for
  // the ids of `both`.
  std::vector<std::vector<std::string>> names_of, both_names_of;
  // Gate pattern id -> the length of the short name it spells (0: none); the same for `both`.
  std::vector<size_t> short_length_of, both_short_length_of;
  size_t tracked_count = 0;
  ScratchPool scratches;  // fit for every database of this one (its gate and apart blocks)

  // `lazy` compiled, by this caller if it is the first. With `wait` false, null while another
  // thread compiles it. Null where it has no patterns or cannot be compiled (a bug, not an input
  // problem: the same patterns compiled at start-up in other databases).
  static Database* Get(Lazy& lazy, bool wait) {
    if (lazy.ready.load(std::memory_order_acquire)) return lazy.compiled.get();
    if (!wait && lazy.started.exchange(true)) return nullptr;
    std::call_once(lazy.once, [&lazy] {
      lazy.started = true;
      auto db = std::make_unique<Database>();
      try {
        db->gate = CompileBlock(lazy.patterns, lazy.every_hit);
        if (!db->gate.db || !db->scratches.Prepare({db->gate.db.get()})) db.reset();
      } catch (const std::exception&) {
        db.reset();
      }
      lazy.compiled = std::move(db);
      lazy.ready.store(true, std::memory_order_release);
    });
    return lazy.compiled.get();
  }
  // One vectored scan of `text` (one buffer) with `block`, on a scratch of the pool; true unless
  // Hyperscan failed (a callback that stops the scan is no failure).
  bool ScanBlock(const Block& block, std::string_view text, match_event_handler on_match,
                 void* context) {
    ScratchPtr scratch = scratches.Acquire();
    if (!scratch) throw std::bad_alloc();
    const char* data[] = {text.data()};
    const unsigned length[] = {static_cast<unsigned>(text.size())};
    hs_error_t rc =
        hs_scan_vector(block.db.get(), data, length, 1, 0, scratch.get(), on_match, context);
    scratches.Release(std::move(scratch));
    return rc == HS_SUCCESS || rc == HS_SCAN_TERMINATED;
  }
};

namespace {

// Compiles `patterns` (or loads them from the cache) into one database; ids are their order in
// the table. Patterns with a bit of `every_hit` report every match, the others their first.
// Vectored mode, scanned with one buffer: block mode also builds a small-input engine, which made
// the gate's compilation three times as slow (17 ms more at every start) and no scan faster.
Block CompileBlock(const PatternTable& patterns, uint32_t every_hit) {
  constexpr unsigned mode = HS_MODE_VECTORED;
  Block block;
  if (patterns.empty()) return block;
  std::vector<const char*> expressions;
  std::vector<unsigned> flags, ids;
  std::vector<std::string> literals;  // checked literals' expressions
  literals.reserve(patterns.size());
  for (const auto& [pattern, what] : patterns) {
    ids.push_back(static_cast<unsigned>(expressions.size()));
    LiteralCheck check;
    const std::string* expression = &pattern;
    if (auto literal = CheckedLiteral(pattern)) {
      check = literal->second;
      expression = &literals.emplace_back(QuoteLiteral(literal->first));
    }
    expressions.push_back(expression->c_str());
    // A checked literal's hit may fail its check: every hit is reported.
    flags.push_back(
        HS_FLAG_CASELESS | HS_FLAG_MULTILINE |
        ((what.first & every_hit) || check.length ? 0u : unsigned{HS_FLAG_SINGLEMATCH}));
    block.check_of.push_back(check);
    block.bit_of.push_back(what.first);
    block.tracked_of.push_back(what.second);
    block.all_bits |= what.first;
  }
  std::string cache_dir = CacheDir(), key, cache_path;
  hs_database_t* db = nullptr;
  if (!cache_dir.empty()) {
    key = CacheKey(expressions, flags, mode);  // ids are 0..n-1 in this order
    cache_path = CachePath(cache_dir, key);
    db = LoadCached(cache_path, key);
  }
  if (!db) {
    hs_compile_error_t* error = nullptr;
    if (hs_compile_multi(expressions.data(), flags.data(), ids.data(),
                         static_cast<unsigned>(expressions.size()), mode, nullptr, &db,
                         &error) != HS_SUCCESS) {
      std::string message = error && error->message ? error->message : "unknown error";
      int which = error ? error->expression : -1;
      hs_free_compile_error(error);
      throw std::runtime_error("prefilter: cannot compile pattern " +
                               (which >= 0 ? std::string(expressions[which]) : "") + ": " +
                               message);
    }
    if (!cache_dir.empty()) StoreCached(cache_dir, cache_path, key, db);
  }
  block.db.reset(db);
  return block;
}

}  // namespace

Prefilter::Prefilter(const TargetSet& targets, const std::vector<std::vector<std::string>>& groups,
                     const std::vector<std::string>& tracked, uint32_t apart)
    : db_(std::make_unique<Database>()) {
  // Many targets share anchors.
  PatternTable gate_patterns, tracked_patterns, apart_patterns;
  auto add = [](PatternTable* table, std::string pattern, uint32_t bit, int tracked_index) {
    auto& slot = table->try_emplace(std::move(pattern), 0u, -1).first->second;
    slot.first |= bit;
    if (tracked_index >= 0) slot.second = tracked_index;
  };
  // A literal per dotted quad is the fastest gate for a few targets, but a thousand of them took
  // most of a scan's start-up to compile: past a few, one shared pattern judges quads by value.
  std::vector<std::vector<GatePattern>> patterns_of;  // each target's, in order
  size_t quad_targets = 0;
  for (const Target& t : targets.targets()) {
    const std::vector<GatePattern>& own = patterns_of.emplace_back(GatePatterns(t));
    quad_targets += std::any_of(own.begin(), own.end(), [](const auto& p) { return p.dotted; });
  }
  const bool shared_quads = quad_targets >= kManyQuadTargets;
  if (shared_quads) {
    // A few first parts of two or three digits: a literal each with the dot after it, in its four
    // spellings, finds every quad for less work than one pattern for any quad.
    std::set<uint32_t> first_parts;
    bool few_first_parts = true;
    for (const Target& t : targets.targets())
      if (t.kind == Target::Kind::kIpv4 || t.kind == Target::Kind::kIpv4Cidr) {
        first_parts.insert(t.ipv4 >> 24);
        few_first_parts = few_first_parts && (t.ipv4 >> 24) >= 10 &&
                          (t.kind == Target::Kind::kIpv4 || t.prefix_len >= 8);
      }
    if (few_first_parts && first_parts.size() <= kFewFirstParts) {
      for (uint32_t first : first_parts)
        for (std::string_view dot : kDotSpellings)
          add(&gate_patterns, QuoteLiteral(Format("%llu", first) + std::string(dot)),
              kVerifyQuadBit, -1);
    } else {
      add(&gate_patterns, SharedQuad(), kVerifyQuadBit, -1);
    }
    // Every spelling that carries an IPv4 address names the mapped or NAT64 prefix.
    add(&gate_patterns, "ff(?:ff|9b)\\\\{0,2}:", kVerifyEmbeddedBit, -1);
    for (const Target& t : targets.targets())
      if (t.kind == Target::Kind::kIpv4 || t.kind == Target::Kind::kIpv4Cidr)
        db_->ipv4_targets.Add(t.spelling, nullptr);
  }
  // Likewise a thousand names' four spellings each: past a few, each name's first label (its
  // short-name literal anyway) is judged by what follows it.
  size_t dotted_names = 0;
  for (const Target& t : targets.targets())
    dotted_names += t.kind == Target::Kind::kHostName && !t.first_label.empty();
  const bool shared_names = dotted_names >= kManyNames;
  std::map<std::string, std::vector<std::string>> names_after;  // label pattern -> its names
  for (size_t i = 0; i < targets.targets().size(); ++i) {
    const Target& t = targets.targets()[i];
    if (shared_names && t.kind == Target::Kind::kHostName && !t.first_label.empty()) {
      std::string label = QuoteLiteral(t.first_label);
      names_after[label].push_back(t.name);
      add(&gate_patterns, std::move(label), kVerifyNameBit, -1);
    }
    // An IPv4 target's decimal resolver forms of two and three parts begin with its first part
    // and a dot (not 0, which begins too much), its one-part forms are numbers of its first
    // part's range: judged by value.
    const bool shared_inet_aton =
        shared_quads && t.kind == Target::Kind::kIpv4 && (t.ipv4 >> 24) != 0;
    if (shared_inet_aton) {
      const uint64_t first = t.ipv4 >> 24;
      add(&gate_patterns, QuoteLiteral(Format("%llu.", first)), kVerifyBit, -1);
      // The one-part forms: a shape per first part, as a thousand literals took 60% of the gate's
      // compilation at every start.
      for (uint64_t base : {10, 8})
        for (std::string& shape :
             NumberShapes(first << 24, (first << 24) | 0xffffff, base, base == 8 ? "0" : ""))
          add(&gate_patterns, std::move(shape), kVerifyBit, -1);
    }
    for (GatePattern& p : patterns_of[i])
      if (p.shape)
        all_bits_ |= kShapeBit;  // HasResolverShape stands for them, after the pass
      else if (!((p.dotted || p.embedded) && shared_quads) && !(p.spelled && shared_names) &&
               !(p.inet_aton && shared_inet_aton))
        add(&gate_patterns, std::move(p.pattern),
            p.short_name      ? kVerifyShortBit
            : p.mixed         ? kVerifyMixedBit
            : p.verified      ? kVerifyBit
            : p.resolver_only ? kResolverForms
                              : kTargets,
            -1);
  }
  db_->part_values = PartValuesOf(targets.targets());
  db_->first_octets = FirstOctetsOf(db_->part_values);
  for (size_t g = 0; g < groups.size(); ++g) {
    if (g + 1 >= 24) throw std::runtime_error("prefilter: too many pattern groups");
    const uint32_t bit = 1u << (g + 1);
    for (const std::string& p : groups[g])
      if (!p.empty()) add((apart & bit) ? &apart_patterns : &gate_patterns, p, bit, -1);
  }
  // Small texts get one pass over the gate's and the apart groups' patterns together
  // (kOnePassBytes); not for many targets, whose gate took 0.4 s to compile (a thousand hosts).
  PatternTable both_patterns;
  if (!gate_patterns.empty() && !apart_patterns.empty() &&
      targets.targets().size() < kManyQuadTargets) {
    both_patterns = gate_patterns;
    for (const auto& [pattern, what] : apart_patterns) add(&both_patterns, pattern, what.first, -1);
  }
  // Pattern ids are their order in the table (CompileBlock).
  auto names_by_id = [&](const PatternTable& table) {
    std::vector<std::vector<std::string>> out(table.size());
    size_t id = 0;
    for (const auto& entry : table) {
      if (auto it = names_after.find(entry.first); it != names_after.end()) out[id] = it->second;
      ++id;
    }
    return out;
  };
  db_->names_of = names_by_id(gate_patterns);
  db_->both_names_of = names_by_id(both_patterns);
  auto short_lengths_by_id = [](const PatternTable& table) {
    std::vector<size_t> out;
    out.reserve(table.size());
    for (const auto& [pattern, what] : table) {
      std::optional<std::string> label;
      if (what.first & kVerifyShortBit) label = UnquoteLiteral(pattern);
      out.push_back(label ? label->size() : 0);
    }
    return out;
  };
  db_->short_length_of = short_lengths_by_id(gate_patterns);
  db_->both_short_length_of = short_lengths_by_id(both_patterns);
  db_->tracked_count = tracked.size();
  for (size_t i = 0; i < tracked.size(); ++i)
    if (!tracked[i].empty()) add(&tracked_patterns, tracked[i], 0, static_cast<int>(i));
  constexpr uint32_t kEveryHit = kVerifyBit | kVerifyQuadBit | kVerifyEmbeddedBit |
                                 kVerifyMixedBit | kVerifyNameBit | kVerifyShortBit;
  // The apart groups compile on a second thread while this one compiles the gate; the rule
  // words and the one-pass database where they are first needed (Database::Get).
  std::future<Block> apart_block =
      std::async(std::launch::async, CompileBlock, std::cref(apart_patterns), 0u);
  db_->gate = CompileBlock(gate_patterns, kEveryHit);
  db_->apart = apart_block.get();
  db_->tracked.patterns = std::move(tracked_patterns);
  db_->both.patterns = std::move(both_patterns);
  db_->both.every_hit = kEveryHit;
  all_bits_ |= db_->apart.all_bits;
  all_bits_ |= db_->gate.all_bits;
  if (!db_->scratches.Prepare({db_->gate.db.get(), db_->apart.db.get()})) throw std::bad_alloc();
}

Prefilter::~Prefilter() = default;

uint32_t Prefilter::Scan(std::string_view text, std::vector<char>* tracked_hits) const {
  if (tracked_hits) ScanTracked(text, tracked_hits);
  if (text.size() > std::numeric_limits<unsigned>::max()) return Public(all_bits_);
  Database* both = text.size() <= kOnePassBytes && !db_->both.patterns.empty()
                       ? Database::Get(db_->both, false)
                       : nullptr;
  const bool one_pass = both != nullptr;
  Database& pool = one_pass ? *both : *db_;
  const Block& gate = one_pass ? both->gate : db_->gate;
  uint32_t apart = one_pass ? 0 : ScanApart(text);
  if (!gate.db) return apart;
  struct State {
    const Block* block;
    uint32_t bits, all;
    std::string_view text;
    const ResolverPartValues* values;
    const TargetSet* ipv4_targets;
    size_t judged_until;  // verified hits before this offset lie in a run already judged
    size_t quads_judged_until = 0;
    size_t embedded_judged_until = 0;
    size_t mixed_judged_until = 0;  // each hit is judged alone
    size_t names_judged_until = 0;  // stays 0: a name hit is judged where it starts
    size_t short_judged_until = 0;  // stays 0: likewise a short name's
    const std::vector<std::vector<std::string>>* names_of;
    const std::vector<size_t>* short_length_of;
    const FirstOctets* first_octets;
  } state{&gate,
          0,
          Public(gate.all_bits),
          text,
          &db_->part_values,
          &db_->ipv4_targets,
          0,
          0,
          0,
          0,
          0,
          0,
          one_pass ? &db_->both_names_of : &db_->names_of,
          one_pass ? &db_->both_short_length_of : &db_->short_length_of,
          &db_->first_octets};
  auto on_match = [](unsigned id, unsigned long long, unsigned long long to, unsigned,
                     void* ctx) -> int {
    auto* s = static_cast<State*>(ctx);
    if (!PassesCheck(s->block->check_of[id], s->text, to)) return 0;
    uint32_t bits = s->block->bit_of[id];
    size_t at = to > 0 ? static_cast<size_t>(to - 1) : 0;
    // A hit of a `flag` pattern counts as `result` only where its run names a target: each run
    // is judged once (`until` is past the last one), and only while `result` is unknown.
    auto verify = [&](uint32_t flag, uint32_t result, size_t* until, auto judge) {
      if (!(bits & flag)) return;
      bits &= ~flag;
      if (!(s->bits & result) && at >= *until && at < s->text.size() && judge(until))
        bits |= result;
    };
    verify(kVerifyBit, kResolverForms, &s->judged_until, [&](size_t* until) {
      return JudgeRun(s->text, at, *s->values, until, s->first_octets);
    });
    verify(kVerifyQuadBit, kTargets, &s->quads_judged_until,
           [&](size_t* until) { return JudgeQuads(s->text, at, *s->values, until); });
    verify(kVerifyMixedBit, kTargets, &s->mixed_judged_until,
           [&](size_t*) { return HasMixedSeparatorsAt(s->text, at); });
    verify(kVerifyEmbeddedBit, kTargets, &s->embedded_judged_until,
           [&](size_t* until) { return JudgeEmbedded(s->text, at, *s->ipv4_targets, until); });
    verify(kVerifyNameBit, kTargets, &s->names_judged_until, [&](size_t*) {
      const std::vector<std::string>& names = (*s->names_of)[id];
      size_t label = names.empty() ? 0 : names.front().find('.');
      return label != std::string::npos && label <= to && NameFollows(s->text, to - label, names);
    });
    verify(kVerifyShortBit, kResolverForms, &s->short_judged_until, [&](size_t*) {
      const size_t length = (*s->short_length_of)[id];
      return length <= to && ShortNameMayStart(s->text, to - length);
    });
    s->bits |= bits;
    return s->bits == s->all ? 1 : 0;  // nothing left to learn: stop
  };
  const bool scanned = pool.ScanBlock(gate, text, on_match, &state);
  if (!scanned) return Public(all_bits_);
  // A shape says only that some hex or zero-led number is here: it counts where one has the
  // value of a target's part (most code and tables are full of 0x1f and 1.05). It is looked for
  // only where it could add a bit.
  // A zero-led shape may also be an octet of a dotted quad free text reads as decimal.
  if ((all_bits_ & kShapeBit) &&
      (state.bits & (kResolverForms | kTargets)) != (kResolverForms | kTargets)) {
    ShapeFindings found =
        FindShapes(text, true, (state.bits & kResolverForms) ? nullptr : &db_->part_values,
                   (state.bits & kTargets) ? nullptr : &db_->part_values.whole, &db_->first_octets);
    if (found.shape && found.part) state.bits |= kResolverForms;
    if (found.shape && found.quad) state.bits |= kTargets;
  }
  return state.bits | apart;
}

uint32_t Prefilter::ScanApart(std::string_view text) const {
  const Block& apart = db_->apart;
  if (!apart.db) return 0;
  struct State {
    const Block* block;
    std::string_view text;
    uint32_t bits;
  } state{&apart, text, 0};
  auto on_match = [](unsigned id, unsigned long long, unsigned long long to, unsigned,
                     void* ctx) -> int {
    auto* s = static_cast<State*>(ctx);
    if (PassesCheck(s->block->check_of[id], s->text, to)) s->bits |= s->block->bit_of[id];
    return s->bits == s->block->all_bits ? 1 : 0;
  };
  const bool scanned = db_->ScanBlock(apart, text, on_match, &state);
  return scanned ? state.bits : apart.all_bits;
}

void Prefilter::PrepareTracked() const {
  if (!db_->tracked.patterns.empty()) Database::Get(db_->tracked, true);
}

void Prefilter::ScanTracked(std::string_view text, std::vector<char>* hits,
                            const std::function<bool(size_t)>& stop) const {
  hits->assign(db_->tracked_count, 0);
  // What the scan could not tell counts as a hit, as in Scan().
  auto all_hit = [&] {
    for (size_t i = 0; i < hits->size(); ++i) {
      if ((*hits)[i]) continue;
      (*hits)[i] = 1;
      if (stop && stop(i)) return;
    }
  };
  if (db_->tracked.patterns.empty()) return;
  if (text.size() > std::numeric_limits<unsigned>::max()) return all_hit();
  Database* words = Database::Get(db_->tracked, true);
  if (!words) return all_hit();
  const Block& tracked = words->gate;
  struct State {
    const Block* block;
    std::vector<char>* hits;
    const std::function<bool(size_t)>* stop;
    std::string_view text;
  } state{&tracked, hits, &stop, text};
  auto on_match = [](unsigned id, unsigned long long, unsigned long long to, unsigned,
                     void* ctx) -> int {
    auto* s = static_cast<State*>(ctx);
    auto i = static_cast<size_t>(s->block->tracked_of[id]);
    if ((*s->hits)[i] || !PassesCheck(s->block->check_of[id], s->text, to)) return 0;
    (*s->hits)[i] = 1;
    return *s->stop && (*s->stop)(i) ? 1 : 0;
  };
  const bool scanned = words->ScanBlock(tracked, text, on_match, &state);
  if (!scanned) all_hit();
}

}  // namespace ntpsweep::host
