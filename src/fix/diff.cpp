// Unified diffs straight from the edits: the lines an edit touches are the changed lines, so no
// diff algorithm is needed and the hunks are exactly the edits.
#include <algorithm>
#include <sstream>

#include "core/line_index.h"
#include "fix/fix.h"

namespace ntpsweep::fix {
namespace {

constexpr uint32_t kContext = 3;

// Lines [first, last] of the old text that one or more edits replace.
struct Block {
  uint32_t first = 0;
  uint32_t last = 0;
  std::vector<const Edit*> edits;
};

// Writes `text` as diff lines with `mark`; a last line without '\n' gets git's marker.
void WriteLines(std::ostream& out, char mark, std::string_view text) {
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl == std::string_view::npos ? text.size() : nl + 1);
    out << mark << line;
    if (nl == std::string_view::npos) out << "\n\\ No newline at end of file\n";
    text.remove_prefix(line.size());
  }
}

// A diff name as git writes it: C-quoted when it holds a quote, a backslash, a control or a
// non-ASCII byte, so that a newline in a file name cannot end the header early.
std::string DiffName(std::string_view prefix, std::string_view path) {
  std::string name = std::string(prefix) + std::string(path);
  auto must_quote = [](unsigned char c) { return c < 0x20 || c == '"' || c == '\\' || c >= 0x7f; };
  if (std::none_of(name.begin(), name.end(), must_quote)) return name;
  static constexpr std::string_view kLetters = "\\a\\b\\t\\n\\v\\f\\r";
  std::string quoted = "\"";
  for (unsigned char c : name) {
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += static_cast<char>(c);
    } else if (c >= 7 && c <= 13) {
      quoted += kLetters.substr((c - 7) * 2, 2);
    } else if (must_quote(c)) {
      quoted += '\\';
      quoted += static_cast<char>('0' + (c >> 6));
      quoted += static_cast<char>('0' + ((c >> 3) & 7));
      quoted += static_cast<char>('0' + (c & 7));
    } else {
      quoted += static_cast<char>(c);
    }
  }
  return quoted + '"';
}

size_t CountLines(std::string_view text) {
  size_t n = std::count(text.begin(), text.end(), '\n');
  return n + (!text.empty() && text.back() != '\n' ? 1 : 0);
}

}  // namespace

void WriteUnifiedDiff(std::ostream& out, const FileChange& change, std::string_view path) {
  std::string_view t = change.before;
  LineIndex index(t);
  const uint32_t lines = static_cast<uint32_t>(CountLines(t));
  auto line_end = [&](uint32_t line) {  // offset after the line's '\n'
    return line < index.line_count() ? index.LineStart(line + 1) : t.size();
  };
  std::vector<Block> blocks;
  for (const Edit& e : change.edits) {
    uint32_t first = index.LineOf(e.offset);
    uint32_t last = e.length ? index.LineOf(e.offset + e.length - 1) : first;
    if (!blocks.empty() &&
        first <= blocks.back().last + 1) {  // the previous block's or the next line
      blocks.back().last = std::max(blocks.back().last, last);
      blocks.back().edits.push_back(&e);
      continue;
    }
    blocks.push_back({first, last, {&e}});
  }
  const std::string old_name = DiffName("a/", path), new_name = DiffName("b/", path);
  // git ends the ---/+++ names with a tab when they hold a space, for GNU patch.
  const char* tab = path.find(' ') != std::string_view::npos ? "\t" : "";
  out << "diff --git " << old_name << ' ' << new_name << "\n--- " << old_name << tab << "\n+++ "
      << new_name << tab << '\n';
  long delta = 0;  // new line number minus old line number so far
  for (size_t b = 0; b < blocks.size();) {
    // One hunk: blocks whose context overlaps.
    size_t end = b + 1;
    while (end < blocks.size() && blocks[end].first <= blocks[end - 1].last + 2 * kContext + 1)
      ++end;
    uint32_t from = blocks[b].first > kContext ? blocks[b].first - kContext : 1;
    uint32_t to = std::min(lines, blocks[end - 1].last + kContext);
    std::ostringstream hunk;
    size_t old_count = 0, new_count = 0;
    uint32_t line = from;
    for (size_t k = b; k < end; ++k) {
      const Block& block = blocks[k];
      for (; line < block.first; ++line) {
        WriteLines(hunk, ' ',
                   t.substr(index.LineStart(line), line_end(line) - index.LineStart(line)));
        ++old_count, ++new_count;
      }
      size_t begin = index.LineStart(block.first), finish = line_end(block.last);
      std::string after;
      size_t at = begin;
      for (const Edit* e : block.edits) {
        after.append(t.substr(at, e->offset - at));
        after += e->text;
        at = e->offset + e->length;
      }
      after.append(t.substr(at, finish - at));
      WriteLines(hunk, '-', t.substr(begin, finish - begin));
      WriteLines(hunk, '+', after);
      old_count += block.last - block.first + 1;
      new_count += CountLines(after);
      line = block.last + 1;
    }
    for (; line <= to; ++line) {
      WriteLines(hunk, ' ',
                 t.substr(index.LineStart(line), line_end(line) - index.LineStart(line)));
      ++old_count, ++new_count;
    }
    long new_from = static_cast<long>(from) + delta;
    out << "@@ -" << from << ',' << old_count << " +" << (new_count ? new_from : new_from - 1)
        << ',' << new_count << " @@\n"
        << hunk.str();
    delta += static_cast<long>(new_count) - static_cast<long>(old_count);
    b = end;
  }
}

}  // namespace ntpsweep::fix
