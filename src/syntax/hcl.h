// HCL2 (Packer *.pkr.hcl, *.pkrvars.hcl, Terraform *.tf, *.tfvars): blocks, attributes, lists,
// objects, strings with ${...} interpolation, heredocs, comments (#, //, /* */).
//
// Facts are named by path like YAML ones: "variable.ntp_server.default",
// "source.amazon-ebs.al2.user_data", "build.provisioner.shell.inline[]", "ntp_servers[]" (a
// tfvars), "resource.aws_vpc_dhcp_options.main.ntp_servers[]". A string's words are its
// arguments; any other expression (var.x, join(...), a reference) is one opaque argument with
// the names it reads in Fact::variables. Commented-out HCL ("# ntp_servers = [...]") is read as
// commented facts.
//
// Embedded documents: heredocs and strings holding a cloud-config, Packer shell provisioner
// `inline` lists (a shell script), file provisioner `content` (at its destination). "@install"
// facts record file provisioners' source -> destination.
#pragma once

#include <string_view>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

void ReadHcl(std::string_view text, Document* out);

}  // namespace ntpsweep::syntax
