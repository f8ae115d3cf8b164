/** @module test/e2e.mysql.test The end-to-end suite against a config server on a fresh MariaDB database. */
import { createMysqlBackend } from "@opsi-ts/backend-mysql";
import { describeEndToEnd } from "./e2e-harness.js";
import { dropDatabase, MYSQL_SERVER_URL, mariadbAvailable, randomDatabaseName } from "./e2e-mariadb.js";

const available = await mariadbAvailable();

describeEndToEnd(
  "MariaDB",
  async () => {
    const database = randomDatabaseName();
    try {
      return { backend: await createMysqlBackend({ url: `${MYSQL_SERVER_URL}/${database}` }), cleanup: () => dropDatabase(database) };
    } catch (e: unknown) {
      await dropDatabase(database);
      throw e;
    }
  },
  { enabled: available },
);
