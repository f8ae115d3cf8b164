/**
 * @module cleanup
 * opsi's `cleanup_database`: removes orphans and converts legacy rows after every setup.
 */
import type { SqlExecutor } from "@opsi-ts/backend-sql";
import { quoteId } from "./internal/mysql-ddl.js";

/** Rows affected per cleanup step (only steps that changed something). */
export type CleanupReport = Record<string, number>;

/** The fixed cleanup steps: name → statement. Hardware steps are added per hardware class. */
const STEPS: ReadonlyArray<readonly [string, string]> = [
  ["group-empty-parent", "UPDATE `GROUP` SET `parentGroupId` = NULL WHERE `parentGroupId` = ''"],
  ["user-never-logged-in", "DELETE FROM `USER` WHERE `lastLogin` IS NULL"],
  [
    "config-value-orphans",
    "DELETE v FROM `CONFIG_VALUE` AS v LEFT JOIN `CONFIG` AS c ON c.`configId` = v.`configId` WHERE c.`configId` IS NULL",
  ],
  [
    "config-state-orphans",
    "DELETE s FROM `CONFIG_STATE` AS s LEFT JOIN `CONFIG` AS c ON c.`configId` = s.`configId`" +
      " LEFT JOIN `HOST` AS h ON h.`hostId` = s.`objectId` WHERE c.`configId` IS NULL OR h.`hostId` IS NULL",
  ],
  [
    "product-property-value-orphans",
    "DELETE v FROM `PRODUCT_PROPERTY_VALUE` AS v LEFT JOIN `PRODUCT_PROPERTY` AS p ON p.`productId` = v.`productId`" +
      " AND p.`productVersion` = v.`productVersion` AND p.`packageVersion` = v.`packageVersion` AND p.`propertyId` = v.`propertyId`" +
      " WHERE p.`productId` IS NULL",
  ],
  [
    "product-property-state-orphans",
    "DELETE s FROM `PRODUCT_PROPERTY_STATE` AS s LEFT JOIN `HOST` AS h ON h.`hostId` = s.`objectId`" +
      " WHERE h.`hostId` IS NULL OR NOT EXISTS (SELECT 1 FROM `PRODUCT` AS p WHERE p.`productId` = s.`productId`)",
  ],
  [
    "host-group-member-orphans",
    "DELETE o FROM `OBJECT_TO_GROUP` AS o LEFT JOIN `HOST` AS h ON h.`hostId` = o.`objectId`" +
      " WHERE o.`groupType` = 'HostGroup' AND h.`hostId` IS NULL",
  ],
  [
    "product-group-member-orphans",
    "DELETE o FROM `OBJECT_TO_GROUP` AS o WHERE o.`groupType` = 'ProductGroup'" +
      " AND NOT EXISTS (SELECT 1 FROM `PRODUCT` AS p WHERE p.`productId` = o.`objectId`)",
  ],
  [
    "object-to-group-orphans",
    "DELETE o FROM `OBJECT_TO_GROUP` AS o LEFT JOIN `GROUP` AS g ON g.`type` = o.`groupType` AND g.`groupId` = o.`groupId` WHERE g.`groupId` IS NULL",
  ],
  [
    "product-on-client-orphans",
    "DELETE c FROM `PRODUCT_ON_CLIENT` AS c LEFT JOIN `HOST` AS h ON h.`hostId` = c.`clientId`" +
      " WHERE h.`hostId` IS NULL OR NOT EXISTS (SELECT 1 FROM `PRODUCT` AS p WHERE p.`productId` = c.`productId`)",
  ],
  [
    "product-on-depot-orphans",
    "DELETE d FROM `PRODUCT_ON_DEPOT` AS d LEFT JOIN `HOST` AS h ON h.`hostId` = d.`depotId`" +
      " LEFT JOIN `PRODUCT` AS p ON p.`productId` = d.`productId` AND p.`productVersion` = d.`productVersion` AND p.`packageVersion` = d.`packageVersion`" +
      " WHERE h.`hostId` IS NULL OR p.`productId` IS NULL",
  ],
  [
    "windows-software-id-orphans",
    "DELETE w FROM `WINDOWS_SOFTWARE_ID_TO_PRODUCT` AS w WHERE NOT EXISTS (SELECT 1 FROM `PRODUCT` AS p WHERE p.`productId` = w.`productId`)",
  ],
  [
    "license-on-client-orphans",
    "DELETE l FROM `LICENSE_ON_CLIENT` AS l LEFT JOIN `HOST` AS h ON h.`hostId` = l.`clientId` WHERE h.`hostId` IS NULL",
  ],
  [
    "product-id-to-license-pool-orphans",
    "DELETE x FROM `PRODUCT_ID_TO_LICENSE_POOL` AS x LEFT JOIN `LICENSE_POOL` AS p ON p.`licensePoolId` = x.`licensePoolId` WHERE p.`licensePoolId` IS NULL",
  ],
  [
    "software-config-orphans",
    "DELETE s FROM `SOFTWARE_CONFIG` AS s LEFT JOIN `HOST` AS h ON h.`hostId` = s.`clientId` WHERE h.`hostId` IS NULL",
  ],
  ["config-state-null-values", "DELETE FROM `CONFIG_STATE` WHERE `values` = '[null]'"],
  [
    "config-to-bool-config",
    "UPDATE `CONFIG` AS c SET c.`type` = 'BoolConfig' WHERE c.`type` = 'Config' AND c.`editable` = 0 AND c.`multiValue` = 0" +
      " AND EXISTS (SELECT 1 FROM `CONFIG_VALUE` AS v WHERE v.`configId` = c.`configId`)" +
      " AND NOT EXISTS (SELECT 1 FROM `CONFIG_VALUE` AS v WHERE v.`configId` = c.`configId` AND (v.`value` IS NULL OR v.`value` NOT IN ('0', '1')))",
  ],
  ["config-to-unicode-config", "UPDATE `CONFIG` SET `type` = 'UnicodeConfig' WHERE `type` = 'Config'"],
  [
    "product-property-to-bool",
    "UPDATE `PRODUCT_PROPERTY` AS p SET p.`type` = 'BoolProductProperty'" +
      " WHERE p.`type` = 'ProductProperty' AND p.`editable` = 0 AND p.`multiValue` = 0" +
      " AND EXISTS (SELECT 1 FROM `PRODUCT_PROPERTY_VALUE` AS v WHERE v.`productId` = p.`productId` AND v.`productVersion` = p.`productVersion`" +
      " AND v.`packageVersion` = p.`packageVersion` AND v.`propertyId` = p.`propertyId`)" +
      " AND NOT EXISTS (SELECT 1 FROM `PRODUCT_PROPERTY_VALUE` AS v WHERE v.`productId` = p.`productId` AND v.`productVersion` = p.`productVersion`" +
      " AND v.`packageVersion` = p.`packageVersion` AND v.`propertyId` = p.`propertyId` AND (v.`value` IS NULL OR v.`value` NOT IN ('0', '1')))",
  ],
  ["product-property-to-unicode", "UPDATE `PRODUCT_PROPERTY` SET `type` = 'UnicodeProductProperty' WHERE `type` = 'ProductProperty'"],
  [
    // installed products without version: take the version the client's depot has (config server if unassigned)
    "product-on-client-missing-versions",
    "UPDATE `PRODUCT_ON_CLIENT` AS poc JOIN (" +
      "SELECT m.`clientId`, m.`productId`, COALESCE(" +
      "(SELECT SUBSTRING_INDEX(SUBSTRING_INDEX(cs.`values`, '\"', 2), '\"', -1) FROM `CONFIG_STATE` AS cs" +
      " WHERE cs.`configId` = 'clientconfig.depot.id' AND cs.`objectId` = m.`clientId` LIMIT 1)," +
      " (SELECT h.`hostId` FROM `HOST` AS h WHERE h.`type` = 'OpsiConfigserver' ORDER BY h.`hostId` LIMIT 1)) AS `depotId`" +
      " FROM `PRODUCT_ON_CLIENT` AS m WHERE m.`installationStatus` = 'installed'" +
      " AND (m.`productVersion` IS NULL OR m.`packageVersion` IS NULL OR m.`productVersion` = '' OR m.`packageVersion` = '')" +
      " LIMIT 18446744073709551615" +
      ") AS miss ON miss.`clientId` = poc.`clientId` AND miss.`productId` = poc.`productId`" +
      " JOIN `PRODUCT_ON_DEPOT` AS pod ON pod.`depotId` = miss.`depotId` AND pod.`productId` = miss.`productId`" +
      " SET poc.`productVersion` = pod.`productVersion`, poc.`packageVersion` = pod.`packageVersion`, poc.`modificationTime` = poc.`modificationTime`",
  ],
  [
    "depot-id-states-without-depot",
    "DELETE FROM `CONFIG_STATE` WHERE `configId` = 'clientconfig.depot.id' AND `values` NOT IN" +
      " (SELECT CONCAT('[\"', h.`hostId`, '\"]') FROM `HOST` AS h WHERE h.`type` IN ('OpsiConfigserver', 'OpsiDepotserver'))",
  ],
];

/** The hardware classes that have both a device and a config table. */
async function hardwareClasses(db: SqlExecutor): Promise<string[]> {
  const rows = await db.query(
    "SELECT `TABLE_NAME` AS t FROM `information_schema`.`TABLES` WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` LIKE 'HARDWARE\\_DEVICE\\_%'",
  );
  const all = await db.query(
    "SELECT `TABLE_NAME` AS t FROM `information_schema`.`TABLES` WHERE `TABLE_SCHEMA` = DATABASE() AND `TABLE_NAME` LIKE 'HARDWARE\\_CONFIG\\_%'",
  );
  const configs = new Set(all.map((r) => String(r.t).toUpperCase()));
  return rows
    .map((r) => String(r.t).slice("HARDWARE_DEVICE_".length))
    .filter((cls) => configs.has(`HARDWARE_CONFIG_${cls}`.toUpperCase()))
    .sort();
}

/**
 * Runs opsi's cleanup: empty parentGroupId → NULL, USER rows that never logged in, orphans of all
 * relation and hardware tables, ConfigStates with `[null]` values, legacy `Config`/`ProductProperty`
 * types → BoolConfig / UnicodeConfig (and the ProductProperty equivalents), missing POC versions from the depot, `clientconfig.depot.id` states that
 * point to non-existent depots. Idempotent.
 * @example const report = await cleanupDatabase(driver); // { "config-state-orphans": 3 }
 */
export async function cleanupDatabase(db: SqlExecutor): Promise<CleanupReport> {
  const report: CleanupReport = {};
  const run = async (name: string, sql: string): Promise<void> => {
    const { affectedRows } = await db.execute(sql);
    if (affectedRows > 0) report[name] = (report[name] ?? 0) + affectedRows;
  };
  const steps: Array<readonly [string, string]> = [];
  for (const cls of await hardwareClasses(db)) {
    const device = quoteId(`HARDWARE_DEVICE_${cls}`);
    const config = quoteId(`HARDWARE_CONFIG_${cls}`);
    steps.push([
      "hardware-config-orphans",
      `DELETE c FROM ${config} AS c LEFT JOIN ${device} AS d ON d.\`hardware_id\` = c.\`hardware_id\` LEFT JOIN \`HOST\` AS h ON h.\`hostId\` = c.\`hostId\`` +
        " WHERE d.`hardware_id` IS NULL OR h.`hostId` IS NULL",
    ]);
    steps.push([
      "hardware-device-orphans",
      `DELETE d FROM ${device} AS d LEFT JOIN ${config} AS c ON c.\`hardware_id\` = d.\`hardware_id\` WHERE c.\`hardware_id\` IS NULL`,
    ]);
  }
  steps.unshift(...STEPS);
  for (const [name, sql] of steps) await run(name, sql);
  return report;
}
