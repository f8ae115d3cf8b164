import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { AvailablePackage } from "./metadata-fetch.js";
import {
  autoSetupEligible,
  filterReason,
  type InstalledProduct,
  newestPackages,
  orderByDependencies,
  type PlanInput,
  planUpdates,
  type RepositoryPolicy,
} from "./plan.js";

function pkg(productId: string, version: string, extra: Partial<AvailablePackage> = {}): AvailablePackage {
  const [pv = "", pkv = ""] = version.split("-");
  return {
    repository: "main",
    productId,
    productVersion: pv,
    packageVersion: pkv,
    version,
    fileName: `${productId}_${version}.opsi`,
    url: `http://repo/${productId}_${version}.opsi`,
    md5: `${productId.length.toString(16).padStart(2, "0")}`.padEnd(32, "0"),
    size: 10,
    zsyncUrl: null,
    name: null,
    productDependencies: [],
    packageDependencies: [],
    ...extra,
  };
}

function repo(extra: Partial<RepositoryPolicy> = {}): RepositoryPolicy {
  return {
    name: "main",
    includeProductIds: [],
    excludes: [],
    autoInstall: false,
    autoUpdate: true,
    autoSetup: false,
    autoSetupExcludes: [],
    onlyDownload: false,
    ...extra,
  };
}

function installed(entries: Record<string, string>): Map<string, InstalledProduct> {
  return new Map(
    Object.entries(entries).map(([productId, v]) => {
      const [productVersion = "", packageVersion = ""] = v.split("-");
      return [productId, { productId, productVersion, packageVersion }];
    }),
  );
}

function input(extra: Partial<PlanInput> & Pick<PlanInput, "packages">): PlanInput {
  return {
    mode: "update",
    repositories: new Map([["main", repo()]]),
    installed: new Map([["depot1", installed({})]]),
    localFiles: new Map(),
    ...extra,
  };
}

describe("planUpdates: install needed", () => {
  // [case, mode, repo policy, installed version or null, available version, install needed]
  const cases: [string, PlanInput["mode"], Partial<RepositoryPolicy>, string | null, string, boolean][] = [
    ["not installed, autoInstall off", "update", {}, null, "1.0-1", false],
    ["not installed, autoInstall on", "update", { autoInstall: true }, null, "1.0-1", true],
    ["installed older, autoUpdate on", "update", {}, "1.0-1", "1.0-2", true],
    ["installed older (1.9 < 1.10), autoUpdate on", "update", {}, "1.9-3", "1.10-1", true],
    ["installed older, autoUpdate off", "update", { autoUpdate: false }, "1.0-1", "1.0-2", false],
    ["installed same", "update", { autoInstall: true }, "1.0-1", "1.0-1", false],
    ["installed newer", "update", {}, "2.0-1", "1.0-1", false],
    ["letters are pre-release: 2.0a-1 < 2.0-1", "update", {}, "2.0-1", "2.0a-1", false],
    ["install mode forces autoInstall", "install", {}, null, "1.0-1", true],
    ["install mode forces autoUpdate", "install", { autoUpdate: false }, "1.0-1", "1.1-1", true],
    ["install mode does not reinstall the same version", "install", {}, "1.0-1", "1.0-1", false],
    ["download mode never installs", "download", { autoInstall: true }, null, "1.0-1", false],
  ];
  it.each(cases)("%s", (_name, mode, policy, have, available, expected) => {
    const plan = planUpdates(
      input({
        mode,
        packages: [pkg("app", available)],
        repositories: new Map([["main", repo(policy)]]),
        installed: new Map([["depot1", installed(have === null ? {} : { app: have })]]),
      }),
    );
    expect(plan.entries).toHaveLength(1);
    expect(plan.entries[0]?.installNeededOn).toEqual(expected ? ["depot1"] : []);
    expect(plan.entries[0]?.install).toBe(expected);
    expect(plan.entries[0]?.installedVersions).toEqual({ depot1: have });
  });

  it("decides per depot", () => {
    const plan = planUpdates(
      input({
        packages: [pkg("app", "2.0-1")],
        installed: new Map([
          ["a", installed({ app: "1.0-1" })],
          ["b", installed({ app: "2.0-1" })],
          ["c", installed({})],
        ]),
      }),
    );
    expect(plan.entries[0]?.installNeededOn).toEqual(["a"]);
  });
});

describe("planUpdates: filters, newest version, requested ids", () => {
  it("applies includes and excludes (excludes win; install mode ignores excludes)", () => {
    const packages = [pkg("firefox", "1.0-1"), pkg("firefox-beta", "2.0-1"), pkg("thunderbird", "1.0-1")];
    const policy = repo({ includeProductIds: [/^fire/], excludes: [/beta$/], autoInstall: true });
    const update = planUpdates(input({ packages, repositories: new Map([["main", policy]]) }));
    expect(update.entries.map((e) => e.package.productId)).toEqual(["firefox"]);
    expect(update.filtered).toEqual([
      { productId: "firefox-beta", repository: "main", reason: "excluded by /beta$/" },
      { productId: "thunderbird", repository: "main", reason: "not in includeProductIds" },
    ]);
    const install = planUpdates(input({ mode: "install", packages, repositories: new Map([["main", policy]]) }));
    expect(install.entries.map((e) => e.package.productId)).toEqual(["firefox", "firefox-beta"]);
  });

  it("keeps the newest version per product over all repositories, the first repository on a tie", () => {
    const packages = [
      pkg("app", "1.10-1"),
      pkg("app", "1.9-5", { repository: "second" }),
      pkg("tool", "2.0-1", { repository: "second", url: "http://second/tool" }),
      pkg("tool", "2.0-1"),
    ];
    expect(newestPackages(packages).map((p) => [p.productId, p.version, p.repository])).toEqual([
      ["app", "1.10-1", "main"],
      ["tool", "2.0-1", "second"],
    ]);
  });

  it("restricts to the requested ids (case-insensitive) and reports unknown ones", () => {
    const plan = planUpdates(input({ packages: [pkg("a", "1-1"), pkg("b", "1-1")], productIds: ["B", "zzz"] }));
    expect(plan.entries.map((e) => e.package.productId)).toEqual(["b"]);
    expect(plan.notFound).toEqual(["zzz"]);
  });

  it("ignores packages of unknown repositories", () => {
    expect(planUpdates(input({ packages: [pkg("a", "1-1", { repository: "gone" })] })).entries).toEqual([]);
  });
});

describe("planUpdates: download needed", () => {
  const p = pkg("app", "1.0-2");
  const cases: [string, PlanInput["mode"], string | undefined, boolean, boolean][] = [
    ["install needed, no local file", "update", undefined, false, true],
    ["install needed, same local file", "update", p.md5 ?? "", false, false],
    ["install needed, local file differs", "update", "f".repeat(32), false, true],
    ["download mode, no local file", "download", undefined, false, true],
    ["download mode, same local file", "download", p.md5 ?? "", false, false],
    ["download mode --force, same local file", "download", p.md5 ?? "", true, true],
  ];
  it.each(cases)("%s", (_name, mode, localMd5, force, expected) => {
    const plan = planUpdates(
      input({
        mode,
        packages: [p],
        installed: new Map([["d", installed({ app: "1.0-1" })]]),
        localFiles: new Map(localMd5 === undefined ? [] : [[p.fileName, localMd5]]),
        forceDownload: force,
      }),
    );
    expect(plan.entries[0]?.downloadNeeded).toBe(expected);
  });

  it("downloads nothing when no install is needed in update mode, and again without an MD5 to compare", () => {
    const same = planUpdates(input({ packages: [p], installed: new Map([["d", installed({ app: "1.0-2" })]]) }));
    expect(same.entries[0]?.downloadNeeded).toBe(false);
    const noMd5 = pkg("app", "1.0-2", { md5: null });
    const plan = planUpdates(
      input({
        packages: [noMd5],
        installed: new Map([["d", installed({ app: "1.0-1" })]]),
        localFiles: new Map([[noMd5.fileName, "0".repeat(32)]]),
      }),
    );
    expect(plan.entries[0]?.downloadNeeded).toBe(true);
  });
});

describe("planUpdates: onlyDownload and the installation window", () => {
  const window = { windowStart: "22:00", windowEnd: "04:00", exceptProductIds: ["urgent"] };
  it.each([
    ["inside the window", 23, "app", true, null],
    ["outside the window", 12, "app", false, "outside the installation window 22:00-04:00"],
    ["outside the window but excepted", 12, "urgent", true, null],
  ] as const)("%s", (_name, hour, id, install, reason) => {
    const plan = planUpdates(
      input({
        packages: [pkg(id, "1.0-1")],
        repositories: new Map([["main", repo({ autoInstall: true })]]),
        installationWindow: window,
        now: new Date(2025, 0, 1, hour, 0),
      }),
    );
    expect(plan.entries[0]).toMatchObject({ install, installSkippedReason: reason, downloadNeeded: true, installNeededOn: ["depot1"] });
  });

  it("downloads but does not install with onlyDownload", () => {
    const plan = planUpdates(
      input({ packages: [pkg("app", "1.0-1")], repositories: new Map([["main", repo({ autoInstall: true, onlyDownload: true })]]) }),
    );
    expect(plan.entries[0]).toMatchObject({
      install: false,
      downloadNeeded: true,
      installSkippedReason: "repository 'main' has onlyDownload",
    });
  });
});

describe("autoSetup eligibility", () => {
  const on = repo({ autoSetup: true, autoSetupExcludes: [/^skip/] });
  it.each([
    ["firefox", on, undefined, true],
    ["firefox", repo(), undefined, false],
    ["skipme", on, undefined, false],
    ["opsi-local-image-win10", on, undefined, false],
    ["opsi-uefi-netboot", on, undefined, false],
    ["opsi-vhd-control", on, undefined, false],
    ["opsi-wim-capture", on, undefined, false],
    ["windows10-upgrade", on, undefined, false],
    ["opsi-auto-update", on, undefined, false],
    ["windomain", on, undefined, false],
    ["firefox", on, { productType: "LocalbootProduct", setupScript: "setup.opsiscript" }, true],
    ["firefox", on, { productType: "LocalbootProduct", setupScript: "" }, false],
    ["win11", on, { productType: "NetbootProduct", setupScript: "setup.py" }, false],
  ] as const)("%s → %s", (id, policy, product, expected) => {
    expect(autoSetupEligible(id, policy, product)).toBe(expected);
  });

  it("is planned only for packages that get installed", () => {
    const plan = planUpdates(
      input({
        packages: [pkg("a", "1-1"), pkg("b", "1-1")],
        repositories: new Map([["main", repo({ autoSetup: true })]]),
        installed: new Map([["d", installed({ a: "0-1", b: "1-1" })]]),
      }),
    );
    expect(plan.entries.map((e) => [e.package.productId, e.autoSetup])).toEqual([
      ["a", true],
      ["b", false],
    ]);
  });

  it("filterReason reports nothing for an unrestricted repository", () => {
    expect(filterReason("x", repo(), "update")).toBeNull();
  });
});

describe("dependency order", () => {
  it("moves package and product dependencies before the depending product", () => {
    const plan = planUpdates(
      input({
        packages: [
          pkg("app", "1-1", { packageDependencies: ["lib"] }),
          pkg("other", "1-1"),
          pkg("lib", "1-1", { productDependencies: ["base"] }),
          pkg("base", "1-1"),
        ],
        repositories: new Map([["main", repo({ autoInstall: true })]]),
      }),
    );
    expect(plan.entries.map((e) => e.package.productId)).toEqual(["base", "lib", "app", "other"]);
  });

  it("terminates on cycles", () => {
    const order = orderByDependencies(
      [
        { id: "a", deps: ["b"] },
        { id: "b", deps: ["a"] },
      ],
      (x) => x.id,
      (x) => x.deps,
    );
    expect(order.map((x) => x.id).sort()).toEqual(["a", "b"]);
  });

  it("property: for acyclic dependencies every dependency precedes its dependent and nothing is lost", () => {
    // Nodes 0..n-1 may only depend on lower numbers (acyclic); the input order is a random permutation.
    const graph = fc.integer({ min: 1, max: 12 }).chain((n) =>
      fc.record({
        deps: fc.tuple(...Array.from({ length: n }, (_v, i) => fc.subarray(Array.from({ length: i }, (_w, j) => j)))),
        order: fc.shuffledSubarray(
          Array.from({ length: n }, (_v, i) => i),
          { minLength: n, maxLength: n },
        ),
      }),
    );
    fc.assert(
      fc.property(graph, ({ deps, order }) => {
        const items = order.map((i) => ({ id: `p${i}`, deps: (deps[i] ?? []).map((d) => `p${d}`) }));
        const sorted = orderByDependencies(
          items,
          (x) => x.id,
          (x) => x.deps,
        );
        expect(sorted.map((x) => x.id).sort()).toEqual(items.map((x) => x.id).sort());
        const pos = new Map(sorted.map((x, i) => [x.id, i]));
        for (const item of sorted) for (const d of item.deps) expect(pos.get(d) ?? -1).toBeLessThan(pos.get(item.id) ?? -1);
      }),
    );
  });
});
