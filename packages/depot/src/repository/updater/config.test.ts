import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { inInstallationWindow, loadUpdaterConfig, parseRepositoryFile, parseUpdaterConfig } from "./config.js";
import { UpdaterConfigError } from "./errors.js";
import { parseIni } from "./ini.js";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "opsi-updater-conf-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const MAIN = `; opsi-package-updater.conf
[general]
packageDir = /srv/repo
TIMEOUT = 30
proxy =
ignoreErrors = yes

[notification]
active = false
smtphost = mail.example.org
receivers = a@example.org, b@example.org

[installation]
windowStart = 22:00
windowEnd = 4:30
exceptProductIds = opsi-script, hwaudit

[wol]
active = true
excludeProductIds = win10
startGap = 10

[repository_local]
active = true
baseUrl = webdavs://depot.example.org:4447/repository
`;

describe("parseIni", () => {
  it("lowercases keys, keeps section names, joins continuation lines and rejects junk", () => {
    const [s] = parseIni("[Repository_X]\nBaseURL: http://x\ndirs = a,\n  b\n# c\n");
    expect(s?.name).toBe("Repository_X");
    expect(Object.fromEntries(s?.values ?? [])).toEqual({ baseurl: "http://x", dirs: "a,\nb" });
    expect(() => parseIni("key = 1\n", "f.conf")).toThrow("f.conf:1: key 'key' outside of a section");
    expect(() => parseIni("[a]\nno separator\n", "f.conf")).toThrow("f.conf:2: expected [section] or key = value");
    expect(() => parseIni("[a]\nx=1\nX=2\n", "f.conf")).toThrow("duplicate key 'x' in [a]");
  });
});

describe("parseUpdaterConfig", () => {
  it("reads every section with case-insensitive keys and defaults", () => {
    const c = parseUpdaterConfig(MAIN, "main.conf");
    expect(c.general).toEqual({
      packageDir: "/srv/repo",
      logFile: "/var/log/opsi/opsi-package-updater.log",
      logLevel: 5,
      timeout: 30,
      tempDir: "/var/lib/opsi/tmp",
      repositoryConfigDir: "/etc/opsi/package-updater.repos.d/",
      proxy: "",
      ignoreErrors: true,
    });
    expect(c.installation).toEqual({ windowStart: "22:00", windowEnd: "04:30", exceptProductIds: ["opsi-script", "hwaudit"] });
    expect(c.notification).toMatchObject({
      active: false,
      smtpHost: "mail.example.org",
      smtpPort: 25,
      receivers: ["a@example.org", "b@example.org"],
    });
    expect(c.wol).toEqual({ active: true, excludeProductIds: ["win10"], shutdownWanted: true, startGap: 10 });
    expect(c.repositories).toHaveLength(1);
    expect(c.repositories[0]).toMatchObject({ name: "local", baseUrl: "https://depot.example.org:4447/repository", dirs: ["/"] });
  });

  it("names file, line, section and key of a bad value", () => {
    expect(() => parseUpdaterConfig("[general]\ntimeout = soon\n", "u.conf")).toThrow(
      "u.conf:2: [general] timeout: expected an integer from 1 to 86400, got 'soon'",
    );
    expect(() => parseUpdaterConfig("[installation]\nwindowStart = 25:00\nwindowEnd = 01:00\n", "u.conf")).toThrow(
      "u.conf:2: [installation] windowStart: expected a time HH:MM, got '25:00'",
    );
    expect(() => parseUpdaterConfig("[installation]\nwindowStart = 20:00\n", "u.conf")).toThrow(
      "u.conf: [installation] windowEnd: missing",
    );
    expect(() => parseUpdaterConfig("[general]\nignoreErrors = maybe\n", "u.conf")).toThrow(UpdaterConfigError);
    expect(() => parseUpdaterConfig("[general]\nproxy = not a url\n", "u.conf")).toThrow("[general] proxy:");
  });
});

describe("parseRepositoryFile", () => {
  it("applies the defaults of the spec table and parses lists and regexes", () => {
    const [r] = parseRepositoryFile(
      `[repository_uib_windows]
active = true
description = uib Windows
baseUrl = https://opsipackages.43.opsi.org/stable/
dirs = windows/localboot, windows/netboot
includeProductIds = ^win, ^fire
excludes = ^win10$
autoSetupExcludes = ^firefox-beta
`,
      "uib.repo",
      "http://proxy.example.org:3128",
    );
    expect(r).toMatchObject({
      name: "uib_windows",
      file: "uib.repo",
      section: "repository_uib_windows",
      active: true,
      description: "uib Windows",
      baseUrl: "https://opsipackages.43.opsi.org/stable",
      dirs: ["windows/localboot", "windows/netboot"],
      opsiDepotId: null,
      username: "",
      password: "",
      verifyCert: false,
      proxy: "http://proxy.example.org:3128",
      autoInstall: false,
      autoUpdate: true,
      autoSetup: false,
      onlyDownload: false,
      inheritProductProperties: false,
    });
    expect(r?.includeProductIds.map(String)).toEqual(["/^win/", "/^fire/"]);
    expect(r?.excludes.map(String)).toEqual(["/^win10$/"]);
    expect(r?.autoSetupExcludes.map(String)).toEqual(["/^firefox-beta/"]);
  });

  it("takes opsiDepotId instead of baseUrl (dirs = /), ignores other sections and checks active repositories", () => {
    const repos = parseRepositoryFile(
      "[other]\nx = 1\n[repository_master]\nactive = true\nopsiDepotId = Config.Example.Org\ndirs = a\ninheritProductProperties = true\n[repository_off]\nactive = false\n",
      "m.repo",
    );
    expect(repos.map((r) => [r.name, r.opsiDepotId, r.dirs, r.baseUrl])).toEqual([
      ["master", "config.example.org", ["/"], null],
      ["off", null, ["/"], null],
    ]);
    expect(() => parseRepositoryFile("[repository_x]\nactive = true\n", "x.repo")).toThrow(
      "x.repo: [repository_x] baseUrl: missing (set baseUrl or opsiDepotId)",
    );
    expect(() => parseRepositoryFile("[repository_x]\nbaseUrl = ftp://x\n", "x.repo")).toThrow("x.repo:2: [repository_x] baseUrl:");
    expect(() => parseRepositoryFile("[repository_x]\nexcludes = ok, (unclosed\n", "x.repo")).toThrow(
      "x.repo:2: [repository_x] excludes: invalid regular expression '(unclosed'",
    );
    expect(() => parseRepositoryFile("[repository_x]\nautoUpdate = sometimes\n", "x.repo")).toThrow(
      "x.repo:2: [repository_x] autoUpdate: expected a boolean (true/false), got 'sometimes'",
    );
  });
});

describe("loadUpdaterConfig", () => {
  it("reads the main file and every *.repo file of the repository dir, sorted", async () => {
    const repoDir = join(dir, "repos.d");
    mkdirSync(repoDir);
    writeFileSync(join(dir, "main.conf"), `${MAIN}\n[general2]\n`.replace("packageDir = /srv/repo", `repositoryConfigDir = ${repoDir}`));
    writeFileSync(join(repoDir, "b.repo"), "[repository_b]\nactive = true\nbaseUrl = http://b.example.org\n");
    writeFileSync(join(repoDir, "a.repo"), "[repository_a]\nbaseUrl = http://a.example.org\n");
    writeFileSync(join(repoDir, "c.repo.template"), "[repository_c]\nbaseUrl = http://c.example.org\n");
    const c = await loadUpdaterConfig({ configFile: join(dir, "main.conf"), packageDir: "/tmp/pk" });
    expect(c.repositories.map((r) => [r.name, r.active])).toEqual([
      ["local", true],
      ["a", false],
      ["b", true],
    ]);
    expect(c.general.packageDir).toBe("/tmp/pk");
    expect(c.warnings).toEqual([`${join(dir, "main.conf")}: unknown section [general2] ignored`]);
  });

  it("reports a missing config file, a missing repo dir override and duplicate repository names", async () => {
    await expect(loadUpdaterConfig({ configFile: join(dir, "nope.conf") })).rejects.toThrow(
      `Config file '${join(dir, "nope.conf")}' not found`,
    );
    await expect(loadUpdaterConfig({ configFile: null, repositoryConfigDir: join(dir, "missing") })).rejects.toThrow(
      `Cannot read repository config dir '${join(dir, "missing")}'`,
    );
    const none = await loadUpdaterConfig({ configFile: null, repositoryConfigDir: dir });
    expect(none.repositories).toEqual([]);
    writeFileSync(join(dir, "1.repo"), "[repository_x]\nbaseUrl = http://x\n");
    writeFileSync(join(dir, "2.repo"), "[repository_x]\nbaseUrl = http://y\n");
    await expect(loadUpdaterConfig({ configFile: null, repositoryConfigDir: dir })).rejects.toThrow(
      `Repository 'x' is defined twice: ${join(dir, "1.repo")} [repository_x] and ${join(dir, "2.repo")} [repository_x]`,
    );
  });
});

describe("inInstallationWindow", () => {
  const at = (h: number, m: number) => new Date(2025, 5, 1, h, m);
  it.each([
    ["22:00", "04:00", 23, 0, true],
    ["22:00", "04:00", 3, 59, true],
    ["22:00", "04:00", 4, 0, false],
    ["22:00", "04:00", 12, 0, false],
    ["01:00", "05:00", 2, 0, true],
    ["01:00", "05:00", 0, 59, false],
    ["01:00", "05:00", 5, 0, false],
  ])("%s-%s at %i:%i → %s", (windowStart, windowEnd, h, m, expected) => {
    expect(inInstallationWindow({ windowStart, windowEnd, exceptProductIds: [] }, at(h, m))).toBe(expected);
  });
  it("is always open without a window", () => {
    expect(inInstallationWindow({ windowStart: null, windowEnd: null, exceptProductIds: [] }, at(12, 0))).toBe(true);
  });
});
