// Linkage: a cross-file pass after every entry was analysed. A finding in a variable (an Ansible
// var, a Hiera key, a pillar, an HCL variable default, a shell variable) gets the places that
// render that variable into a time-daemon config as related locations: the template line
// `server {{ item }}` looping over ntp_servers, the sed that writes "server $NTP_IP". A finding
// in a file that a Dockerfile COPY, an Ansible template/copy task or a Packer file provisioner
// installs gets the installing line. Deterministic: candidates are ranked by path proximity,
// then path and line.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.h"
#include "host/prefilter.h"
#include "rules/rule.h"
#include "scan/analyze.h"
#include "scan/inventory.h"

namespace ntpsweep::scan {

class Linker {
 public:
  explicit Linker(const rules::RuleSet& rules);
  ~Linker();

  // What an entry must hold to be worth observing (the gate reports them in its pass).
  static const HintLiterals& Hints();
  // Records the consumers and installers of one entry that holds a hint. Thread-safe.
  // `needles`: a Sieve's, once the findings are known: only what can relate to one of them is
  // kept (the consumers of its variables, the installers of its file), so that what is kept
  // grows with what is linked, not with the files read.
  // `selection`: the rule selection a Screen of this text made (Screening::applies), if any.
  // `installs_only`: the text can relate a finding only by installing its file (Sieve::Reach),
  // so only the readers that can record an install are run.
  // Returns the syntaxes whose reader did not read the text (or a document in it) for its size,
  // with that size (SetMaxReaderBytes): what they would have found is not linked.
  std::vector<std::pair<std::string, size_t>> Observe(
      const Location& location, std::string_view path, std::string_view text,
      const std::vector<std::string>* needles = nullptr,
      const std::vector<char>* selection = nullptr, bool installs_only = false);
  // The readers' bound, as the Analyzer's (--max-reader-size).
  void SetMaxReaderBytes(size_t bytes) { collector_.SetMaxReaderBytes(bytes); }
  size_t max_reader_bytes() const { return collector_.max_reader_bytes(); }
  // Decides which entries read again at the end can relate to `findings`, on their text alone.
  // An install names a finding's file anywhere. A consumer reads a finding's variable in a
  // template span ({{ }}, {% %}, <% %>, ${ }, %{ }, $X, $(...)): readers take a fact's variables
  // only from such spans (syntax/template.h), and an embedded document's spans are spans of
  // the entry's text, except where the document was decoded (an encoding marker is in the
  // text) or is read by a syntax with bare expressions (HCL: its path, or a literal every such
  // path holds, is in the entry's path or text). So a variable's name outside every span
  // elsewhere cannot make a link: `spec:` in a manifest, `config` in prose.
  // A needle that begins and ends with a word byte counts only as a whole word: a reader's
  // variable is a whole identifier ($NTP_SERVER reads no NTP), an installer's source a whole last
  // path segment (ntp.conf is not chrony-ntp.conf); a name counts outside an `_` or letter.
  // A file's name counts only beside a word an install is written with (SyntaxInfo::
  // install_words: COPY, src, source), or an encoding marker; and, where the entry's location is
  // known, only where an install there could resolve to the finding's file (InstallReaches).
  class Sieve {
   public:
    Sieve(const Linker& linker, const std::vector<Finding>& findings);
    // Every literal an entry must hold to relate to a finding: the variables the findings
    // define, the names of their files (what an installer's source ends with); sorted, unique,
    // empty when no entry can relate to them.
    const std::vector<std::string>& needles() const { return needles_; }
    // How an entry may relate to a finding: not at all, only as the installer of a finding's file
    // (none of the variables is read where a reader could take it), or either way.
    enum class Reach { kNone, kInstalls, kAll };
    // How an entry of `path` holding `text` may relate to a finding. Thread-safe.
    // `location_of`: the entry's location, asked for only where an install alone can relate it
    // (most entries are turned away before); without it any finding's file of a name the text
    // holds counts.
    Reach Judge(std::string_view path, std::string_view text,
                const std::function<Location()>& location_of = nullptr) const;
    // Whether an entry of `path` holding `text` may relate to a finding. Thread-safe.
    bool Passes(std::string_view path, std::string_view text,
                const std::function<Location()>& location_of = nullptr) const {
      return Judge(path, text, location_of) != Reach::kNone;
    }

   private:
    const Linker& linker_;
    std::vector<std::string> needles_;
    std::unique_ptr<host::Prefilter> prefilter_;
    // The findings' files by name: file_names_[i] (the prefilter's tracked pattern i) is the last
    // segment of each chain in file_chains_[i] (distinct, sorted).
    std::vector<std::string> file_names_;
    std::vector<std::vector<std::vector<std::string>>> file_chains_;
  };

  // Whether an install recorded in an entry at `installer` (its text `text`) can name the file
  // of chain `file`, as Link matches them (InstalledPaths): the same outer chain, and the file
  // under the installer's directory (an Ansible task's: its role's parent), or else the text
  // holds every segment of the file's path (an absolute source), or a `..` and every segment
  // past those it shares with that directory, or a `\` (an escaped source).
  static bool InstallReaches(const Location& installer, const std::vector<std::string>& file,
                             std::string_view text);

  // `text` with every byte outside a template span (in either shell mode) blanked.
  static std::string ExpressionText(std::string_view text);

  // Adds RelatedLocation entries to the findings that define a consumed variable or sit in an
  // installed file. The findings are shared among `jobs` threads, each one's related locations
  // made from what was observed alone: the same whatever the threads.
  void Link(std::vector<Finding>* findings, unsigned jobs = 1) const;

  // The variable names a definition's key path stands for: "ntp_servers[]" -> ntp_servers;
  // "variable.ntp_server.default" -> ntp_server; "ntp.servers[]" -> ntp, ntp:servers;
  // "services.ntp.environment.NTP_SERVERS" -> NTP_SERVERS.
  // `block_head`: the first segment is an HCL declaration block's type (`variable`, `locals` in
  // a .tf or .pkr.hcl file), which names no variable: "variable.ntp_server.default" ->
  // ntp_server only.
  static std::vector<std::string> DefinedNames(std::string_view key_path, bool block_head = false);

  static constexpr size_t kMaxRelated = 3;

 private:
  struct Consumer {
    Location location;
    Span span;
    std::string rule_id;
    std::string directive;
    std::string host;
    std::string embedded_path;
    std::vector<std::string> variables;
  };
  // An install and the files it may name (InstalledPaths), resolved where it was observed (on
  // the observing threads, once), not again in Link.
  struct Installer {
    Install install;
    std::vector<std::string> paths;
  };
  // The names a finding of a variable rule defines (DefinedNames of its key path).
  std::vector<std::string> NamesOf(const Finding& finding) const;
  // One finding's needles (Sieve::needles): the names of the variable it defines, its file's name.
  void AddNeedles(const Finding& finding, std::vector<std::string>* names,
                  std::vector<std::string>* files) const;
  // Whether a syntax with bare expressions may read `path`, or a document embedded in it.
  bool MayReadBare(std::string_view path) const;

  const rules::RuleSet& rules_;
  SourceCollector collector_;
  // Literals (lower case) every path contains that a rule of a syntax with bare expressions
  // selects (SyntaxInfo::bare_expressions); `bare_anywhere_` when such a rule selects by content.
  std::vector<std::string> bare_literals_;
  // The same without those that hold another (.tfvars holds .tf): what MayReadBare looks for.
  std::vector<std::string> bare_path_literals_;
  bool bare_anywhere_ = false;
  // The words an install is written with (SyntaxInfo::install_words): without one, a file's name
  // is installed by nothing. A pass of their own, over the few texts that name a file (common
  // words, they slowed every text's pass by a fifth); the same for every scan, so made once.
  std::unique_ptr<host::Prefilter> install_words_;
  mutable std::mutex mu_;
  std::vector<Consumer> consumers_;
  std::vector<Installer> installs_;
};

}  // namespace ntpsweep::scan
