// `ntpsweep inventory` output: every time source of a scan, grouped by server (text table,
// JSON, CSV). Deterministic: servers sorted by key, references by location and line.
#pragma once

#include <ostream>

#include "core/inventory_result.h"

namespace ntpsweep::report {

void WriteInventoryText(std::ostream& out, const InventoryResult& result, bool color);
// The version of docs/schema/ntpsweep-inventory-N.schema.json that WriteInventoryJson follows.
inline constexpr int kJsonInventorySchemaVersion = 1;
void WriteInventoryJson(std::ostream& out, const InventoryResult& result);
void WriteInventoryCsv(std::ostream& out, const InventoryResult& result);

}  // namespace ntpsweep::report
