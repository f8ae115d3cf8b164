/**
 * @module testing/describe-backend
 * `describeBackend(name, factory)`: registers the shared backend conformance suite with vitest.
 * Every test gets a fresh, empty backend from the factory and closes it afterwards.
 */
import { afterEach, beforeEach, describe } from "vitest";
import type { Backend } from "../backend/methods.js";
import type { GetBackend } from "./assertions.js";
import { attributesSuite } from "./suites/attributes.js";
import { auditHardwareSuite } from "./suites/audit-hardware.js";
import { auditSoftwareSuite } from "./suites/audit-software.js";
import { configsSuite } from "./suites/configs.js";
import { crudSuite } from "./suites/crud.js";
import { deletesCascadesSuite } from "./suites/deletes-cascades.js";
import { filtersSuite } from "./suites/filters.js";
import { foreignKeysSuite } from "./suites/foreign-keys.js";
import { groupsSuite } from "./suites/groups.js";
import { hostsSuite } from "./suites/hosts.js";
import { identsSuite } from "./suites/idents.js";
import { invalidInputSuite } from "./suites/invalid-input.js";
import { licensingSuite } from "./suites/licensing.js";
import { normalisationSuite } from "./suites/normalisation.js";
import { productsSuite } from "./suites/products.js";

/** Options of {@link describeBackend}. */
export interface DescribeBackendOptions {
  /** Timeout per test in milliseconds (default: the vitest configuration's). */
  readonly timeout?: number;
}

/** The areas of the suite, each registering its tests given a backend accessor. */
const AREAS: ReadonlyArray<readonly [string, (getBackend: GetBackend) => void]> = [
  ["crud", crudSuite],
  ["hosts", hostsSuite],
  ["configs", configsSuite],
  ["products", productsSuite],
  ["groups", groupsSuite],
  ["licensing", licensingSuite],
  ["audit-software", auditSoftwareSuite],
  ["audit-hardware", auditHardwareSuite],
  ["filters", filtersSuite],
  ["attributes", attributesSuite],
  ["normalisation", normalisationSuite],
  ["idents", identsSuite],
  ["deletes-cascades", deletesCascadesSuite],
  ["foreign-keys", foreignKeysSuite],
  ["invalid-input", invalidInputSuite],
];

/**
 * Registers the opsi 4.3 backend conformance suite for one backend implementation. The factory
 * must return a new, empty backend using opsi's default hardware-audit configuration; `close()`
 * is called after each test.
 * @example describeBackend("MemoryBackend", () => new MemoryBackend())
 */
export function describeBackend(name: string, factory: () => Backend | Promise<Backend>, options: DescribeBackendOptions = {}): void {
  const suiteOptions = options.timeout === undefined ? {} : { timeout: options.timeout };
  describe(name, suiteOptions, () => {
    let current: Backend | undefined;
    beforeEach(async () => {
      current = await factory();
    });
    afterEach(async () => {
      const backend = current;
      current = undefined;
      await backend?.close();
    });
    const getBackend: GetBackend = () => {
      if (!current) throw new Error(`describeBackend(${name}): no backend (the factory failed or a test ran outside a suite)`);
      return current;
    };
    for (const [area, register] of AREAS) describe(area, () => register(getBackend));
  });
}
