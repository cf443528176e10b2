// YAML and JSON documents as facts with exact offsets. A tolerant reader of the YAML that
// configuration management writes (block and flow collections, quoted, plain and block scalars,
// comments, several documents) that keeps reading past what it does not understand: template
// tags, broken indentation. JSON is read as YAML's flow subset, with // and /* */ comments.
//
// Facts: one per scalar, named by its key path: "ntp.servers[]" (a sequence item),
// "timesync_ntp_servers[].hostname", "chrony::pools{}" (a mapping key, for hashes whose keys are
// hosts), "env[NTP_SERVERS].value" (an item with a `name:` is indexed by it),
// "services.ntp.environment.NTP_SERVERS" (compose KEY=value items). Keys holding a '.' are
// written in double quotes. Arguments are the scalar's words. Commented-out YAML ("#  - host")
// is read too, as commented facts.
//
// Embedded documents: cloud-init write_files (b64/gzip decoded), runcmd/bootcmd, ntp.config
// template, #cloud-config strings, Ansible lineinfile/blockinfile/copy content/replace and
// shell/command tasks, Ignition/Butane files, ConfigMap data, Packer provisioners (JSON).
// Facts named "@install" [source, destination] record files installed from the repository
// (Ansible template/copy src, Packer file provisioners) for scan/linkage.
#pragma once

#include <string_view>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

void ReadYaml(std::string_view text, Document* out);
void ReadJson(std::string_view text, Document* out);

}  // namespace ntpsweep::syntax
