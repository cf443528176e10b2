// Dockerfile / Containerfile: instructions with line continuations and BuildKit heredocs.
//
// Facts: ENV and ARG variables, named by the variable (section "ENV"/"ARG"; "time" with
// Fact::time_read where a RUN/CMD/ENTRYPOINT step reads it in a time-source position, directly
// or through another variable: ENV CLOCK=${TS}), arguments the value words; every other instruction
// named by its keyword in upper case. RUN (shell form and heredocs), CMD and ENTRYPOINT are
// embedded shell scripts; COPY/ADD heredocs are embedded at their destination; COPY/ADD of files
// of the build context (not --from another stage or image) record "@install" [source,
// destination] facts.
#include "syntax/dockerfile.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "syntax/lines.h"
#include "syntax/shell.h"
#include "syntax/text.h"

namespace ntpsweep::syntax {
namespace {

constexpr size_t npos = std::string_view::npos;

struct Instruction {
  std::string keyword;  // upper case
  size_t keyword_offset = 0;
  size_t body = 0;      // offset of the first argument
  size_t end = 0;       // end of the logical line (before its newline), heredocs included
  size_t line_end = 0;  // end of the instruction's own text, before any heredoc body
  struct Heredoc {
    std::string delimiter;
    size_t body_begin = 0, body_end = 0;  // the body lines
  };
  std::vector<Heredoc> heredocs;
};

size_t LineEnd(std::string_view t, size_t i) {
  size_t e = t.find('\n', i);
  return e == npos ? t.size() : e;
}

std::vector<Instruction> Split(std::string_view t) {
  std::vector<Instruction> out;
  size_t i = 0;
  while (i < t.size()) {
    size_t e = LineEnd(t, i);
    size_t s = i;
    while (s < e && IsSpace(t[s])) ++s;
    if (s >= e || t[s] == '#') {
      i = e + 1;
      continue;
    }
    Instruction in;
    in.keyword_offset = s;
    size_t k = s;
    while (k < e && std::isalpha(static_cast<unsigned char>(t[k]))) ++k;
    in.keyword = std::string(t.substr(s, k - s));
    std::transform(in.keyword.begin(), in.keyword.end(), in.keyword.begin(), ::toupper);
    while (k < e && IsSpace(t[k])) ++k;
    in.body = k;
    // Continuation lines: a trailing backslash; comment lines inside are skipped by docker.
    size_t end = e;
    while (true) {
      size_t last = end;
      while (last > in.body && (t[last - 1] == ' ' || t[last - 1] == '\t' || t[last - 1] == '\r')) --last;
      if (last == 0 || t[last - 1] != '\\' || end >= t.size()) break;
      end = LineEnd(t, end + 1);
    }
    in.line_end = end;
    // Heredocs: <<EOF / <<-EOF / <<"EOF" in the instruction; bodies follow in order.
    std::string_view line = t.substr(in.body, end - in.body);
    size_t pos = end + 1;
    for (size_t h = line.find("<<"); h != npos; h = line.find("<<", h + 2)) {
      size_t d = h + 2;
      if (d < line.size() && line[d] == '-') ++d;
      bool quoted = d < line.size() && (line[d] == '"' || line[d] == '\'');
      if (quoted) ++d;
      size_t de = d;
      while (de < line.size() && (std::isalnum(static_cast<unsigned char>(line[de])) || line[de] == '_')) ++de;
      if (de == d) continue;
      Instruction::Heredoc doc;
      doc.delimiter = std::string(line.substr(d, de - d));
      doc.body_begin = std::min(pos, t.size());
      size_t p = doc.body_begin;
      while (p < t.size()) {
        size_t le = LineEnd(t, p);
        std::string_view l = Trim(t.substr(p, le - p));
        if (l == doc.delimiter) {
          doc.body_end = p;
          pos = le + 1;
          break;
        }
        p = le + 1;
        doc.body_end = std::min(p, t.size());
        pos = p;
      }
      in.heredocs.push_back(doc);
    }
    in.end = in.heredocs.empty() ? end : std::min(pos, t.size());
    // The next instruction follows the heredoc bodies (read before `in` is moved from).
    i = in.heredocs.empty() ? end + 1 : std::max(pos, end + 1);
    out.push_back(std::move(in));
  }
  return out;
}

// ["a", "b c"]: exec form, joined as a command line with its pieces mapped.
bool ExecForm(std::string_view t, size_t b, size_t e, Document* out, const char* path) {
  std::string_view body = Trim(t.substr(b, e - b));
  if (!body.starts_with("[")) return false;
  EmbeddedDocument d;
  d.path = path;
  size_t i = static_cast<size_t>(body.data() - t.data()) + 1;
  while (i < e) {
    size_t q = t.find('"', i);
    if (q == npos || q >= e) break;
    size_t qe = q + 1;
    while (qe < e && t[qe] != '"') qe += t[qe] == '\\' ? 2 : 1;
    if (!d.text.empty()) d.text += ' ';
    d.line_map.emplace_back(d.text.size(), q + 1);
    bool space = t.substr(q + 1, qe - q - 1).find(' ') != npos;
    if (space) {  // keep it one word for the shell reader
      d.text += '\'';
      d.line_map.back().first = d.text.size();
    }
    d.text += std::string(t.substr(q + 1, qe - q - 1));
    if (space) d.text += '\'';
    i = qe + 1;
  }
  if (d.text.empty()) return true;
  d.text += '\n';
  d.outer_offset = b;
  d.outer_length = e - b;
  out->embedded.push_back(std::move(d));
  return true;
}

// ENV and ARG whose value reaches a time source through the RUN, CMD and ENTRYPOINT scripts.
void MarkTimeVariables(Document* out) {
  std::map<std::string, size_t> reads;  // name -> offset of the read in this document
  for (const EmbeddedDocument& e : out->embedded) {
    if (!e.path.starts_with("dockerfile/")) continue;
    for (const auto& [name, at] : ShellTimeReads(e.text))
      reads.emplace(name, OuterOffset(e.line_map, at, e.outer_offset));
  }
  if (reads.empty()) return;
  auto is_variable = [](const Fact& f) { return f.section == "ENV" || f.section == "ARG"; };
  // ENV CLOCK=${TS}: TS reaches wherever CLOCK does.
  std::map<std::string, std::vector<const Fact*>> variables;
  for (const Fact& f : out->facts)
    if (is_variable(f)) variables[std::string(f.name)].push_back(&f);
  SpreadReads(&reads, [&](const std::string& name, auto&& add) {
    if (auto defs = variables.find(name); defs != variables.end())
      for (const Fact* f : defs->second)
        for (const Token& t : f->args)
          for (const auto& ref : ShellReferences(t.text)) add(ref.first);
  });
  for (Fact& f : out->facts)
    if (auto read = reads.find(std::string(f.name)); is_variable(f) && read != reads.end()) {
      f.section = "time";
      f.time_read = read->second;
    }
}

}  // namespace

void ReadDockerfile(std::string_view t, Document* out) {
  for (const Instruction& in : Split(t)) {
    const std::string& k = in.keyword;
    if (k == "ENV" || k == "ARG") {
      // ENV A=1 B="2 3" | ENV A 1 2 | ARG A=default
      std::vector<Token> words;
      Tokenize(t.substr(in.body, in.line_end - in.body), in.body, true, false, &words);
      std::string_view body = t.substr(in.body, in.line_end - in.body);
      bool legacy = k == "ENV" && body.find('=') == npos;
      if (legacy && !words.empty()) {
        Fact f;
        f.section = k == "ENV" ? "ENV" : "ARG";
        f.name = words[0].text;
        f.name_offset = words[0].offset;
        f.line_offset = in.keyword_offset;
        for (size_t i = 1; i < words.size(); ++i)
          if (words[i].text != "\\") f.args.push_back(words[i]);
        out->facts.push_back(std::move(f));
        continue;
      }
      // KEY=value pairs: a quoted value may hold spaces; it starts right after '='.
      size_t i = 0;
      while (i < body.size()) {
        while (i < body.size() && (IsSpace(body[i]) || body[i] == '\\' || body[i] == '\n')) ++i;
        size_t ks = i;
        while (i < body.size() && body[i] != '=' && !IsSpace(body[i]) && body[i] != '\n') ++i;
        if (i >= body.size() || body[i] != '=') {
          if (k == "ARG" && i > ks) {  // ARG NAME without default
            while (i < body.size() && !IsSpace(body[i])) ++i;
          }
          continue;
        }
        Fact f;
        f.section = k == "ENV" ? "ENV" : "ARG";
        f.name = body.substr(ks, i - ks);
        f.name_offset = in.body + ks;
        f.line_offset = in.keyword_offset;
        ++i;
        size_t vs = i, ve;
        if (i < body.size() && (body[i] == '"' || body[i] == '\'')) {
          char q = body[i];
          vs = i + 1;
          ve = body.find(q, vs);
          if (ve == npos) ve = body.size();
          i = ve + 1;
        } else {
          while (i < body.size() && !IsSpace(body[i]) && body[i] != '\n') ++i;
          ve = i;
        }
        Tokenize(body.substr(vs, ve - vs), in.body + vs, false, false, &f.args);
        out->facts.push_back(std::move(f));
      }
      continue;
    }
    Fact f;
    f.name = out->Keep(k);
    f.name_offset = in.keyword_offset;
    f.line_offset = in.keyword_offset;
    std::vector<Token> words;
    Tokenize(t.substr(in.body, in.line_end - in.body), in.body, true, false, &words);
    for (const Token& w : words)
      if (w.text != "\\") f.args.push_back(w);
    if (k == "RUN") {
      if (!in.heredocs.empty()) {
        // RUN <<EOF (a script) or RUN cat <<EOF > /etc/chrony.conf (a command with input).
        std::string_view head = Trim(t.substr(in.body, in.line_end - in.body));
        bool script_only = head.starts_with("<<");
        if (script_only)
          for (const auto& h : in.heredocs) EmbedRange(t, h.body_begin, h.body_end, "dockerfile/run.sh", out);
        else
          EmbedRange(t, in.body, in.end, "dockerfile/run.sh", out);
      } else if (!ExecForm(t, in.body, in.line_end, out, "dockerfile/run.sh")) {
        EmbedRange(t, in.body, in.line_end, "dockerfile/run.sh", out);
      }
    } else if (k == "CMD" || k == "ENTRYPOINT" || k == "HEALTHCHECK") {
      size_t b = in.body;
      if (k == "HEALTHCHECK") {
        size_t c = t.substr(b, in.line_end - b).find("CMD");
        if (c == npos) {
          out->facts.push_back(std::move(f));
          continue;
        }
        b += c + 3;
      }
      if (!ExecForm(t, b, in.line_end, out, "dockerfile/cmd.sh"))
        EmbedRange(t, b, in.line_end, "dockerfile/cmd.sh", out);
    } else if (k == "COPY" || k == "ADD") {
      std::vector<Token> paths;
      // --from=STAGE copies from another stage or image: its sources are not the context's.
      bool from_context = true;
      for (const Token& w : f.args)
        if (!w.text.starts_with("--"))
          paths.push_back(w);
        else if (w.text.starts_with("--from="))
          from_context = false;
      if (!in.heredocs.empty() && !paths.empty()) {
        // COPY <<EOF /etc/chrony.conf
        std::string dest(paths.back().text);
        for (const auto& h : in.heredocs) EmbedRange(t, h.body_begin, h.body_end, dest, out);
      } else if (paths.size() >= 2 && from_context) {
        std::string dest(paths.back().text);
        for (size_t i = 0; i + 1 < paths.size(); ++i) {
          std::string src(paths[i].text);
          std::string to = dest;
          if (to.ends_with("/")) {
            size_t slash = src.rfind('/');
            to += slash == std::string::npos ? src : src.substr(slash + 1);
          }
          Fact inst;
          inst.name = "@install";
          inst.name_offset = paths[i].offset;
          inst.line_offset = in.keyword_offset;
          inst.args.push_back(paths[i]);
          inst.args.push_back(Token{out->Keep(to), paths.back().offset, 1});
          out->facts.push_back(std::move(inst));
        }
      }
    }
    out->facts.push_back(std::move(f));
  }
  MarkTimeVariables(out);
}

}  // namespace ntpsweep::syntax
