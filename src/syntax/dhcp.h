// DHCP servers that hand a time server to every client: ISC dhcpd and dnsmasq. (Kea is JSON;
// systemd-networkd [DHCPServer] is INI; Terraform aws_vpc_dhcp_options is HCL.)
#pragma once

#include <string_view>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

// ISC dhcpd.conf: statements ending in ';' in braces scopes. "option NAME values;" is a fact
// named NAME with section "option"; other statements are named by their first word. Commented
// statements are read too.
void ReadDhcpd(std::string_view text, Document* out);
// dnsmasq.conf: KEY[=VALUE] lines. dhcp-option / dhcp-option-force lines are facts named
// "dhcp-option:<option>" (numbers mapped to names: 42 -> ntp-server, option6:56 ->
// ntp-server6, 4 -> time-server), arguments the values after the option (tag:, set:, vendor:
// fields skipped). Other lines are facts named by their key.
void ReadDnsmasq(std::string_view text, Document* out);

}  // namespace ntpsweep::syntax
