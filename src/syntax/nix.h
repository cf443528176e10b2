// Nix expressions (NixOS modules, flakes, home-manager): attribute sets, let bindings, lists,
// strings and ''indented strings''.
//
// Facts are named by attribute path like YAML key paths: `networking.timeServers = [ "a" ];`
// gives "networking.timeServers[]", `services.chrony = { servers = [ ... ]; }` gives
// "services.chrony.servers[]", a let binding its own name. Function application and module
// helpers pass through (`lib.mkForce [ ... ]`, `mkIf cond { ... }`), so do function heads
// (`{ config, pkgs, ... }:`). A string's words are its arguments; escapes and interpolations
// keep their source spans. Commented-out bindings ("# networking.timeServers = [...];") are
// commented facts. The reader is tolerant: what it cannot read it skips to the next ';'.
#pragma once

#include <string_view>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

void ReadNix(std::string_view text, Document* out);

}  // namespace ntpsweep::syntax
