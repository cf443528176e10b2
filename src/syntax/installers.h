// Installer answer files: kickstart (timesource, timezone --ntpservers; %post scripts are
// embedded shell), Debian preseed (d-i clock-setup/ntp-server; late_command is embedded
// shell), and XML (AutoYaST <ntp-client>, any XML as element paths).
#pragma once

#include <string_view>

#include "syntax/syntax.h"

namespace ntpsweep::syntax {

// Facts: commands with their words ("timezone", "timesource"); commented lines too.
void ReadKickstart(std::string_view text, Document* out);
// Facts: one per question, named by it ("clock-setup/ntp-server"), arguments the value words.
void ReadPreseed(std::string_view text, Document* out);
// Facts: element text named by the element path ("profile.ntp-client.ntp_servers.ntp_server.
// address"), attributes as "path.@name"; commented-out markup (<!-- -->) as commented facts.
void ReadXml(std::string_view text, Document* out);

}  // namespace ntpsweep::syntax
