/**
 * @module test/upgrade-4.2.test
 * In-place upgrade of an opsi 4.2 database (schema 8, non-unique system UUIDs, server-named keys).
 */
import { describe } from "vitest";
import { mariadbAvailable } from "./mariadb.js";
import { describeUpgrade } from "./upgrade-scenario.js";

const ok = await mariadbAvailable();

describe.runIf(ok)("MariaDB", () => {
  describeUpgrade({
    version: "4.2",
    expectedPreviousVersion: 8,
    extraSql: [
      "UPDATE `PRODUCT` SET `licenseRequired` = 1 WHERE `productId` = 'product1' AND `packageVersion` = '1'",
      // duplicate and empty system UUIDs must not survive as they are (the unique key would reject them);
      // `created` has ON UPDATE CURRENT_TIMESTAMP in this layout, so it is kept explicitly
      "UPDATE `HOST` SET `systemUUID` = 'c0ffee00-0000-4000-8000-000000000001', `created` = `created` WHERE `hostId` = 'config.test.local'",
      "UPDATE `HOST` SET `systemUUID` = 'dddddddd-0000-4000-8000-000000000002', `created` = `created` WHERE `hostId` IN ('client2.test.local', 'client3.test.local')",
      "UPDATE `HOST` SET `systemUUID` = '', `created` = `created` WHERE `hostId` IN ('client1.test.local', 'depot1.test.local')",
    ].join(";\n"),
    licenseRequired: true,
    systemUUIDs: {
      "client1.test.local": null,
      "client2.test.local": null,
      "client3.test.local": null,
      "config.test.local": "c0ffee00-0000-4000-8000-000000000001",
      "depot1.test.local": null,
    },
    droppedTables: [],
  });
});
