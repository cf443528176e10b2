#include "scan/linkage.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <tuple>

#include "core/file.h"
#include "core/share.h"
#include "core/strings.h"
#include "rules/select.h"
#include "scan/analyze.h"
#include "syntax/syntax.h"
#include "syntax/template.h"

namespace ntpsweep::scan {
namespace {

// '.'-separated segments of a key path; "quoted.keys" stay one segment.
std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  std::string cur;
  bool quoted = false;
  for (char c : path) {
    if (c == '"') {
      quoted = !quoted;
      continue;
    }
    if (c == '.' && !quoted) {
      out.push_back(std::move(cur));
      cur.clear();
      continue;
    }
    cur += c;
  }
  out.push_back(std::move(cur));
  return out;
}

std::vector<std::string> PathParts(const Location& loc) {
  std::vector<std::string> parts;
  for (const std::string& level : loc.chain) {
    size_t start = 0;
    for (size_t i = 0; i <= level.size(); ++i)
      if (i == level.size() || level[i] == '/') {
        if (i > start) parts.push_back(level.substr(start, i - start));
        start = i + 1;
      }
  }
  return parts;
}

size_t CommonDirs(const Location& a, const Location& b) {
  std::vector<std::string> pa = PathParts(a), pb = PathParts(b);
  size_t n = 0;
  while (n + 1 < pa.size() && n + 1 < pb.size() && pa[n] == pb[n]) ++n;
  return n;
}

bool AllCaps(std::string_view s) {
  bool letter = false;
  for (char c : s) {
    if (std::islower(static_cast<unsigned char>(c))) return false;
    letter = letter || std::isupper(static_cast<unsigned char>(c));
  }
  return letter;
}

// A Puppet module's Hiera data (<module>/data/*.yaml) and its templates: the class
// parameter chrony::servers is $servers there.
bool InModule(const Location& definition, const Location& consumer) {
  if (definition.chain.size() != consumer.chain.size() || definition.chain.empty()) return false;
  const std::string& d = definition.chain.back();
  size_t at = std::string::npos;
  for (const char* dir : {"/data/", "/hieradata/"})
    if (size_t p = d.rfind(dir); p != std::string::npos) at = p + 1;
  if (at == std::string::npos && (d.starts_with("data/") || d.starts_with("hieradata/"))) at = 0;
  if (at == std::string::npos) return false;
  return consumer.chain.back().starts_with(d.substr(0, at));
}

// The files an installer may name: an absolute source under the root, a relative one in the
// directories it is looked up in (syntax::InstallSourceDirs).
std::vector<std::string> InstalledPaths(const Install& in) {
  std::vector<std::string> paths;
  if (in.location.chain.empty()) return paths;
  const std::string& installer = in.location.chain.back();
  size_t slash = installer.rfind('/');
  std::string_view dir =
      slash == std::string::npos ? "" : std::string_view(installer).substr(0, slash + 1);
  std::string_view src = in.source;
  while (src.starts_with("./")) src.remove_prefix(2);
  if (src.starts_with('/')) {
    paths.push_back(LexicallyNormal(src.substr(1)));
    return paths;
  }
  for (const std::string& d : syntax::InstallSourceDirs(dir))
    paths.push_back(LexicallyNormal(d + std::string(src)));
  return paths;
}

std::string Where(const Location& loc, const Span& span) {
  return loc.Render() + ":" + std::to_string(span.line);
}

}  // namespace

std::vector<std::string> Linker::DefinedNames(std::string_view key_path, bool block_head) {
  std::vector<std::string> segs = Segments(key_path);
  std::vector<std::string> names;
  std::vector<bool> indexed;
  std::vector<std::string> bare;
  for (const std::string& s : segs) {
    size_t br = s.find_first_of("[{");
    bare.push_back(s.substr(0, br));
    indexed.push_back(br != std::string::npos);
    // env[NTP_SERVERS].value: the item's name is the variable
    if (br != std::string::npos && s[br] == '[' && s.size() > br + 2) {
      std::string inner = s.substr(br + 1, s.find(']', br) - br - 1);
      if (!inner.empty()) names.push_back(inner);
    }
  }
  if (bare.empty() || bare[0].empty()) return names;
  if ((bare[0] == "variable" || bare[0] == "locals" || bare[0] == "local" || bare[0] == "variables") &&
      bare.size() >= 2)
    names.push_back(bare[1]);
  // A block's type is a keyword, and pillar keys are YAML's: neither is read as `variable`.
  if (!block_head) {
    names.push_back(bare[0]);
    // Salt pillar keys: ntp:servers, ntp:ng:settings:ntp_conf:server
    std::string joined = bare[0];
    for (size_t i = 1; i < bare.size() && !indexed[i - 1]; ++i) {
      joined += ":" + bare[i];
      names.push_back(joined);
    }
  }
  if (AllCaps(bare.back())) names.push_back(bare.back());
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

const HintLiterals& Linker::Hints() {
  // Only entries that can hold an expression or an installation are worth reading for linkage;
  // HCL reads variables and locals bare (`var.x`, `local.x`), with no other mark. The install
  // keys (`src`, `source`) are words, and an instruction (COPY, ADD) begins its line: as
  // literals anywhere (`add`, `copy`, `resource` in prose) they made 1,363 more of a root file
  // system's 6,784 texts candidates (4,167 against 2,804).
  static const HintLiterals kHints = {
      .anywhere = {"{{", "<%", "${", "%{", "$", "var.", "local."},
      .whole_words = {"src", "source"},
      .line_first = {"COPY", "ADD"},
  };
  return kHints;
}

std::vector<std::pair<std::string, size_t>> Linker::Observe(const Location& location,
                                                            std::string_view path,
                                                            std::string_view text,
                                                            const std::vector<std::string>* needles,
                                                            const std::vector<char>* selection,
                                                            bool installs_only) {
  // Only a source that reads a variable can be a consumer.
  EntrySources found = collector_.Collect(location, path, text, selection, true, installs_only);
  auto needed = [&](std::string_view name) {
    return !needles || std::binary_search(needles->begin(), needles->end(), name);
  };
  std::vector<Consumer> consumers;
  for (Source& s : found.sources) {
    if (!s.expression || s.variables.empty()) continue;
    // Link relates a consumer through one of its variables, by a finding's name for it.
    if (std::none_of(s.variables.begin(), s.variables.end(), needed)) continue;
    consumers.push_back(Consumer{s.location, s.span, s.rule_id, s.directive, s.host, s.embedded_path,
                                 std::move(s.variables)});
  }
  // ... and an install through one of its paths, a finding's file (whose name is a needle).
  std::vector<Installer> installers;
  for (Install& in : found.installs) {
    std::vector<std::string> paths = InstalledPaths(in);
    if (std::none_of(paths.begin(), paths.end(), [&](const std::string& p) {
          return needed(std::string_view(p).substr(p.rfind('/') + 1));
        }))
      continue;
    installers.push_back(Installer{std::move(in), std::move(paths)});
  }
  if (consumers.empty() && installers.empty()) return std::move(found.unread);
  std::lock_guard lock(mu_);
  for (Consumer& c : consumers) consumers_.push_back(std::move(c));
  for (Installer& i : installers) installs_.push_back(std::move(i));
  return std::move(found.unread);
}

namespace {
// A needle as the Sieve looks for it: a whole word where its ends are word bytes
// (host::IsWordByte), else the literal anywhere.
std::string WholeWord(std::string_view n) {
  return !n.empty() && host::IsWordByte(n.front()) && host::IsWordByte(n.back())
             ? host::WholeWordPattern(n)
             : host::QuoteLiteral(n);
}
}  // namespace

Linker::Linker(const rules::RuleSet& rules) : rules_(rules), collector_(rules) {
  for (const std::unique_ptr<rules::Rule>& rule : rules.rules()) {
    const syntax::SyntaxInfo* info =
        rule->type == rules::MatchType::kDirective ? syntax::FindSyntax(rule->syntax) : nullptr;
    if (!info || !info->bare_expressions) continue;
    bare_anywhere_ = bare_anywhere_ || rule->paths.empty() || rule->sniff || rule->content;
    for (const std::string& glob : rule->paths) {
      std::string literal = rules::RequiredLiteral(glob);
      bare_anywhere_ = bare_anywhere_ || literal.empty();
      bare_literals_.push_back(AsciiLowerCopy(literal));
    }
  }
  // A path needs any one of them: one that holds another (.tfvars, .auto.tfvars and .tf thrice
  // for .tf) adds nothing but a search. (The sieve's database keeps them all: without them its
  // Hyperscan pass over the rootfs's candidates took half as long again.)
  bare_path_literals_ = bare_literals_;
  std::erase(bare_path_literals_, "");
  std::sort(bare_path_literals_.begin(), bare_path_literals_.end(),
            [](const std::string& a, const std::string& b) {
              return a.size() != b.size() ? a.size() < b.size() : a < b;
            });
  std::vector<std::string> least;
  for (std::string& l : bare_path_literals_)
    if (std::none_of(least.begin(), least.end(),
                     [&](const std::string& k) { return l.find(k) != std::string::npos; }))
      least.push_back(std::move(l));
  bare_path_literals_ = std::move(least);
  // The words an install is written with, the same for every scan: compiled here, on the thread
  // that makes the linker beside the analyzer, not in the Sieve after the walk.
  std::vector<std::vector<std::string>> install_words(1);
  for (const syntax::SyntaxInfo& info : syntax::Syntaxes())
    for (std::string_view w : info.install_words) install_words[0].push_back(WholeWord(w));
  install_words_ = std::make_unique<host::Prefilter>(host::TargetSet(), install_words);
}

Linker::~Linker() = default;

std::vector<std::string> Linker::NamesOf(const Finding& f) const {
  const rules::Rule* rule = rules_.Find(f.rule_id);
  if (!rule || !rule->variable) return {};
  // A .tf or .pkr.hcl file holds only blocks at its top; a .tfvars file's keys are variables.
  bool block_head = false;
  if (rule->syntax == "hcl" && !f.location.chain.empty()) {
    std::string_view file = f.location.chain.back();
    std::string_view head = std::string_view(f.directive).substr(0, f.directive.find('.'));
    block_head = (file.ends_with(".tf") || file.ends_with(".pkr.hcl")) &&
                 (head == "variable" || head == "locals") && f.directive.size() > head.size();
  }
  return DefinedNames(f.directive, block_head);
}

void Linker::AddNeedles(const Finding& f, std::vector<std::string>* names,
                        std::vector<std::string>* files) const {
  for (const std::string& n : NamesOf(f)) {
    names->push_back(n);
    if (size_t c = n.rfind("::"); c != std::string::npos) names->push_back(n.substr(c + 2));
  }
  if (!f.location.chain.empty()) {
    const std::string& file = f.location.chain.back();
    files->push_back(file.substr(file.rfind('/') + 1));
  }
}

bool Linker::MayReadBare(std::string_view path) const {
  if (bare_anywhere_) return true;
  // Lowered into a buffer each thread reuses, not a string made per call (with the literals
  // that hold another gone, the synthetic bench's 40k calls went from 81.6M to 57.9M).
  thread_local std::string lower;
  lower.assign(path);
  for (char& c : lower) c = AsciiLower(c);
  const std::string_view view(lower);
  return std::any_of(bare_path_literals_.begin(), bare_path_literals_.end(),
                     [&](const std::string& l) { return view.find(l) != std::string_view::npos; });
}

std::string Linker::ExpressionText(std::string_view text) {
  std::string out(text.size(), ' ');
  for (bool shell : {false, true})
    for (const syntax::TemplateSpan& s : syntax::FindTemplateSpans(text, shell))
      out.replace(s.begin, s.end - s.begin, text.substr(s.begin, s.end - s.begin));
  return out;
}

namespace {
constexpr uint32_t kFileBit = 2, kNameBit = 4, kAnywhereBit = 8;  // the Sieve's groups
}  // namespace

Linker::Sieve::Sieve(const Linker& linker, const std::vector<Finding>& findings) : linker_(linker) {
  std::vector<std::string> names, files;
  for (const Finding& f : findings) linker.AddNeedles(f, &names, &files);
  needles_ = names;
  needles_.insert(needles_.end(), files.begin(), files.end());
  std::sort(needles_.begin(), needles_.end());
  needles_.erase(std::unique(needles_.begin(), needles_.end()), needles_.end());
  std::erase(needles_, "");
  if (needles_.empty()) return;
  std::vector<std::vector<std::string>> groups(3);
  for (const std::string& n : files)
    if (!n.empty()) groups[0].push_back(WholeWord(n));
  for (const std::string& n : names)
    if (!n.empty()) groups[1].push_back(WholeWord(n));
  // Where a variable's name counts outside spans too: decoded documents, bare expressions.
  // (In a database of their own, asked only where a needle is, they saved a tenth of the rootfs's
  // judging and cost a tenth more on the synthetic bench's small texts: a second call each.)
  groups[2] = EncodingMarkers();
  for (const std::string& l : linker.bare_literals_) groups[2].push_back(host::QuoteLiteral(l));
  // Each file name tracked apart: which ones a text holds says which findings' files an install
  // in it could name (asked only of the few texts an install alone can relate).
  std::vector<std::pair<std::string, std::vector<std::string>>> by_name;
  for (const Finding& f : findings)
    if (!f.location.chain.empty()) {
      const std::string& file = f.location.chain.back();
      by_name.emplace_back(file.substr(file.rfind('/') + 1), f.location.chain);
    }
  std::sort(by_name.begin(), by_name.end());
  by_name.erase(std::unique(by_name.begin(), by_name.end()), by_name.end());
  std::vector<std::string> tracked;
  for (auto& [name, chain] : by_name) {
    if (name.empty()) continue;
    if (file_names_.empty() || file_names_.back() != name) {
      file_names_.push_back(name);
      file_chains_.emplace_back();
      tracked.push_back(WholeWord(name));
    }
    file_chains_.back().push_back(std::move(chain));
  }
  prefilter_ = std::make_unique<host::Prefilter>(host::TargetSet(), groups, tracked);
}

bool Linker::InstallReaches(const Location& installer, const std::vector<std::string>& file,
                            std::string_view text) {
  const std::vector<std::string>& at = installer.chain;
  if (at.empty() || file.empty() || at.size() != file.size() ||
      !std::equal(at.begin(), at.end() - 1, file.begin()))
    return false;
  const std::string& path = file.back();
  // An escaped source (a YAML or HCL string's `\`) need not hold its segments as written.
  if (text.find('\\') != std::string_view::npos) return true;
  // A relative source resolves from the installer's directory, an Ansible task's also from its
  // role's templates/ and files/ (all three under the role's parent).
  const std::string& self = at.back();
  const size_t slash = self.rfind('/');
  std::string dir = slash == std::string::npos ? "" : self.substr(0, slash + 1);
  if (slash != std::string::npos && dir.ends_with("tasks/")) {
    std::string role = dir.substr(0, dir.size() - 6);
    dir = role.substr(0, role.rfind('/') + 1);  // npos + 1: no parent, ""
  }
  const std::string base = LexicallyNormal(dir);
  if (base.empty() || path == base || path.starts_with(base == "/" ? base : base + "/"))
    return true;
  // Elsewhere an absolute source names every segment of the path, and one climbing with `..` those
  // past the part it shares with that directory: resolving pops the directory's segments and
  // pushes the source's.
  auto segments = [](std::string_view p) {
    std::vector<std::string_view> out;
    for (size_t start = 0; start <= p.size();) {
      size_t end = std::min(p.find('/', start), p.size());
      if (std::string_view seg = p.substr(start, end - start); !seg.empty() && seg != ".")
        out.push_back(seg);
      start = end + 1;
    }
    return out;
  };
  const std::vector<std::string_view> want = segments(path), have = segments(base);
  size_t shared = 0;
  if (text.find("..") != std::string_view::npos)
    while (shared < want.size() && shared < have.size() && want[shared] == have[shared]) ++shared;
  for (size_t i = shared; i < want.size(); ++i)
    if (text.find(want[i]) == std::string_view::npos) return false;
  return true;
}

Linker::Sieve::Reach Linker::Sieve::Judge(std::string_view path, std::string_view text,
                                          const std::function<Location()>& location_of) const {
  if (!prefilter_) return Reach::kNone;
  uint32_t bits = prefilter_->Scan(text);
  if (bits & kNameBit) {
    if ((bits & kAnywhereBit) || linker_.MayReadBare(path)) return Reach::kAll;
    if (prefilter_->Scan(ExpressionText(text)) & kNameBit) return Reach::kAll;
  }
  if (!(bits & kFileBit)) return Reach::kNone;
  // A decoded document's installer words (and sources) are not in the text as written.
  if (bits & kAnywhereBit) return Reach::kInstalls;
  if (!linker_.install_words_->Scan(text)) return Reach::kNone;
  if (!location_of) return Reach::kInstalls;
  // Only where an install here could resolve to a finding's file of a name the text holds: a
  // README.md in a dpkg list names no README.md with a finding (the rootfs's 33 of 34 readings).
  std::vector<char> hits;
  prefilter_->ScanTracked(text, &hits);
  const Location location = location_of();
  for (size_t i = 0; i < hits.size() && i < file_chains_.size(); ++i)
    if (hits[i])
      for (const std::vector<std::string>& chain : file_chains_[i])
        if (InstallReaches(location, chain, text)) return Reach::kInstalls;
  return Reach::kNone;
}

void Linker::Link(std::vector<Finding>* findings, unsigned jobs) const {
  std::lock_guard lock(mu_);
  if (consumers_.empty() && installs_.empty()) return;
  // Observed from several threads: ordered here so that which installers are kept is stable.
  // (Pointers: a copy of every install doubled their memory at the scan's peak.)
  std::vector<const Installer*> sorted_installs;
  for (const Installer& in : installs_) sorted_installs.push_back(&in);
  std::sort(sorted_installs.begin(), sorted_installs.end(),
            [](const Installer* x, const Installer* y) {
              const Install &a = x->install, &b = y->install;
              return std::tie(a.location, a.span.line, a.span.column, a.source) <
                     std::tie(b.location, b.span.line, b.span.column, b.source);
            });
  // Of the files each installer may name, only those that are some finding's file.
  std::vector<std::string_view> finding_files;
  for (const Finding& f : *findings)
    if (!f.location.chain.empty()) finding_files.push_back(f.location.chain.back());
  std::sort(finding_files.begin(), finding_files.end());
  std::vector<std::vector<std::string_view>> targets(sorted_installs.size());
  for (size_t k = 0; k < sorted_installs.size(); ++k)
    for (const std::string& p : sorted_installs[k]->paths)
      if (std::binary_search(finding_files.begin(), finding_files.end(), std::string_view(p)))
        targets[k].push_back(p);
  // Whether `f` is `in`'s file `path`: the same outer chain, `path` as the last level.
  auto same_file = [](const Location& f, const Install& in, std::string_view path) {
    const std::vector<std::string>& a = f.chain;
    const std::vector<std::string>& b = in.location.chain;
    return a.back() == path && std::equal(a.begin(), a.end() - 1, b.begin());
  };
  // Each finding's related locations, made apart (on `jobs` threads), added in its order.
  std::vector<std::vector<RelatedLocation>> found(findings->size());
  Share(findings->size(), jobs, [&](size_t index) {
    const Finding& f = (*findings)[index];
    const rules::Rule* rule = rules_.Find(f.rule_id);
    std::vector<RelatedLocation>& related = found[index];
    if (rule && rule->variable) {
      std::vector<std::string> names = NamesOf(f);
      std::vector<std::string> short_names;  // chrony::servers -> servers, within one project
      for (const std::string& n : names)
        if (size_t c = n.rfind("::"); c != std::string::npos)
          short_names.push_back(n.substr(c + 2));
      struct Candidate {
        size_t proximity;
        const Consumer* consumer;
        std::string name;
      };
      std::vector<Candidate> candidates;
      for (const Consumer& c : consumers_) {
        if (c.location == f.location && c.span.line == f.span.line) continue;
        // The reader already related the definition to this line (its value's flow in the file).
        if (std::any_of(f.related.begin(), f.related.end(), [&](const RelatedLocation& r) {
              return r.location == c.location && r.span.line == c.span.line;
            }))
          continue;
        std::string hit;
        for (const std::string& v : c.variables) {
          if (std::find(names.begin(), names.end(), v) != names.end())
            hit = v;
          else if (InModule(f.location, c.location) &&
                   std::find(short_names.begin(), short_names.end(), v) != short_names.end())
            hit = v;
          if (!hit.empty()) break;
        }
        // Proximity only for a consumer that reads the variable (it splits both paths).
        if (!hit.empty()) candidates.push_back({CommonDirs(c.location, f.location), &c, hit});
      }
      // Only the nearest consumers: the role's own template, not another project's.
      size_t best = 0;
      for (const Candidate& c : candidates) best = std::max(best, c.proximity);
      std::erase_if(candidates, [&](const Candidate& c) { return c.proximity < best; });
      // Ties (two rules' sources on one span) by what the message says: not by the order the
      // threads observed them in.
      std::sort(candidates.begin(), candidates.end(), [](const Candidate& a, const Candidate& b) {
        const Consumer &x = *a.consumer, &y = *b.consumer;
        return std::tie(b.proximity, x.location, x.span.line, x.span.column, a.name, x.directive,
                        x.host, x.embedded_path, x.rule_id) <
               std::tie(a.proximity, y.location, y.span.line, y.span.column, b.name, y.directive,
                        y.host, y.embedded_path, y.rule_id);
      });
      for (size_t i = 0; i < candidates.size() && related.size() < kMaxRelated; ++i) {
        const Consumer& c = *candidates[i].consumer;
        // Where the rendered line lands, when it is a real destination ("/etc/chrony.conf").
        std::string into = c.embedded_path.starts_with("/") ? " into " + c.embedded_path : "";
        related.push_back(RelatedLocation{
            c.location, c.span,
            "`" + candidates[i].name + "` is rendered here by `" + c.directive + " " + c.host + "`" + into});
      }
    }
    // A file installed into an image or onto hosts by a Dockerfile, a task or a provisioner.
    for (size_t k = 0; k < sorted_installs.size(); ++k) {
      const Install& in = sorted_installs[k]->install;
      if (related.size() >= kMaxRelated + 2) break;
      if (in.location.chain.empty() || f.location.chain.size() != in.location.chain.size())
        continue;
      bool match = std::any_of(targets[k].begin(), targets[k].end(), [&](std::string_view path) {
        return same_file(f.location, in, path);
      });
      if (!match) continue;
      related.push_back(RelatedLocation{in.location, in.span,
                                        "installed as " + in.destination + " by " + Where(in.location, in.span)});
    }
  });
  for (size_t i = 0; i < findings->size(); ++i)
    for (RelatedLocation& r : found[i]) (*findings)[i].related.push_back(std::move(r));
}

}  // namespace ntpsweep::scan
