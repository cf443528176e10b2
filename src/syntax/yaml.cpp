#include "syntax/yaml.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cctype>
#include <cstring>
#include <deque>
#include <functional>
#include <memory>

#include "core/line_index.h"
#include "core/offset_map.h"
#include "syntax/shell.h"
#include "syntax/text.h"

namespace ntpsweep::syntax {
namespace {

constexpr size_t npos = std::string_view::npos;
constexpr char kPlaceholder = '\x1a';  // a masked template expression (see template.cpp)

// A scalar's decoded value and where its pieces sit in the document.
struct Scalar {
  std::string value;
  OffsetMap map;  // breakpoints: value index -> document offset
  size_t begin = 0, end = 0;                   // document span, quotes/indicators included
  bool block = false;
  bool quoted = false;
  bool binary = false;  // tagged !!binary: base64 of the bytes it stands for
  // Document offset of value index i (by its last breakpoint).
  size_t OuterOf(size_t i) const { return OuterOffset(map, i, begin); }
  // True when value[a, b) is written verbatim in the document.
  bool Verbatim(size_t a, size_t b) const { return IsVerbatim(map, a, b, value.size()); }
};

struct Node {
  enum Kind { kNull, kScalar, kSeq, kMap } kind = kNull;
  Scalar scalar;
  std::vector<int> items;
  std::vector<std::pair<int, int>> entries;
  size_t begin = 0;
};

// The parser's nodes, in blocks that never move: 8, 16, ... 512 nodes, then 1024 each. Grown by
// doubling, a large document's table was held twice while it grew (std::deque took a block per 3
// nodes); a small document costs a small block.
class NodeTable {
 public:
  Node& operator[](size_t i) { return At(i); }
  const Node& operator[](size_t i) const { return const_cast<NodeTable*>(this)->At(i); }
  size_t size() const { return size_; }
  Node& emplace_back() {
    size_t b = blocks_.size();
    if (size_ == Start(b))
      blocks_.push_back(std::make_unique<Node[]>(b < kGrowing ? kFirst << b : kLast));
    return At(size_++);
  }
  Node& back() { return At(size_ - 1); }

 private:
  static constexpr size_t kFirst = 8, kGrowing = 7, kLast = kFirst << kGrowing;
  static constexpr size_t kGrown = kFirst * ((size_t{1} << kGrowing) - 1);  // nodes before kLast's
  // The index of block b's first node.
  static size_t Start(size_t b) {
    return b < kGrowing ? kFirst * ((size_t{1} << b) - 1) : kGrown + (b - kGrowing) * kLast;
  }
  Node& At(size_t i) {
    if (i >= kGrown) return blocks_[kGrowing + (i - kGrown) / kLast][(i - kGrown) % kLast];
    size_t b = static_cast<size_t>(std::bit_width(i / kFirst + 1)) - 1;
    return blocks_[b][i - Start(b)];
  }
  std::vector<std::unique_ptr<Node[]>> blocks_;
  size_t size_ = 0;
};

bool IsBlankOrComment(std::string_view line) {
  for (char c : line) {
    if (IsSpace(c)) continue;
    return c == '#';
  }
  return true;
}

class Parser {
 public:
  Parser(std::string_view text, bool commented)
      : t_(text), commented_(commented), lines_(text) {}

  NodeTable& nodes() { return nodes_; }

  // Parses every document fragment; a line the structure cannot place starts a new fragment.
  std::vector<int> ParseAll() {
    std::vector<int> roots;
    size_t pos = NextContent(0);
    while (pos != npos) {
      if (IsDocMarker(pos)) {
        pos = NextContent(LineEnd(pos) + 1);
        continue;
      }
      cursor_ = pos;
      int root = ParseBlockNode(pos, -1);
      roots.push_back(root);
      size_t next = NextContent(cursor_);
      if (next != npos && next <= pos) next = NextContent(LineEnd(pos) + 1);
      pos = next;
    }
    return roots;
  }

 private:
  int NewNode(Node::Kind k, size_t begin) {
    nodes_.emplace_back();
    nodes_.back().kind = k;
    nodes_.back().begin = begin;
    return static_cast<int>(nodes_.size() - 1);
  }

  size_t LineStartOf(size_t pos) const { return lines_.LineStartOf(pos); }
  size_t LineEnd(size_t pos) const {
    size_t e = t_.find('\n', pos);
    return e == npos ? t_.size() : e;
  }
  int Col(size_t pos) const { return static_cast<int>(pos - LineStartOf(pos)); }

  bool IsDocMarker(size_t pos) const {
    if (Col(pos) != 0) return false;
    std::string_view r = t_.substr(pos, 3);
    return (r == "---" || r == "...") && (pos + 3 >= t_.size() || IsSpace(t_[pos + 3]) || t_[pos + 3] == '\n');
  }

  // First non-space character of the first line at or after `from` that has content.
  size_t NextContent(size_t from) const {
    if (from == npos || from >= t_.size()) return npos;
    size_t pos = from == 0 ? 0 : LineStartOf(std::min(from, t_.size()));
    if (from > pos && from <= t_.size()) {
      // `from` is inside a line: only what follows it on that line counts, then later lines.
      size_t e = LineEnd(from);
      std::string_view rest = t_.substr(from, e - from);
      if (!IsBlankOrComment(rest)) {
        size_t i = from;
        while (i < e && IsSpace(t_[i])) ++i;
        return i;
      }
      pos = e + 1;
    }
    while (pos < t_.size()) {
      size_t e = LineEnd(pos);
      std::string_view line = t_.substr(pos, e - pos);
      if (!IsBlankOrComment(line)) {
        size_t i = pos;
        while (i < e && IsSpace(t_[i])) ++i;
        return i;
      }
      pos = e + 1;
    }
    return npos;
  }

  bool AtLineEnd(size_t p) const {
    while (p < t_.size() && IsSpace(t_[p])) ++p;
    return p >= t_.size() || t_[p] == '\n' || t_[p] == '#';
  }

  bool IsSeqIndicator(size_t pos) const {
    return t_[pos] == '-' && (pos + 1 >= t_.size() || t_[pos + 1] == ' ' || t_[pos + 1] == '\t' ||
                              t_[pos + 1] == '\n' || t_[pos + 1] == '\r');
  }

  bool OnlyPlaceholders(size_t pos) const {
    size_t e = LineEnd(pos);
    bool any = false;
    for (size_t i = pos; i < e; ++i) {
      if (t_[i] == kPlaceholder) any = true;
      else if (!IsSpace(t_[i])) return false;
    }
    return any;
  }

  // A key at `pos`: sets *colon to the ':' (or '=' in commented YAML). Keys are plain words up
  // to ": ", or quoted strings followed by ':'.
  bool IsKeyAt(size_t pos, size_t* key_end, size_t* colon) const {
    size_t e = LineEnd(pos);
    char c = t_[pos];
    if (c == '[' || c == '{' || c == '#' || c == '|' || c == '>' || c == '&' || c == '*' ||
        c == '!' || c == '%' || c == '@' || c == '`' || IsSeqIndicator(pos))
      return false;
    size_t i = pos;
    if (c == '"' || c == '\'') {
      i = pos + 1;
      while (i < e && t_[i] != c) i += (c == '"' && t_[i] == '\\') ? 2 : 1;
      if (i >= e) return false;
      *key_end = i + 1;
      i = i + 1;
      while (i < e && IsSpace(t_[i])) ++i;
      if (i < e && (t_[i] == ':' || (commented_ && t_[i] == '=')) &&
          (i + 1 >= e || IsSpace(t_[i + 1]) || t_[i + 1] == '\r')) {
        *colon = i;
        return true;
      }
      return false;
    }
    for (; i < e; ++i) {
      char d = t_[i];
      if (d == '#' && i > pos && IsSpace(t_[i - 1])) return false;
      bool sep = d == ':' || (commented_ && d == '=' && i > pos && t_[i - 1] == ' ');
      if (sep && (i + 1 >= e || IsSpace(t_[i + 1]) || t_[i + 1] == '\r')) {
        size_t k = i;
        while (k > pos && IsSpace(t_[k - 1])) --k;
        if (k == pos) return false;
        *key_end = k;
        *colon = i;
        return true;
      }
    }
    return false;
  }

  int ParseBlockNode(size_t pos, int parent_col) {
    if (block_depth_ >= kMaxNesting) {  // "- - - - ...": the rest of the line is not read
      TooDeep(pos);
      cursor_ = LineEnd(pos) + 1;
      return NewNode(Node::kNull, pos);
    }
    ++block_depth_;
    int n = ParseBlockNodeInner(pos, parent_col);
    --block_depth_;
    return n;
  }

  int ParseBlockNodeInner(size_t pos, int parent_col) {
    if (IsSeqIndicator(pos)) return ParseBlockSeq(pos);
    size_t key_end, colon;
    if (IsKeyAt(pos, &key_end, &colon)) return ParseBlockMap(pos);
    return ParseInline(pos, parent_col);
  }

  int ParseBlockSeq(size_t pos) {
    int col = Col(pos);
    int seq = NewNode(Node::kSeq, pos);
    for (;;) {
      size_t p = pos + 1;
      while (p < t_.size() && IsSpace(t_[p])) ++p;
      int item;
      if (AtLineEnd(p)) {
        size_t q = NextContent(LineEnd(p) + 1);
        cursor_ = LineEnd(p) + 1;
        if (q != npos && Col(q) > col) {
          item = ParseBlockNode(q, col);
        } else {
          item = NewNode(Node::kNull, p);
        }
      } else {
        item = ParseBlockNode(p, col);
      }
      nodes_[seq].items.push_back(item);
      size_t q = NextContent(cursor_);
      if (q == npos || Col(q) != col || !IsSeqIndicator(q) || q < pos) break;
      pos = q;
    }
    return seq;
  }

  int ParseBlockMap(size_t pos) {
    int col = Col(pos);
    int map = NewNode(Node::kMap, pos);
    for (;;) {
      size_t key_end, colon;
      if (!IsKeyAt(pos, &key_end, &colon)) break;
      int key = NewNode(Node::kScalar, pos);
      ReadKeyScalar(pos, key_end, &nodes_[key].scalar);
      size_t p = colon + 1;
      while (p < t_.size() && IsSpace(t_[p])) ++p;
      // Anchors and tags before the value.
      bool binary = false;
      while (p < t_.size() && (t_[p] == '&' || t_[p] == '!')) {
        size_t prop = p;
        while (p < t_.size() && !IsSpace(t_[p]) && t_[p] != '\n') ++p;
        std::string_view tag = t_.substr(prop, p - prop);
        binary = binary || tag == "!!binary" || tag == "!<tag:yaml.org,2002:binary>";
        while (p < t_.size() && IsSpace(t_[p])) ++p;
      }
      int value;
      if (AtLineEnd(p)) {
        cursor_ = LineEnd(p) + 1;
        size_t q = NextContent(cursor_);
        if (q != npos && (Col(q) > col || (Col(q) == col && IsSeqIndicator(q)))) {
          value = ParseBlockNode(q, col);
        } else if (q != npos && OnlyPlaceholders(q)) {
          // A template injects the value here whatever its indentation ("servers:\n${list}").
          value = ParseInline(q, col);
        } else {
          value = NewNode(Node::kNull, p);
        }
      } else {
        value = ParseInline(p, col);
      }
      if (binary && nodes_[value].kind == Node::kScalar) nodes_[value].scalar.binary = true;
      nodes_[map].entries.emplace_back(key, value);
      size_t q = NextContent(cursor_);
      if (q == npos || Col(q) != col || q <= pos) break;
      if (!IsKeyAt(q, &key_end, &colon)) break;
      pos = q;
    }
    return map;
  }

  void ReadKeyScalar(size_t pos, size_t key_end, Scalar* s) {
    s->begin = pos;
    s->end = key_end;
    if (t_[pos] == '"' || t_[pos] == '\'') {
      size_t end;
      ReadQuoted(pos, s, &end);
    } else {
      s->value = std::string(t_.substr(pos, key_end - pos));
      s->map = {{0, pos}};
    }
  }

  // A value that starts on this line: flow collection, quoted, block or plain scalar.
  int ParseInline(size_t p, int parent_col) {
    char c = t_[p];
    if (c == '[' || c == '{') {
      size_t end;
      int n = ParseFlow(p, &end);
      cursor_ = LineEnd(end == 0 ? p : end - 1) + 1;
      return n;
    }
    int n = NewNode(Node::kScalar, p);
    Scalar s;
    if (c == '"' || c == '\'') {
      size_t end;
      ReadQuoted(p, &s, &end);
      cursor_ = LineEnd(end == 0 ? p : end - 1) + 1;
    } else if ((c == '|' || c == '>') && IsBlockHeader(p)) {
      ReadBlockScalar(p, parent_col, &s);
    } else if (c == '*') {
      nodes_[n].kind = Node::kNull;
      cursor_ = LineEnd(p) + 1;
      return n;
    } else {
      size_t e = LineEnd(p);
      size_t stop = e;
      for (size_t i = p; i < e; ++i)
        if (t_[i] == '#' && i > p && IsSpace(t_[i - 1])) {
          stop = i;
          break;
        }
      while (stop > p && (IsSpace(t_[stop - 1]) || t_[stop - 1] == '\r')) --stop;
      s.begin = p;
      s.end = stop;
      s.value = std::string(t_.substr(p, stop - p));
      s.map = {{0, p}};
      cursor_ = e + 1;
    }
    nodes_[n].scalar = std::move(s);
    return n;
  }

  bool IsBlockHeader(size_t p) const {
    size_t i = p + 1;
    while (i < t_.size() && (t_[i] == '+' || t_[i] == '-' || (t_[i] >= '1' && t_[i] <= '9'))) ++i;
    return AtLineEnd(i);
  }

  void ReadBlockScalar(size_t p, int parent_col, Scalar* s) {
    s->block = true;
    s->begin = p;
    int explicit_indent = 0;
    for (size_t i = p + 1; i < t_.size() && !IsSpace(t_[i]) && t_[i] != '\n'; ++i)
      if (t_[i] >= '1' && t_[i] <= '9') explicit_indent = t_[i] - '0';
    size_t line = LineEnd(p) + 1;
    int indent = explicit_indent ? std::max(parent_col, 0) + explicit_indent : -1;
    size_t last_end = LineEnd(p);
    std::string pending;  // blank lines are kept only when content follows
    std::vector<std::pair<size_t, size_t>> pending_map;
    while (line < t_.size()) {
      size_t e = LineEnd(line);
      std::string_view l = t_.substr(line, e - line);
      size_t ws = 0;
      while (ws < l.size() && l[ws] == ' ') ++ws;
      bool blank = ws == l.size() || l.substr(ws) == "\r";
      if (blank) {
        pending += '\n';
        line = e + 1;
        continue;
      }
      if (indent < 0) indent = static_cast<int>(ws);
      if (static_cast<int>(ws) < indent || static_cast<int>(ws) <= parent_col) break;
      s->value += pending;
      pending.clear();
      s->map.emplace_back(s->value.size(), line + indent);
      std::string_view content = l.substr(indent);
      if (!content.empty() && content.back() == '\r') content.remove_suffix(1);
      s->value += content;
      s->value += '\n';
      last_end = e;
      line = e + 1;
    }
    s->end = last_end;
    cursor_ = last_end + 1;
    if (s->map.empty()) s->map = {{0, p}};
  }

  // Reads a quoted scalar at p; *end is just past the closing quote. Escapes and line folding
  // are decoded; breakpoints keep the rest of the value mapped to its bytes.
  void ReadQuoted(size_t p, Scalar* s, size_t* end) {
    char q = t_[p];
    s->quoted = true;
    s->begin = p;
    size_t i = p + 1;
    s->map.emplace_back(0, i);
    while (i < t_.size()) {
      char c = t_[i];
      if (c == q) {
        if (q == '\'' && i + 1 < t_.size() && t_[i + 1] == '\'') {
          s->value += '\'';
          i += 2;
          s->map.emplace_back(s->value.size(), i);
          continue;
        }
        ++i;
        break;
      }
      if (q == '"' && c == '\\' && i + 1 < t_.size()) {
        char n = t_[i + 1];
        size_t used = 2;
        switch (n) {
          case 'n': s->value += '\n'; break;
          case 't': s->value += '\t'; break;
          case 'r': s->value += '\r'; break;
          case '0': s->value += '\0'; break;
          case '"': s->value += '"'; break;
          case '/': s->value += '/'; break;
          case '\\': s->value += '\\'; break;
          case ' ': s->value += ' '; break;
          case '\n': used = 2; break;  // escaped line break: joined
          case 'x':
          case 'u':
          case 'U': {
            size_t digits = n == 'x' ? 2 : n == 'u' ? 4 : 8;
            uint32_t cp = 0;
            size_t k = 0;
            for (; k < digits && i + 2 + k < t_.size(); ++k) {
              char h = t_[i + 2 + k];
              int v = h >= '0' && h <= '9' ? h - '0' : h >= 'a' && h <= 'f' ? h - 'a' + 10
                                                   : h >= 'A' && h <= 'F' ? h - 'A' + 10 : -1;
              if (v < 0) break;
              cp = cp * 16 + static_cast<uint32_t>(v);
            }
            used = 2 + k;
            if (cp < 0x80) {
              s->value += static_cast<char>(cp);
            } else if (cp < 0x800) {
              s->value += static_cast<char>(0xC0 | (cp >> 6));
              s->value += static_cast<char>(0x80 | (cp & 0x3F));
            } else {
              s->value += static_cast<char>(0xE0 | ((cp >> 12) & 0x0F));
              s->value += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
              s->value += static_cast<char>(0x80 | (cp & 0x3F));
            }
            break;
          }
          default: s->value += n; break;
        }
        i += used;
        s->map.emplace_back(s->value.size(), i);
        continue;
      }
      if (c == '\n') {
        // Folding: the line break and the next line's indentation become one space.
        while (!s->value.empty() && (s->value.back() == ' ' || s->value.back() == '\t')) s->value.pop_back();
        size_t j = i + 1;
        while (j < t_.size() && (t_[j] == ' ' || t_[j] == '\t')) ++j;
        if (j < t_.size() && t_[j] == '\n') {
          s->value += '\n';
        } else {
          s->value += ' ';
        }
        i = j;
        s->map.emplace_back(s->value.size(), i);
        continue;
      }
      if (c == '\r') {
        ++i;
        s->map.emplace_back(s->value.size(), i);
        continue;
      }
      s->value += c;
      ++i;
    }
    s->end = i;
    *end = i;
    // Collapse to one breakpoint when nothing was decoded (the common case).
    if (s->map.size() > 1) {
      bool verbatim = s->value.size() == (i - 1) - (p + 1) &&
                      t_.substr(p + 1, s->value.size()) == s->value;
      if (verbatim) s->map = {{0, p + 1}};
    }
  }

  size_t SkipFlowSpace(size_t i) const {
    while (i < t_.size()) {
      char c = t_[i];
      if (IsSpace(c) || c == '\n' || c == ',') {
        ++i;
      } else if (c == '#' && (i == 0 || IsSpace(t_[i - 1]) || t_[i - 1] == '\n')) {
        i = LineEnd(i);
      } else {
        break;
      }
    }
    return i;
  }

  // A flow collection or flow scalar at p; *end is just past it.
  int ParseFlow(size_t p, size_t* end) {
    char c = t_[p];
    if ((c == '[' || c == '{') && flow_depth_ >= kMaxNesting) {  // skipped, not read
      TooDeep(p);
      *end = SkipFlow(p);
      return NewNode(Node::kNull, p);
    }
    if (c == '[' || c == '{') {
      struct Depth {
        int& d;
        explicit Depth(int& x) : d(x) { ++d; }
        ~Depth() { --d; }
      } depth(flow_depth_);
      char close = c == '[' ? ']' : '}';
      int n = NewNode(c == '[' ? Node::kSeq : Node::kMap, p);
      size_t i = p + 1;
      for (int guard = 0; guard < 100000; ++guard) {
        i = SkipFlowSpace(i);
        if (i >= t_.size()) break;
        if (t_[i] == close) {
          ++i;
          break;
        }
        if (t_[i] == ']' || t_[i] == '}') {  // mismatched: give up on this collection
          ++i;
          break;
        }
        size_t item_end;
        int item = ParseFlow(i, &item_end);
        size_t j = item_end;
        while (j < t_.size() && IsSpace(t_[j])) ++j;
        if (j < t_.size() && t_[j] == ':' && nodes_[item].kind == Node::kScalar) {
          size_t v = SkipFlowSpace(j + 1);
          int value;
          if (v < t_.size() && t_[v] != ',' && t_[v] != close) {
            value = ParseFlow(v, &item_end);
          } else {
            value = NewNode(Node::kNull, v);
            item_end = v;
          }
          if (c == '{') {
            nodes_[n].entries.emplace_back(item, value);
          } else {
            int pair = NewNode(Node::kMap, i);
            nodes_[pair].entries.emplace_back(item, value);
            nodes_[n].items.push_back(pair);
          }
        } else if (c == '{') {
          int null_value = NewNode(Node::kNull, item_end);  // before taking a reference into nodes_
          nodes_[n].entries.emplace_back(item, null_value);
        } else {
          nodes_[n].items.push_back(item);
        }
        if (item_end <= i) item_end = i + 1;
        i = item_end;
      }
      *end = i;
      return n;
    }
    int n = NewNode(Node::kScalar, p);
    Scalar s;
    if (c == '"' || c == '\'') {
      ReadQuoted(p, &s, end);
    } else {
      size_t i = p;
      while (i < t_.size()) {
        char d = t_[i];
        if (d == ',' || d == ']' || d == '}' || d == '\n' || d == '[' || d == '{') break;
        if (d == ':' && (i + 1 >= t_.size() || IsSpace(t_[i + 1]) || t_[i + 1] == ',' ||
                         t_[i + 1] == '\n' || t_[i + 1] == ']' || t_[i + 1] == '}'))
          break;
        if (d == '#' && i > p && IsSpace(t_[i - 1])) break;
        ++i;
      }
      size_t stop = i;
      while (stop > p && (IsSpace(t_[stop - 1]) || t_[stop - 1] == '\r')) --stop;
      s.begin = p;
      s.end = stop;
      s.value = std::string(t_.substr(p, stop - p));
      s.map = {{0, p}};
      *end = i == p ? p + 1 : i;
    }
    nodes_[n].scalar = std::move(s);
    return n;
  }

  void TooDeep(size_t pos) {
    if (diagnostics_.empty() && !commented_)
      diagnostics_.push_back({pos, NestingDiagnostic("collections")});
  }

  // From a flow opener to just past its closer (quoted scalars skipped), without recursion.
  size_t SkipFlow(size_t i) const {
    size_t depth = 0;
    for (; i < t_.size(); ++i) {
      char c = t_[i];
      if (c == '"' || c == '\'') {
        for (++i; i < t_.size() && t_[i] != c; ++i)
          if (c == '"' && t_[i] == '\\') ++i;
      } else if (c == '[' || c == '{') {
        ++depth;
      } else if ((c == ']' || c == '}') && --depth == 0) {
        return i + 1;
      }
    }
    return t_.size();
  }

  std::string_view t_;
  bool commented_;
  LineIndex lines_;
  NodeTable nodes_;
  size_t cursor_ = 0;
  int flow_depth_ = 0;
  int block_depth_ = 0;

 public:
  std::vector<Diagnostic> diagnostics_;
};

// --- From the tree to facts and embedded documents.

class Emitter {
 public:
  Emitter(std::string_view text, Document* doc, NodeTable& nodes, bool commented)
      : t_(text), doc_(doc), n_(nodes), commented_(commented) {}

  void Walk(int id, const std::string& path) {
    const Node& node = n_[id];
    switch (node.kind) {
      case Node::kNull: break;
      case Node::kScalar: EmitScalar(node.scalar, path); break;
      case Node::kSeq: {
        std::string_view last = LastSegment(path);
        bool env = last == "environment" || last == "env";
        for (int item : node.items) {
          const Node& it = n_[item];
          if (env && it.kind == Node::kScalar && EmitEnvItem(it.scalar, path)) continue;
          Walk(item, path + "[" + ItemName(item) + "]");
        }
        break;
      }
      case Node::kMap:
        for (auto [k, v] : node.entries) {
          const Scalar& key = n_[k].scalar;
          if (n_[k].kind != Node::kScalar || key.value.empty()) continue;
          if (!SaltStateCall(key.value, v)) EmitKey(key, path);
          Walk(v, Join(path, key.value));
        }
        break;
    }
  }

  // Cloud-init, Ansible, Ignition, Kubernetes and Packer conventions: documents inside values.
  void Interpret(int root, bool cloud_config) {
    if (cloud_config && n_[root].kind == Node::kMap) CloudInit(root);
    std::function<void(int)> visit = [&](int id) {
      const Node& node = n_[id];
      if (node.kind == Node::kMap) {
        FileContent(id);
        AnsibleTask(id);
        PackerProvisioner(id);
        ConfigMapData(id);
        ArgvLists(id);
        for (auto [k, v] : node.entries) {
          if (n_[v].kind == Node::kScalar) ScalarDocument(n_[k].scalar.value, n_[v].scalar);
          visit(v);
        }
      } else if (node.kind == Node::kSeq) {
        SaltFileManaged(id);
        for (int item : node.items) visit(item);
      }
    };
    visit(root);
  }

  std::vector<EmbeddedDocument> embedded;

 private:
  static std::string Join(const std::string& path, std::string_view key) {
    std::string k(key);
    if (k.find('.') != std::string::npos) k = "\"" + k + "\"";
    return path.empty() ? k : path + "." + k;
  }

  static std::string_view LastSegment(std::string_view path) {
    size_t dot = path.rfind('.');
    std::string_view s = dot == npos ? path : path.substr(dot + 1);
    size_t br = s.find('[');
    return br == npos ? s : s.substr(0, br);
  }

  // The id of `key`'s value in mapping `map`, -1 where there is none.
  int GetId(int map, std::string_view key) const {
    if (n_[map].kind != Node::kMap) return -1;
    for (auto [k, v] : n_[map].entries)
      if (n_[k].scalar.value == key) return v;
    return -1;
  }
  const Node* Get(int map, std::string_view key) const {
    int id = GetId(map, key);
    return id < 0 ? nullptr : &n_[id];
  }
  std::string GetScalar(int map, std::string_view key) const {
    const Node* v = Get(map, key);
    return v && v->kind == Node::kScalar ? v->scalar.value : "";
  }

  // An item mapping with `name: X` next to a value is indexed by X: env[NTP_SERVERS].value.
  std::string ItemName(int item) const {
    if (n_[item].kind != Node::kMap) return "";
    std::string name = GetScalar(item, "name");
    if (name.empty()) name = GetScalar(item, "code");
    if (name.empty() || name.size() > 64) return "";
    for (char c : name)
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-')) return "";
    for (const char* k : {"value", "values", "data", "content", "contents", "default"})
      if (Get(item, k)) return name;
    return "";
  }

  Token MakeToken(const Scalar& s, size_t a, size_t b) {
    return DecodedToken(t_, s.value, s.map, s.begin, a, b, doc_);
  }

  void Words(const Scalar& s, size_t from, std::vector<Token>* out) {
    const std::string& v = s.value;
    size_t i = from;
    while (i < v.size()) {
      while (i < v.size() && (IsSpace(v[i]) || v[i] == '\n')) ++i;
      size_t b = i;
      while (i < v.size() && !IsSpace(v[i]) && v[i] != '\n') ++i;
      if (i > b) out->push_back(MakeToken(s, b, i));
    }
  }

  size_t LineStartOf(size_t off) const { return line_starts_(off); }

  // A key path kept once while it recurs: the items of a long list share their paths.
  std::string_view Name(std::string path) {
    std::string_view& slot = names_[std::hash<std::string>{}(path) % names_.size()];
    if (slot != path) slot = doc_->Keep(std::move(path));
    return slot;
  }

  void EmitScalar(const Scalar& s, const std::string& path) {
    if (path.empty() || s.value.empty()) return;
    Fact f;
    f.name = Name(path);
    f.name_offset = s.begin;
    f.line_offset = LineStartOf(s.begin);
    f.commented = commented_;
    Words(s, 0, &f.args);
    if (!f.args.empty()) doc_->facts.push_back(std::move(f));
  }

  // `file.managed:` over `- name: ...` items: a Salt state function under a state ID (often
  // `ntp:` or `chrony:`), not a host keyed by its name.
  bool SaltStateCall(std::string_view key, int value) const {
    size_t dot = key.find('.');
    if (dot == npos || dot == 0 || dot + 1 == key.size() || key.find('.', dot + 1) != npos)
      return false;
    auto word = [](std::string_view w, bool digits) {
      for (char c : w)
        if (!(std::islower(static_cast<unsigned char>(c)) || c == '_' ||
              (digits && std::isdigit(static_cast<unsigned char>(c)))))
          return false;
      return true;
    };
    if (!word(key.substr(0, dot), true) || !word(key.substr(dot + 1), false)) return false;
    const Node& args = n_[value];
    if (args.kind != Node::kSeq) return false;
    for (int item : args.items)
      if (n_[item].kind == Node::kMap && n_[item].entries.size() == 1) return true;
    return false;
  }

  void EmitKey(const Scalar& key, const std::string& path) {
    Fact f;
    f.name = Name(path + "{}");
    f.name_offset = key.begin;
    f.line_offset = LineStartOf(key.begin);
    f.commented = commented_;
    Words(key, 0, &f.args);
    if (f.args.size() == 1) doc_->facts.push_back(std::move(f));
  }

  bool EmitEnvItem(const Scalar& s, const std::string& path) {
    size_t eq = s.value.find('=');
    if (eq == npos || eq == 0) return false;
    for (size_t i = 0; i < eq; ++i)
      if (!(std::isalnum(static_cast<unsigned char>(s.value[i])) || s.value[i] == '_')) return false;
    Fact f;
    f.name = Name(Join(path, s.value.substr(0, eq)));
    f.name_offset = s.begin;
    f.line_offset = LineStartOf(s.begin);
    f.commented = commented_;
    Words(s, eq + 1, &f.args);
    if (!f.args.empty()) doc_->facts.push_back(std::move(f));
    return true;
  }

  // Embeds a scalar as a document at `path`.
  void Embed(const Scalar& s, std::string path) {
    if (commented_ || s.value.empty() || Handled(&s)) return;
    handled_.push_back(&s);
    EmbeddedDocument e;
    e.path = std::move(path);
    e.text = s.value;
    e.line_map = s.map;
    if (e.line_map.empty() || e.line_map.front().first != 0)
      e.line_map.insert(e.line_map.begin(), {0, s.begin});
    e.outer_offset = s.begin;
    e.outer_length = s.end > s.begin ? s.end - s.begin : 1;
    if (e.text.back() != '\n') e.text += '\n';
    embedded.push_back(std::move(e));
  }

  // Decoded content (base64, gzip): opaque, findings cover the whole value.
  void EmbedOpaque(const Scalar& s, std::string path, std::string text) {
    if (commented_ || Handled(&s)) return;
    handled_.push_back(&s);
    PushOpaque(s, std::move(path), std::move(text));
  }
  void PushOpaque(const Scalar& s, std::string path, std::string text) {
    EmbeddedDocument e;
    e.path = std::move(path);
    e.text = std::move(text);
    e.outer_offset = s.begin;
    e.outer_length = s.end > s.begin ? s.end - s.begin : 1;
    embedded.push_back(std::move(e));
  }

  // Several scalars (loop items, runcmd entries) as the lines of one document.
  void EmbedLines(const std::vector<const Scalar*>& lines, std::string path) {
    if (commented_ || lines.empty()) return;
    for (const Scalar* s : lines) handled_.push_back(s);
    EmbeddedDocument e;
    e.path = std::move(path);
    for (const Scalar* s : lines) {
      size_t base = e.text.size();
      for (auto [inner, outer] : s->map) e.line_map.emplace_back(base + inner, outer);
      if (s->map.empty()) e.line_map.emplace_back(base, s->begin);
      e.text += s->value;
      if (e.text.empty() || e.text.back() != '\n') e.text += '\n';
    }
    e.outer_offset = lines.front()->begin;
    e.outer_length = lines.back()->end > e.outer_offset ? lines.back()->end - e.outer_offset : 1;
    embedded.push_back(std::move(e));
  }

  void EmbedContent(const Scalar& s, const std::string& path, std::string_view encoding) {
    std::string enc(encoding);
    std::transform(enc.begin(), enc.end(), enc.begin(), ::tolower);
    if (!s.binary && (enc.empty() || enc == "text/plain")) {
      Embed(s, path);
      return;
    }
    // Read once, whether it decodes or not: cloud-init's write_files and the generic
    // path/content convention both reach this scalar (a bad one was reported twice).
    if (commented_ || Handled(&s)) return;
    handled_.push_back(&s);
    std::string data = s.value, out;
    // The YAML loader decodes !!binary before the encoding is applied (cloud-init's gzip example).
    if (s.binary) {
      if (!DecodeBase64(data, &out))
        return Diag(s.begin, "write_files content tagged !!binary is not valid base64");
      data = std::move(out);
    }
    bool b64 = enc.find("b64") != npos || enc.find("base64") != npos;
    bool gz = enc.find("gz") != npos;
    if (b64) {
      if (!DecodeBase64(data, &out)) return Diag(s.begin, "write_files content is not valid base64");
      data = std::move(out);
    }
    if (gz && !Inflate(s, "write_files content", &data)) return;
    PushOpaque(s, path, std::move(data));
  }

  // Replaces *data (the decoded value of `s`) with what it inflates to. Past the size limit the
  // first kMaxDecodedBytes are kept and read, and the limit is named; false (with a
  // diagnostic) when nothing can be read.
  bool Inflate(const Scalar& s, std::string_view what, std::string* data) {
    std::string out;
    switch (Gunzip(*data, &out)) {
      case GunzipStatus::kOk:
        break;
      case GunzipStatus::kTooLarge:
        Diag(s.begin, std::string(what) + " decompresses to more than " +
                          std::to_string(kMaxDecodedBytes >> 20) + " MiB: only the first " +
                          std::to_string(kMaxDecodedBytes >> 20) + " MiB were read");
        break;
      case GunzipStatus::kNotGzip:
        Diag(s.begin, std::string(what) + " is not gzip data");
        return false;
      case GunzipStatus::kCorrupt:
        Diag(s.begin, std::string(what) + " is not valid gzip" +
                          (out.empty() ? "" : ": only the part before the damage was read"));
        if (out.empty()) return false;
        break;
    }
    *data = std::move(out);
    return true;
  }

  void Diag(size_t offset, std::string message) {
    if (!commented_) doc_->diagnostics.push_back(Diagnostic{offset, std::move(message)});
  }

  // Cloud-init user-data: write_files, runcmd/bootcmd, ntp.config.template.
  void CloudInit(int root) {
    if (const Node* files = Get(root, "write_files"); files && files->kind == Node::kSeq) {
      for (int item : files->items) {
        std::string path = GetScalar(item, "path");
        const Node* content = Get(item, "content");
        if (path.empty() || !content || content->kind != Node::kScalar) continue;
        EmbedContent(content->scalar, path, GetScalar(item, "encoding"));
      }
    }
    for (const char* key : {"runcmd", "bootcmd"}) {
      const Node* cmds = Get(root, key);
      if (!cmds || cmds->kind != Node::kSeq) continue;
      std::vector<const Scalar*> lines;
      for (int item : cmds->items) {
        const Node& it = n_[item];
        if (it.kind == Node::kScalar) {
          lines.push_back(&it.scalar);
        } else if (it.kind == Node::kSeq && !it.items.empty()) {
          // ["sed", "-i", "s/x/y/", "/etc/chrony.conf"]: argv, joined with spaces.
          lines.push_back(JoinArgv({&it}));
        }
      }
      EmbedLines(lines, std::string("cloud-init/") + key + ".sh");
    }
    if (int ntp_id = GetId(root, "ntp"); ntp_id >= 0 && n_[ntp_id].kind == Node::kMap) {
      int config_id = GetId(ntp_id, "config");
      if (config_id >= 0 && n_[config_id].kind == Node::kMap) {
        const Node* tmpl = Get(config_id, "template");
        if (tmpl && tmpl->kind == Node::kScalar) {
          std::string client = GetScalar(ntp_id, "ntp_client");
          std::string path = client == "chrony"                ? "etc/chrony.conf"
                             : client == "systemd-timesyncd"   ? "etc/systemd/timesyncd.conf.d/cloud-init.conf"
                             : client == "openntpd"            ? "etc/ntpd.conf"
                                                               : "etc/ntp.conf";
          Embed(tmpl->scalar, path);
        }
      }
    }
  }

  bool Handled(const Scalar* s) const {
    return std::find(handled_.begin(), handled_.end(), s) != handled_.end();
  }
  bool Handled(const Node* n) const { return Handled(&n->scalar); }

  // {path|dest|destination: /etc/x, content|contents: ...} (cloud-init, Ignition, Salt, Butane).
  void FileContent(int map) {
    std::string path;
    for (const char* k : {"path", "dest", "destination", "filename"}) {
      path = GetScalar(map, k);
      if (!path.empty()) break;
    }
    if (path.empty() || (path[0] != '/' && path.find('/') == npos)) return;
    for (const char* k : {"content", "contents"}) {
      int cid = GetId(map, k);
      const Node* c = cid < 0 ? nullptr : &n_[cid];
      if (!c || Handled(c)) continue;
      if (c->kind == Node::kScalar) {
        const Scalar& s = c->scalar;
        if (s.value.starts_with("data:")) DataUrl(s, path, GetScalar(map, "compression"));
        else EmbedContent(s, path, GetScalar(map, "encoding"));
      } else if (c->kind == Node::kMap) {
        const Node* inl = Get(cid, "inline");
        const Node* src = Get(cid, "source");
        if (inl && inl->kind == Node::kScalar) {
          Embed(inl->scalar, path);
        } else if (src && src->kind == Node::kScalar && src->scalar.value.starts_with("data:")) {
          DataUrl(src->scalar, path, GetScalar(cid, "compression"));
        }
      }
    }
  }

  // RFC 2397 data URL (Ignition, MachineConfig): "data:,server%2010.0.0.1" or ";base64,".
  void DataUrl(const Scalar& s, const std::string& path, std::string_view compression) {
    size_t comma = s.value.find(',');
    if (comma == npos) return;
    std::string meta = s.value.substr(5, comma - 5);
    std::string data = PercentDecode(s.value.substr(comma + 1)), out;
    if (meta.find(";base64") != npos) {
      if (!DecodeBase64(data, &out)) return Diag(s.begin, "data URL is not valid base64");
      data = std::move(out);
    }
    if ((compression == "gzip" ||
         (data.size() > 2 && static_cast<unsigned char>(data[0]) == 0x1f)) &&
        !Inflate(s, "data URL content", &data))
      return;
    EmbedOpaque(s, path, std::move(data));
  }

  // Salt: file.managed: [{name: /etc/chrony.conf}, {contents: "..."}].
  void SaltFileManaged(int seq) {
    std::string path;
    const Node* contents = nullptr;
    for (int item : n_[seq].items) {
      if (n_[item].kind != Node::kMap) continue;
      std::string name = GetScalar(item, "name");
      if (!name.empty() && name[0] == '/') path = name;
      for (const char* k : {"contents", "content"})
        if (const Node* c = Get(item, k); c && c->kind == Node::kScalar) contents = c;
    }
    if (!path.empty() && contents) Embed(contents->scalar, path);
  }

  // key=value module arguments ("path=/etc/chrony.conf line='server 10.0.0.1 iburst'").
  bool FreeFormArg(const Scalar& s, std::string_view key, Scalar* out) const {
    const std::string& v = s.value;
    size_t i = 0;
    while (i < v.size()) {
      while (i < v.size() && IsSpace(v[i])) ++i;
      size_t k = i;
      while (i < v.size() && v[i] != '=' && !IsSpace(v[i])) ++i;
      if (i >= v.size() || v[i] != '=') {
        while (i < v.size() && !IsSpace(v[i])) ++i;
        continue;
      }
      std::string_view name = std::string_view(v).substr(k, i - k);
      ++i;
      size_t b = i, e;
      if (i < v.size() && (v[i] == '\'' || v[i] == '"')) {
        char q = v[i];
        b = i + 1;
        e = v.find(q, b);
        if (e == npos) e = v.size();
        i = e + 1;
      } else {
        while (i < v.size() && !IsSpace(v[i])) ++i;
        e = i;
      }
      if (name == key) {
        out->value = v.substr(b, e - b);
        out->begin = s.OuterOf(b);
        out->end = s.OuterOf(e == 0 ? 0 : e - 1) + 1;
        if (s.Verbatim(b, e)) out->map = {{0, s.OuterOf(b)}};
        return true;
      }
    }
    return false;
  }

  // Ansible tasks: lineinfile/blockinfile/copy/replace content, shell/command, template/copy src;
  // the Windows modules (win_shell, win_command, win_powershell, win_copy...) likewise.
  void AnsibleTask(int task) {
    static constexpr std::string_view kPrefixes[] = {"ansible.builtin.",   "ansible.legacy.",
                                                     "community.general.", "ansible.windows.",
                                                     "community.windows.", ""};
    for (auto [k, v] : n_[task].entries) {
      std::string_view module = n_[k].scalar.value;
      for (std::string_view p : kPrefixes)
        if (module.starts_with(p)) {
          module.remove_prefix(p.size());
          break;
        }
      const Node& args = n_[v];
      auto args_id = v;  // clang 14 cannot capture a structured binding
      auto arg = [&](std::initializer_list<std::string_view> names) -> const Scalar* {
        for (std::string_view name : names) {
          if (args.kind == Node::kMap) {
            const Node* a = Get(args_id, name);
            if (a && a->kind == Node::kScalar) return &a->scalar;
          } else if (args.kind == Node::kScalar) {
            Scalar tmp;
            if (FreeFormArg(args.scalar, name, &tmp)) return &temps_.emplace_back(std::move(tmp));
          }
        }
        return nullptr;
      };
      const Scalar* path = nullptr;
      const Scalar* body = nullptr;
      if (module.starts_with("win_") && module != "win_shell" && module != "win_command" &&
          module != "win_powershell")
        module.remove_prefix(4);  // win_copy, win_template, win_lineinfile take copy's arguments
      if (module == "lineinfile" || module == "blockinfile" || module == "replace") {
        path = arg({"path", "dest", "name"});
        if (!path) continue;
        body = module == "lineinfile"    ? arg({"line"})
               : module == "blockinfile" ? arg({"block", "content"})
                                         : arg({"replace"});
        if (!body) continue;
        std::string_view b = Trim(body->value);
        bool item = b.size() > 4 && b.front() == kPlaceholder && b.back() == kPlaceholder;
        if (item) {
          // line: "{{ item }}" with a loop: the loop's items are the lines.
          for (const char* loop : {"loop", "with_items", "with_list"}) {
            const Node* l = Get(task, loop);
            if (!l || l->kind != Node::kSeq) continue;
            std::vector<const Scalar*> lines;
            for (int it : l->items)
              if (n_[it].kind == Node::kScalar) lines.push_back(&n_[it].scalar);
            EmbedLines(lines, path->value);
          }
          continue;
        }
        Embed(*body, path->value);
      } else if (module == "copy") {
        path = arg({"dest"});
        if (!path) continue;
        if ((body = arg({"content"}))) Embed(*body, path->value);
        else if (const Scalar* src = arg({"src"})) Install(*src, path->value);
      } else if (module == "template") {
        path = arg({"dest"});
        const Scalar* src = arg({"src"});
        if (path && src) Install(*src, path->value);
      } else if (module == "shell" || module == "command" || module == "raw" || module == "script") {
        if (args.kind == Node::kScalar) Embed(args.scalar, "ansible/task.sh");
        else if ((body = arg({"cmd"}))) Embed(*body, "ansible/task.sh");
      } else if (module == "regedit") {
        RegistryValue(args_id, arg);
      } else if (module == "win_shell" || module == "win_command" || module == "win_powershell") {
        if (args.kind == Node::kScalar) Embed(args.scalar, "ansible/task.ps1");
        else if ((body = arg({"cmd", "script"}))) Embed(*body, "ansible/task.ps1");
      }
    }
  }

  // win_regedit path/name/data: a fact named KEY.NAME (as a .reg file's ini facts are), the data
  // its words. Removing the value (state: absent) writes nothing.
  template <typename Arg>
  void RegistryValue(int args, Arg& arg) {
    const Scalar* key = arg({"path", "key"});
    const Scalar* name = arg({"name", "value"});
    const Scalar* state = arg({"state"});
    if (commented_ || !key || !name || (state && Trim(state->value) == "absent")) return;
    Fact f;
    f.name = doc_->Keep(key->value + "." + name->value);
    f.name_offset = name->begin;
    f.line_offset = LineStartOf(name->begin);
    if (const Scalar* data = arg({"data"})) {
      Words(*data, 0, &f.args);
    } else if (const Node* list = Get(args, "data"); list && list->kind == Node::kSeq) {
      for (int it : list->items)  // a multi-string value
        if (n_[it].kind == Node::kScalar) Words(n_[it].scalar, 0, &f.args);
    }
    if (!f.args.empty()) doc_->facts.push_back(std::move(f));
  }

  void Install(const Scalar& src, const std::string& dest) {
    if (commented_) return;
    Fact f;
    f.name = "@install";
    f.name_offset = src.begin;
    f.line_offset = LineStartOf(src.begin);
    f.args.push_back(src.Verbatim(0, src.value.size())
                         ? Token{t_.substr(src.OuterOf(0), src.value.size()), src.OuterOf(0)}
                         : Token{doc_->Keep(src.value), src.begin, std::max<size_t>(src.end - src.begin, 1)});
    f.args.push_back(Token{doc_->Keep(dest), src.begin, 1});
    doc_->facts.push_back(std::move(f));
  }

  // Packer legacy JSON: {"type": "shell", "inline": [...]}, {"type": "file", "content": ...}.
  void PackerProvisioner(int map) {
    std::string type = GetScalar(map, "type");
    if (type == "shell" || type == "shell-local" || type == "powershell" || type == "windows-shell") {
      const Node* inl = Get(map, "inline");
      if (inl && inl->kind == Node::kSeq) {
        std::vector<const Scalar*> lines;
        for (int it : inl->items)
          if (n_[it].kind == Node::kScalar) lines.push_back(&n_[it].scalar);
        EmbedLines(lines, type == "powershell" ? "packer/inline.ps1" : "packer/inline.sh");
      }
    } else if (type == "file") {
      std::string dest = GetScalar(map, "destination");
      const Node* content = Get(map, "content");
      const Node* source = Get(map, "source");
      if (dest.empty()) return;
      if (content && content->kind == Node::kScalar) {
        Embed(content->scalar, dest);
      } else if (source && source->kind == Node::kScalar) {
        Install(source->scalar, dest);
      }
    }
  }

  // Argument arrays joined into one shell line: each word as one shell word (quoted when it
  // holds a blank), its pieces mapped to where they are written.
  const Scalar* JoinArgv(const std::vector<const Node*>& seqs) {
    Scalar j;
    for (const Node* seq : seqs)
      for (int a : seq->items) {
        if (n_[a].kind != Node::kScalar) continue;
        const Scalar& w = n_[a].scalar;
        if (!j.value.empty()) j.value += ' ';
        bool quote = w.value.find_first_of(" \t") != npos && w.value.find('\'') == npos;
        if (quote) j.value += '\'';
        for (auto [inner, outer] : w.map) j.map.emplace_back(j.value.size() + inner, outer);
        if (w.map.empty()) j.map.emplace_back(j.value.size(), w.begin);
        j.value += w.value;
        if (quote) j.value += '\'';
      }
    j.begin = seqs.front()->begin;
    const Node* last = seqs.back();
    j.end = last->items.empty() ? last->begin + 1 : n_[last->items.back()].scalar.end;
    return &temps_.emplace_back(std::move(j));
  }

  // A command written as an argument array: Kubernetes command: + args:, compose and Docker
  // config entrypoint/Cmd, Ansible command: argv:. Read as one shell line.
  void ArgvLists(int map) {
    std::vector<const Node*> seqs;
    for (const char* key :
         {"entrypoint", "Entrypoint", "command", "Command", "Cmd", "cmd", "argv", "args", "Args"}) {
      const Node* v = Get(map, key);
      if (!v || v->kind != Node::kSeq || v->items.empty()) continue;
      bool words = true;
      for (int item : v->items) words = words && n_[item].kind == Node::kScalar;
      if (words) seqs.push_back(v);
    }
    if (seqs.empty() || commented_) return;
    const Scalar* line = JoinArgv(seqs);
    if (line->value.empty() || Handled(line)) return;
    EmbedLines({line}, "argv/command.sh");
  }

  // Kubernetes ConfigMap/Secret data: a block value named like a file is that file.
  void ConfigMapData(int map) {
    std::string kind = GetScalar(map, "kind");
    if (kind != "ConfigMap" && kind != "Secret") return;
    for (const char* key : {"data", "stringData"}) {
      const Node* data = Get(map, key);
      if (!data || data->kind != Node::kMap) continue;
      for (auto [k, v] : data->entries) {
        if (n_[v].kind != Node::kScalar || !n_[v].scalar.block) continue;
        std::string name = n_[k].scalar.value;
        if (name.find('.') == npos) name += ".yaml";  // Helm values and the like
        Embed(n_[v].scalar, "configmap/" + name);
      }
    }
  }

  // A string holding a whole document: user data, a script.
  void ScalarDocument(std::string_view key, const Scalar& s) {
    if (s.value.starts_with("#cloud-config") || s.value.starts_with("## template: jinja\n#cloud-config")) {
      Embed(s, "user-data");
    } else if (IsPowerShellUserData(s.value)) {
      Embed(s, "yaml/user-data.sh");  // the shell reader reads its <powershell> blocks
    } else if (s.block && (key == "run" || key == "script" || key == "inline" || key == "shell" ||
                           key == "cmd" || key == "command")) {
      Embed(s, std::string("yaml/") + std::string(key) + ".sh");
    }
  }

  std::string_view t_;
  mutable LineStartCursor line_starts_{t_};  // the lines of facts, asked in order
  std::array<std::string_view, 64> names_{};  // recent key paths in doc_->storage, by hash (Name)
  Document* doc_;
  NodeTable& n_;
  bool commented_;
  std::vector<const Scalar*> handled_;
  std::deque<Scalar> temps_;  // scalars built here (free-form arguments, argv lists)
};

// The document with only its comment lines' contents: "#   - host" -> "    - host"; every other
// line blanked, offsets unchanged.
std::string CommentedView(std::string_view text, const std::vector<std::pair<size_t, size_t>>& skip,
                          bool* any) {
  std::string v(text);
  *any = false;
  size_t pos = 0;
  size_t sk = 0;
  while (pos < v.size()) {
    size_t e = v.find('\n', pos);
    if (e == npos) e = v.size();
    while (sk < skip.size() && skip[sk].second <= pos) ++sk;
    bool inside = sk < skip.size() && skip[sk].first < pos && pos < skip[sk].second;
    size_t i = pos;
    while (i < e && IsSpace(v[i])) ++i;
    bool comment = !inside && i < e && v[i] == '#' && !(i + 1 < e && v[i + 1] == '!') &&
                   !(i == 0 && pos == 0 && std::string_view(v).substr(i, 13) == "#cloud-config");
    if (comment) {
      *any = true;
      while (i < e && v[i] == '#') v[i++] = ' ';
    } else {
      for (size_t k = pos; k < e; ++k) v[k] = ' ';
    }
    pos = e + 1;
  }
  return v;
}

// MIME multipart user data (cloud-init): each text/cloud-config part is a cloud-config, each
// text/x-shellscript part a script; base64 parts are decoded (opaque).
bool ReadMime(std::string_view text, Document* out) {
  std::string_view head = text.substr(0, 2048);
  size_t ct = head.find("Content-Type: multipart/");
  if (ct == npos || (ct != 0 && head[ct - 1] != '\n')) return false;
  size_t b = head.find("boundary=", ct);
  if (b == npos) return true;
  b += 9;
  bool quoted = b < head.size() && head[b] == '"';
  if (quoted) ++b;
  size_t be = b;
  while (be < head.size() && head[be] != '"' && head[be] != '\n' && head[be] != '\r' && head[be] != ';') ++be;
  std::string delim = "--" + std::string(head.substr(b, be - b));
  size_t pos = text.find(delim);
  while (pos != npos) {
    size_t part = text.find('\n', pos);
    if (part == npos || text.substr(pos + delim.size(), 2) == "--") break;
    ++part;
    size_t body = text.find("\n\n", part);
    size_t body_crlf = text.find("\r\n\r\n", part);
    size_t next = text.find(delim, part);
    if (body == npos || (body_crlf != npos && body_crlf < body)) body = body_crlf == npos ? npos : body_crlf + 2;
    if (body == npos || (next != npos && body > next)) break;
    std::string headers(text.substr(part, body - part));
    std::transform(headers.begin(), headers.end(), headers.begin(), ::tolower);
    body += 2;
    size_t end = next == npos ? text.size() : next;
    std::string path;
    if (headers.find("text/cloud-config") != npos || headers.find("text/jinja2") != npos) path = "user-data";
    else if (headers.find("text/x-shellscript") != npos || headers.find("text/cloud-boothook") != npos)
      path = "mime/part.sh";
    if (!path.empty() && end > body) {
      EmbeddedDocument e;
      e.path = path;
      e.outer_offset = body;
      e.outer_length = end - body;
      if (headers.find("content-transfer-encoding: base64") != npos) {
        if (!DecodeBase64(text.substr(body, end - body), &e.text))
          out->diagnostics.push_back({body, "MIME part is not valid base64"});
        std::string unzipped;
        GunzipStatus inflated = Gunzip(e.text, &unzipped);
        if (inflated == GunzipStatus::kTooLarge)
          out->diagnostics.push_back(
              {body, "MIME part decompresses to more than " +
                         std::to_string(kMaxDecodedBytes >> 20) + " MiB: only the first " +
                         std::to_string(kMaxDecodedBytes >> 20) + " MiB were read"});
        if (inflated == GunzipStatus::kCorrupt && !unzipped.empty())
          out->diagnostics.push_back({body,
                                      "MIME part is not valid gzip: only the part before "
                                      "the damage was read"});
        if (inflated != GunzipStatus::kNotGzip && !unzipped.empty()) e.text = std::move(unzipped);
      } else {
        e.text = std::string(text.substr(body, end - body));
        e.line_map = {{0, body}};
      }
      if (!e.text.empty()) out->embedded.push_back(std::move(e));
    }
    pos = next;
  }
  return true;
}

void Read(std::string_view text, Document* out, bool json) {
  if (!json && ReadMime(text, out)) return;
  bool cloud_config = false;
  {
    std::string_view head = text.substr(0, 200);
    size_t at = head.find("#cloud-config");
    cloud_config = at != npos && (at == 0 || head[at - 1] == '\n');
  }
  Parser parser(text, false);
  std::vector<int> roots = parser.ParseAll();
  for (Diagnostic& d : parser.diagnostics_) out->diagnostics.push_back(std::move(d));
  Emitter emitter(text, out, parser.nodes(), false);
  // About one fact a scalar: grown by doubling, a large document's facts were held twice.
  size_t scalars = 0;
  for (size_t i = 0; i < parser.nodes().size(); ++i)
    scalars += parser.nodes()[i].kind == Node::kScalar;
  if (size_t need = out->facts.size() + scalars; need > out->facts.capacity())
    out->facts.reserve(std::max(need, 2 * out->facts.capacity()));
  for (int r : roots) {
    emitter.Walk(r, "");
    emitter.Interpret(r, cloud_config);
  }
  for (auto& e : emitter.embedded) out->embedded.push_back(std::move(e));
  if (json) return;
  // Commented-out YAML: read as YAML too, each fragment under the key it sits in.
  // Lines inside block and multi-line quoted scalars are content, not comments.
  std::vector<std::pair<size_t, size_t>> skip;
  for (size_t i = 0; i < parser.nodes().size(); ++i)
    if (const Node& n = parser.nodes()[i];
        n.kind == Node::kScalar && n.scalar.end > n.scalar.begin &&
        (n.scalar.block ||
         text.substr(n.scalar.begin, n.scalar.end - n.scalar.begin).find('\n') != npos))
      skip.emplace_back(n.scalar.begin, n.scalar.end);
  std::sort(skip.begin(), skip.end());
  bool any = false;
  std::string view = CommentedView(text, skip, &any);
  if (!any) return;
  std::string_view stored = out->Keep(std::move(view));
  Parser cparser(stored, true);
  std::vector<int> croots = cparser.ParseAll();
  // The enclosing key of a commented fragment: the innermost real key, still open at the
  // fragment, whose value is a block indented less than the fragment ("servers:" for
  // "#  - 10.0.0.1" under it).
  struct Event {
    size_t offset;
    int col;
    std::string path;  // non-empty: a key whose value is a block (a container)
    Node::Kind kind = Node::kNull;  // what the container holds
  };
  std::vector<Event> events;
  {
    NodeTable& nodes = parser.nodes();
    std::function<void(int, const std::string&)> rec = [&](int id, const std::string& path) {
      const Node& n = nodes[id];
      if (n.kind == Node::kMap) {
        for (auto [k, v] : n.entries) {
          std::string key = nodes[k].scalar.value;
          if (key.find('.') != npos) key = "\"" + key + "\"";
          std::string child = path.empty() ? key : path + "." + key;
          if (nodes[v].kind != Node::kScalar) {
            size_t b = nodes[k].begin;
            size_t ls = text.rfind('\n', b == 0 ? 0 : b - 1);
            ls = ls == npos || b == 0 ? 0 : ls + 1;
            events.push_back({b, static_cast<int>(b - ls), child, nodes[v].kind});
          }
          rec(v, child);
        }
      } else if (n.kind == Node::kSeq) {
        for (int it : n.items) rec(it, path + "[]");
      }
    };
    for (int r : roots) rec(r, "");
    // Every real content line closes the containers at or right of its column.
    size_t pos = 0;
    while (pos < text.size()) {
      size_t e = text.find('\n', pos);
      if (e == npos) e = text.size();
      std::string_view line = text.substr(pos, e - pos);
      if (!IsBlankOrComment(line)) {
        size_t i = 0;
        while (i < line.size() && IsSpace(line[i])) ++i;
        events.push_back({pos + i, static_cast<int>(i), ""});
      }
      pos = e + 1;
    }
    std::stable_sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
      return a.offset < b.offset || (a.offset == b.offset && a.path.empty() && !b.path.empty());
    });
  }
  Emitter cemitter(stored, out, cparser.nodes(), true);
  std::vector<const Event*> open;  // open containers, outermost first
  size_t ev = 0;
  for (int r : croots) {
    size_t b = cparser.nodes()[r].begin;
    for (; ev < events.size() && events[ev].offset < b; ++ev) {
      const Event& e = events[ev];
      while (!open.empty() && open.back()->col >= e.col) open.pop_back();
      if (!e.path.empty()) open.push_back(&e);
    }
    size_t ls = stored.rfind('\n', b == 0 ? 0 : b - 1);
    ls = ls == npos || b == 0 ? 0 : ls + 1;
    int col = static_cast<int>(b - ls);
    // A commented sequence item belongs in a container of items, a commented key in one of
    // keys: "# ntp_servers:" after "ntp_restrict: [...]" is not inside it.
    Node::Kind kind = cparser.nodes()[r].kind;
    std::string base;
    for (auto it = open.rbegin(); it != open.rend(); ++it)
      if ((*it)->col < col && ((*it)->kind == kind || (*it)->kind == Node::kNull)) {
        base = (*it)->path;
        break;
      }
    cemitter.Walk(r, base);
  }
  // Facts of the commented view view `stored`; tokens keep the offsets of the real document.
  for (Fact& f : out->facts) {
    if (!f.commented) continue;
    for (Token& t : f.args)
      if (t.verbatim() && t.text.data() >= stored.data() && t.text.data() < stored.data() + stored.size())
        t.text = text.substr(t.offset, t.text.size());
  }
}

}  // namespace

void ReadYaml(std::string_view text, Document* out) { Read(text, out, false); }

void ReadJson(std::string_view text, Document* out) {
  // JSON with comments (Kea, VS Code): // and /* */ outside strings become spaces.
  std::string clean(text);
  bool changed = false;
  for (size_t i = 0; i < clean.size(); ++i) {
    char c = clean[i];
    if (c == '"') {
      for (++i; i < clean.size() && clean[i] != '"' && clean[i] != '\n'; ++i)
        if (clean[i] == '\\') ++i;
    } else if (c == '/' && i + 1 < clean.size() && clean[i + 1] == '/') {
      for (; i < clean.size() && clean[i] != '\n'; ++i) clean[i] = ' ';
      changed = true;
    } else if (c == '/' && i + 1 < clean.size() && clean[i + 1] == '*') {
      size_t e = clean.find("*/", i + 2);
      e = e == npos ? clean.size() : e + 2;
      for (; i < e; ++i)
        if (clean[i] != '\n') clean[i] = ' ';
      --i;
      changed = true;
    }
  }
  if (!changed) return Read(text, out, true);
  std::string_view stored = out->Keep(std::move(clean));
  Read(stored, out, true);
  for (Fact& f : out->facts)
    for (Token& t : f.args)
      if (t.verbatim() && t.text.data() >= stored.data() && t.text.data() < stored.data() + stored.size())
        t.text = text.substr(t.offset, t.text.size());
}

}  // namespace ntpsweep::syntax
