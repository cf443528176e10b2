// TOML (Cargo-style config, Telegraf, containerd, Talos/Flatcar tooling, app settings).
//
// Read by toml++ (a real parser with source positions): facts are named by key path like YAML
// ones ("ntp.servers[]", "agent.time_server", "servers[].address"), dotted keys and [table]
// headers compose the path, a string's words are its arguments at their byte offsets. A
// commented-out "key = value" line ("# servers = [\"10.0.0.1\"]") is a commented fact under the
// table in effect. A document toml++ rejects is read line by line (headers, key = value on one
// line) after a diagnostic naming the place; a template (masked expressions) is read that way
// without one, since it is no TOML until rendered.
#pragma once

#include <string_view>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

void ReadToml(std::string_view text, Document* out);

}  // namespace ntpsweep::syntax
