// POSIX shell (scripts, Dockerfile RUN, Packer inline, cloud-init runcmd, kickstart %post, cron
// lines): simple commands with quoting, line continuations, pipelines, redirections and
// heredocs.
//
// Facts: one per command, named by the command's base name ("ntpdate", "timedatectl", "w32tm";
// "busybox ntpd" is "busybox-ntpd"), arguments its words (quotes removed); one per assignment
// (NAME=value, export/local/readonly, make's NAME ?= value), named by the variable. An
// assignment whose value reaches a time source -- a time command's argument or a write into a
// time-daemon config reads the variable, directly or through others (A=$B, A=${B:-H}, a loop
// variable: `for N in $LIST`, PowerShell `foreach ($s in $ntp)`) -- has section "time" and
// Fact::time_read at that read. ${NAME:-H} as a value stands for H. An array's elements (bash
// NAME=(a b), PowerShell @(a, b)) and the rest of a cmd.exe `set NAME=a b` line are the value.
//
// Embedded documents: what a command writes into a file: `echo/printf ... > FILE`,
// `... | tee [-a] FILE`, `cat > FILE <<EOF` heredocs, `sed -i 's/re/REPLACEMENT/' FILE`
// (the replacement text, also a/i/c text), `chronyd -q 'server HOST iburst'` (chrony
// directives). FILE may be a variable set earlier in the script.
#pragma once

#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

void ReadShell(std::string_view text, Document* out);

// EC2 user data for Windows: the text starts with a <powershell> block (after blanks, perhaps
// after a <script> block). The shell reader embeds such blocks as PowerShell.
bool IsPowerShellUserData(std::string_view text);

// The lexing a script is written in; everything after lexing (commands, assignments, writes,
// flow) is shared. PowerShell: src/syntax/powershell.h.
enum class ShellDialect { kPosix, kPowerShell };
void ReadShellDialect(std::string_view text, ShellDialect dialect, Document* out);

// The variables `script` reads in a time-source position (as above), each with the offset of
// its first such read: what a Dockerfile's ENV/ARG reach through its RUN steps.
std::map<std::string, size_t> ShellTimeReads(std::string_view script);

// The variables a text reads ($NAME, ${NAME}, ${NAME:-default}, make's $(NAME)), each with the
// offset of its first reference.
std::map<std::string, size_t> ShellReferences(std::string_view text);

// A = $B: B's value reaches wherever A's does, through chains of any length. `reads` (a name ->
// the offset of its read; a map, whatever its order of names) gains every name the read ones
// read, each at the earliest read that reaches it; `each_read(name, add)` calls add(read name)
// for each name that `name`'s definitions read. From the earliest read on, each name is reached
// once: linear in the definitions, not one pass per link.
template <class Reads, class EachRead>
void SpreadReads(Reads* reads, EachRead&& each_read) {
  std::vector<std::pair<size_t, std::string>> direct;
  for (const auto& [name, at] : *reads) direct.emplace_back(at, name);
  std::sort(direct.begin(), direct.end());
  for (const auto& [at, name] : direct) {
    std::vector<std::string> pending{name};
    while (!pending.empty()) {
      const std::string next = std::move(pending.back());
      pending.pop_back();
      each_read(next, [&, at = at](const std::string& read) {
        if (reads->emplace(read, at).second) pending.push_back(read);
      });
    }
  }
}

// Base names of configuration files that time daemons read (chrony.conf, ntp.conf,
// timesyncd.conf, *.sources, step-tickers...). Used to decide which writes matter.
bool IsTimeConfigPath(std::string_view path);

}  // namespace ntpsweep::syntax
