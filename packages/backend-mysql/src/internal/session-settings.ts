/**
 * @module internal/session-settings
 * The session settings opsi applies to every new MySQL connection.
 */

/**
 * opsi's session settings: sql_mode without ONLY_FULL_GROUP_BY, NO_ZERO_IN_DATE, NO_ZERO_DATE and
 * STRICT_TRANS_TABLES (plus NO_BACKSLASH_ESCAPES, which our literal escaping relies on being off).
 */
export const SESSION_INIT_SQL = `SET SESSION sql_mode = TRIM(BOTH ',' FROM ${[
  "ONLY_FULL_GROUP_BY",
  "NO_ZERO_IN_DATE",
  "NO_ZERO_DATE",
  "STRICT_TRANS_TABLES",
  "NO_BACKSLASH_ESCAPES",
].reduce(
  (expr, mode) => `REPLACE(${expr}, ',${mode},', ',')`,
  "CONCAT(',', @@SESSION.sql_mode, ',')",
)}), group_concat_max_len = 1000000, lock_wait_timeout = 60`;
