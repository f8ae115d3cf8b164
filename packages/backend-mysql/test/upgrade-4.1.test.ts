/**
 * @module test/upgrade-4.1.test
 * In-place upgrade of an opsi 4.1 database (schema 7, MyISAM inventory tables, legacy tables).
 */
import { describe } from "vitest";
import { mariadbAvailable } from "./mariadb.js";
import { describeUpgrade } from "./upgrade-scenario.js";

const ok = await mariadbAvailable();

describe.runIf(ok)("MariaDB", () => {
  describeUpgrade({
    version: "4.1",
    expectedPreviousVersion: 7,
    extraSql: [
      "SET FOREIGN_KEY_CHECKS = 0",
      "UPDATE `PRODUCT` SET `licenseRequired` = 'True' WHERE `productId` = 'product1' AND `packageVersion` = '1'",
      "UPDATE `PRODUCT` SET `licenseRequired` = 'False' WHERE `productId` = 'product1' AND `packageVersion` = '2'",
      "INSERT INTO `BOOT_CONFIGURATION` (`name`, `clientId`, `priority`) VALUES ('default', 'client1.test.local', 1)",
      "INSERT INTO `LOG_CONFIG` (`objectId`) VALUES ('client1.test.local')",
      "INSERT INTO `CONFIG_STATE_LOG` (`configId`, `hostId`) VALUES ('legacy.text', 'client1.test.local')",
      "SET FOREIGN_KEY_CHECKS = 1",
    ].join(";\n"),
    licenseRequired: true,
    systemUUIDs: {
      "client1.test.local": null,
      "client2.test.local": null,
      "client3.test.local": null,
      "config.test.local": null,
      "depot1.test.local": null,
    },
    droppedTables: ["BOOT_CONFIGURATION", "LOG_CONFIG", "LOG_CONFIG_VALUE", "CONFIG_STATE_LOG"],
  });
});
