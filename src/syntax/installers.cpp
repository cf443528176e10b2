#include "syntax/installers.h"

#include <algorithm>
#include <cctype>

#include "syntax/lines.h"
#include "syntax/text.h"

#include "core/line_index.h"

namespace ntpsweep::syntax {
namespace {

constexpr size_t npos = std::string_view::npos;

size_t LineEnd(std::string_view t, size_t i) {
  size_t e = t.find('\n', i);
  return e == npos ? t.size() : e;
}

}  // namespace

void ReadKickstart(std::string_view text, Document* out) {
  // Sections (%post ... %end) are not commands: blank them for the line reader.
  std::string commands(text);
  size_t i = 0;
  while (i < text.size()) {
    size_t e = LineEnd(text, i);
    std::string_view line = Trim(text.substr(i, e - i));
    if (line.starts_with("%") && !line.starts_with("%end") && !line.starts_with("%include") &&
        !line.starts_with("%ksappend")) {
      bool script = line.starts_with("%post") || line.starts_with("%pre") ||
                    line.starts_with("%onerror") || line.starts_with("%traceback");
      bool shell = script && (line.find("--interpreter") == npos ||
                              line.find("/sh") != npos || line.find("bash") != npos);
      size_t body = e + 1, p = body, end = text.size();
      while (p < text.size()) {
        size_t le = LineEnd(text, p);
        if (Trim(text.substr(p, le - p)).starts_with("%end")) {
          end = p;
          break;
        }
        p = le + 1;
      }
      if (shell && body < end) EmbedRange(text, body, end, "kickstart/post.sh", out);
      size_t stop = std::min(p == text.size() ? text.size() : LineEnd(text, p), text.size());
      for (size_t k = i; k < stop; ++k)
        if (commands[k] != '\n') commands[k] = ' ';
      i = stop + 1;
      continue;
    }
    i = e + 1;
  }
  std::string_view stored = out->Keep(std::move(commands));
  out->facts = ReadLines(stored, LineSyntax{});
  for (Fact& f : out->facts) {
    f.name = text.substr(f.name_offset, f.name.size());
    for (Token& t : f.args)
      if (t.verbatim()) t.text = text.substr(t.offset, t.text.size());
  }
}

void ReadPreseed(std::string_view text, Document* out) {
  size_t i = 0;
  while (i < text.size()) {
    size_t e = LineEnd(text, i);
    // A trailing backslash continues the value on the next line.
    size_t end = e;
    while (end < text.size()) {
      size_t last = end;
      while (last > i && (text[last - 1] == ' ' || text[last - 1] == '\r')) --last;
      if (last == i || text[last - 1] != '\\') break;
      end = LineEnd(text, end + 1);
    }
    size_t s = i;
    while (s < end && IsSpace(text[s])) ++s;
    bool commented = s < end && text[s] == '#';
    while (s < end && (text[s] == '#' || IsSpace(text[s]))) ++s;
    std::vector<Token> words;
    Tokenize(text.substr(s, end - s), s, false, false, &words);
    std::erase_if(words, [](const Token& t) { return t.text == "\\"; });
    // owner question type value...
    if (words.size() >= 3 && words[1].text.find('/') != npos) {
      Fact f;
      f.name = words[1].text;
      f.name_offset = words[1].offset;
      f.line_offset = i;
      f.commented = commented;
      f.args.assign(words.begin() + 3, words.end());
      if (!commented && (f.name == "preseed/late_command" || f.name == "preseed/early_command" ||
                         f.name == "partman/early_command") &&
          words.size() > 3) {
        size_t b = words[3].offset;
        EmbedRange(text, b, end, "preseed/command.sh", out);
      }
      out->facts.push_back(std::move(f));
    }
    i = end + 1;
  }
}

namespace {

class Xml {
 public:
  Xml(std::string_view text, Document* out) : t_(text), out_(out) {}

  void Parse(size_t b, size_t e, std::vector<std::string> stack, bool commented) {
    size_t i = b;
    size_t too_deep = 0;  // elements open past kMaxNesting: counted, their text not read
    while (i < e) {
      if (t_[i] != '<') {
        size_t n = t_.find('<', i);
        if (n == npos || n > e) n = e;
        if (!too_deep) Text(i, n, stack, commented);
        i = n;
        continue;
      }
      if (t_.substr(i, 4) == "<!--") {
        size_t c = t_.find("-->", i + 4);
        if (c == npos || c > e) c = e;
        // Commented-out markup is read as commented facts (prose in comments names no element).
        if (!commented) Parse(i + 4, c, stack, true);
        i = c + 3;
        continue;
      }
      if (t_.substr(i, 9) == "<![CDATA[") {
        size_t c = t_.find("]]>", i + 9);
        if (c == npos || c > e) c = e;
        if (!too_deep) Text(i + 9, c, stack, commented);
        i = c + 3;
        continue;
      }
      size_t close = t_.find('>', i);
      if (close == npos || close > e) break;
      std::string_view tag = t_.substr(i + 1, close - i - 1);
      i = close + 1;
      if (tag.empty() || tag[0] == '?' || tag[0] == '!') continue;
      if (tag[0] == '/') {
        if (too_deep)
          --too_deep;
        else if (!stack.empty())
          stack.pop_back();
        continue;
      }
      bool self = tag.back() == '/';
      if (stack.size() >= static_cast<size_t>(kMaxNesting)) {
        if (!self) ++too_deep;
        if (!deep_reported_ && !commented)
          out_->diagnostics.push_back({i - tag.size() - 2, NestingDiagnostic("XML elements")});
        deep_reported_ = true;
        continue;
      }
      size_t ne = 0;
      while (ne < tag.size() && !IsSpace(tag[ne]) && tag[ne] != '/' && tag[ne] != '\n') ++ne;
      std::string name(tag.substr(0, ne));
      if (size_t colon = name.find(':'); colon != std::string::npos) name = name.substr(colon + 1);
      stack.push_back(name);
      if (self) stack.pop_back();
    }
  }

 private:
  void Text(size_t b, size_t e, const std::vector<std::string>& stack, bool commented) {
    if (stack.empty()) return;
    std::vector<Token> words;
    Tokenize(t_.substr(b, e - b), b, false, false, &words);
    if (words.empty()) return;
    std::string path;
    for (const std::string& s : stack) path += (path.empty() ? "" : ".") + s;
    Fact f;
    f.name = out_->Keep(path);
    f.name_offset = words.front().offset;
    f.line_offset = line_starts_(b);
    f.commented = commented;
    f.args = std::move(words);
    out_->facts.push_back(std::move(f));
  }

  std::string_view t_;
  mutable LineStartCursor line_starts_{t_};  // the lines of facts, asked in order
  Document* out_;
  bool deep_reported_ = false;
};

}  // namespace

void ReadXml(std::string_view text, Document* out) { Xml(text, out).Parse(0, text.size(), {}, false); }

}  // namespace ntpsweep::syntax
