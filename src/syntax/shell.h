// POSIX shell (scripts, Dockerfile RUN, Packer inline, cloud-init runcmd, kickstart %post, cron
// lines): simple commands with quoting, line continuations, pipelines, redirections and
// heredocs.
//
// Facts: one per command, named by the command's base name ("ntpdate", "timedatectl", "w32tm";
// "busybox ntpd" is "busybox-ntpd"), arguments its words (quotes removed); one per assignment
// (NAME=value, export/local/readonly), named by the variable. An assignment whose variable a
// time command or a write into a time-daemon config reads has section "time".
//
// Embedded documents: what a command writes into a file: `echo/printf ... > FILE`,
// `... | tee [-a] FILE`, `cat > FILE <<EOF` heredocs, `sed -i 's/re/REPLACEMENT/' FILE`
// (the replacement text, also a/i/c text), `chronyd -q 'server HOST iburst'` (chrony
// directives). FILE may be a variable set earlier in the script.
#pragma once

#include <string_view>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

void ReadShell(std::string_view text, Document* out);

// Base names of configuration files that time daemons read (chrony.conf, ntp.conf,
// timesyncd.conf, *.sources, step-tickers...). Used to decide which writes matter.
bool IsTimeConfigPath(std::string_view path);

}  // namespace ntpsweep::syntax
