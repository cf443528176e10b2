// `ntpsweep inventory` output: every time source of a scan, grouped by server (text table,
// JSON, CSV). Deterministic: servers sorted by key, references by location and line.
#pragma once

#include <ostream>

#include "scan/inventory.h"

namespace ntpsweep::report {

void WriteInventoryText(std::ostream& out, const scan::InventoryResult& result, bool color);
void WriteInventoryJson(std::ostream& out, const scan::InventoryResult& result);
void WriteInventoryCsv(std::ostream& out, const scan::InventoryResult& result);

}  // namespace ntpsweep::report
