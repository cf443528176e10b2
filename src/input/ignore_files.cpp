#include "input/ignore_files.h"

#include "core/glob.h"

namespace ntpsweep::input {

std::vector<IgnorePattern> ParseIgnorePatterns(std::string_view text, const std::string& name) {
  std::vector<IgnorePattern> out;
  size_t line_no = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    // Trailing spaces go unless escaped with a backslash.
    while (!line.empty() && line.back() == ' ' &&
           !(line.size() >= 2 && line[line.size() - 2] == '\\'))
      line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    IgnorePattern p;
    p.source = name + ':' + std::to_string(line_no);
    if (line.front() == '!') {
      p.negate = true;
      line.remove_prefix(1);
    }
    if (!line.empty() && line.back() == '/') {
      p.dir_only = true;
      line.remove_suffix(1);
    }
    if (line.empty()) continue;
    std::string glob(line);
    // "\#x" and "\!x" at the start are literal; GlobMatch reads the backslash itself.
    // A '/' anywhere but at the end anchors the pattern to this file's directory.
    if (glob.find('/') != std::string::npos && glob.front() != '/') glob.insert(0, "/");
    p.glob = std::move(glob);
    out.push_back(std::move(p));
  }
  return out;
}

const IgnorePattern* MatchIgnore(const IgnoreLayer* layer, std::string_view rel, bool is_dir) {
  for (; layer; layer = layer->parent) {
    std::string path;
    if (!layer->prepend.empty()) {
      path = layer->prepend;
      path += rel;
    } else if (rel.starts_with(layer->strip)) {
      path = rel.substr(layer->strip.size());
    } else {
      continue;
    }
    for (auto it = layer->patterns.rbegin(); it != layer->patterns.rend(); ++it) {
      if (it->dir_only && !is_dir) continue;
      if (GlobMatch(it->glob, path)) return &*it;
    }
  }
  return nullptr;
}

}  // namespace ntpsweep::input
