/**
 * @module repository/updater/metadata-fetch — discovers the packages of a repository: the metafile
 * (`packages.msgpack.zstd`, `packages.json`, `packages.msgpack`, `packages.json.zstd`, first HTTP 200
 * wins) or, without one, an HTML index scrape of every `dirs` URL (spec §3.1, §3.3 step 1).
 */
import { Readable } from "node:stream";
import { deserializeData } from "@opsi-ts/core";
import { DecompressStream } from "zstd-napi";
import { parsePackageFileName } from "../../package/version.js";
import { type RepositoryMetadata, type RepositoryPackage, readRepositoryMetadata } from "../metadata.js";
import { RepositoryFetchError } from "./errors.js";
import { basicAuthHeaders, type UpdaterFetch } from "./http.js";

/** The metafile names, in the order they are tried. */
export const METAFILE_NAMES = ["packages.msgpack.zstd", "packages.json", "packages.msgpack", "packages.json.zstd"] as const;

const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd] as const;
const MAX_METAFILE_BYTES = 512 * 1024 * 1024;

/** A package a repository offers. */
export interface AvailablePackage {
  /** The repository's name. */
  readonly repository: string;
  readonly productId: string;
  readonly productVersion: string;
  readonly packageVersion: string;
  /** `<productVersion>-<packageVersion>` (with `~custom` for custom packages). */
  readonly version: string;
  /** The `.opsi` file name (last segment of the URL). */
  readonly fileName: string;
  /** Absolute download URL. */
  readonly url: string;
  /** Announced MD5 (lowercase hex), or null if the repository gives none. */
  readonly md5: string | null;
  readonly size: number | null;
  /** Absolute URL of the `.zsync` file, if the repository has one. */
  readonly zsyncUrl: string | null;
  readonly name: string | null;
  /** Ids of required products (`product_dependencies`). */
  readonly productDependencies: readonly string[];
  /** Ids of required packages (`package_dependencies`). */
  readonly packageDependencies: readonly string[];
}

/** Where and how to read a repository. */
export interface RepositoryLocation {
  readonly name: string;
  /** Without trailing slash. */
  readonly baseUrl: string;
  readonly dirs: readonly string[];
  readonly username?: string;
  readonly password?: string;
}

/** Options of {@link fetchRepositoryPackages}. */
export interface FetchRepositoryOptions {
  readonly fetch: UpdaterFetch;
  /** Diagnostics (e.g. an index link that is not a package file name). */
  readonly log?: (level: "debug" | "info" | "warning", message: string) => void;
}

/** What {@link fetchRepositoryPackages} found. */
export interface RepositoryPackages {
  /** The metafile used, or null after an HTML index scrape. */
  readonly metafile: string | null;
  /** Every version found (not yet filtered). */
  readonly packages: AvailablePackage[];
}

async function zstdDecompress(bytes: Uint8Array, url: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of Readable.from([Buffer.from(bytes)]).pipe(new DecompressStream()) as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > MAX_METAFILE_BYTES) throw new Error(`more than ${MAX_METAFILE_BYTES} bytes after decompression`);
      chunks.push(chunk);
    }
  } catch (e: unknown) {
    throw new RepositoryFetchError(`Cannot decompress '${url}': ${e instanceof Error ? e.message : String(e)}`);
  }
  return Buffer.concat(chunks);
}

/**
 * Decodes metafile bytes by their magic: zstd (`28 b5 2f fd`) is decompressed first; then JSON if the
 * data starts with `{`, else msgpack. `url` is only used in messages.
 * @example decodeMetafile(await readFile("packages.msgpack.zstd"), "packages.msgpack.zstd")
 */
export async function decodeMetafile(bytes: Uint8Array, url: string): Promise<RepositoryMetadata> {
  let data: Uint8Array = bytes;
  if (ZSTD_MAGIC.every((b, i) => data[i] === b)) data = await zstdDecompress(data, url);
  let start = 0;
  while (start < data.length && (data[start] === 0x20 || data[start] === 0x0a || data[start] === 0x0d || data[start] === 0x09)) start++;
  try {
    if (data[start] === 0x7b) return readRepositoryMetadata(data);
    let value: unknown;
    try {
      value = deserializeData(data, "msgpack");
    } catch (e: unknown) {
      throw new Error(`neither JSON nor msgpack: ${e instanceof Error ? e.message : String(e)}`);
    }
    return readRepositoryMetadata(value);
  } catch (e: unknown) {
    throw new RepositoryFetchError(`Bad metafile '${url}': ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

function dirUrl(baseUrl: string, dir: string): string {
  const d = dir.replace(/^\/+|\/+$/g, "");
  return d === "" ? `${baseUrl}/` : `${baseUrl}/${d.split("/").map(encodeURIComponent).join("/")}/`;
}

/** The relative URL path of a metafile `url` entry, without leading `./` or `/`. */
function normalizeRelative(url: string): string {
  return url.replace(/^(\.\/)+/, "").replace(/^\/+/, "");
}

function underDir(relativeUrl: string, dir: string): boolean {
  const d = dir.replace(/^\/+|\/+$/g, "");
  return d === "" || relativeUrl.startsWith(`${d}/`);
}

function absolute(baseUrl: string, relativeUrl: string): string {
  return new URL(relativeUrl.split("/").map(encodeURIComponent).join("/"), `${baseUrl}/`).href;
}

function lastSegment(url: string): string {
  const path = url.split(/[?#]/)[0] ?? url;
  return decodeURIComponent(path.slice(path.lastIndexOf("/") + 1));
}

/**
 * The packages of a parsed metafile that lie under one of `dirs` (the first matching URL of a URL
 * list wins, with its parallel zsync URL), as absolute URLs.
 * @example packagesFromMetadata(meta, { name: "uib", baseUrl: "https://opsipackages.43.opsi.org/stable", dirs: ["windows/localboot"] })
 */
export function packagesFromMetadata(meta: RepositoryMetadata, repo: RepositoryLocation): AvailablePackage[] {
  const out: AvailablePackage[] = [];
  for (const versions of Object.values(meta.packages)) {
    for (const pkg of Object.values(versions)) {
      const found = chooseUrl(pkg, repo.dirs);
      if (found === null) continue;
      const { url, zsync } = found;
      out.push({
        repository: repo.name,
        productId: pkg.product_id,
        productVersion: pkg.product_version,
        packageVersion: pkg.package_version,
        version: `${pkg.product_version}-${pkg.package_version}`,
        fileName: lastSegment(url),
        url: absolute(repo.baseUrl, url),
        md5: pkg.md5_hash.toLowerCase(),
        size: pkg.size,
        zsyncUrl: zsync === null ? null : absolute(repo.baseUrl, normalizeRelative(zsync)),
        name: pkg.name,
        productDependencies: pkg.product_dependencies.map((d) => d.requiredProductId),
        packageDependencies: pkg.package_dependencies.map((d) => d.package),
      });
    }
  }
  return out;
}

function chooseUrl(pkg: RepositoryPackage, dirs: readonly string[]): { url: string; zsync: string | null } | null {
  const urls = (Array.isArray(pkg.url) ? pkg.url : [pkg.url]).map(normalizeRelative);
  for (let i = 0; i < urls.length; i++) {
    const url = urls[i] as string;
    if (!dirs.some((d) => underDir(url, d))) continue;
    const z = pkg.zsync_url;
    const zsync = Array.isArray(z) ? (z[i] ?? null) : i === 0 ? z : null;
    return { url, zsync };
  }
  return null;
}

/**
 * The `href` targets of the `<a>` elements of an HTML page (entities `&amp;` etc. decoded).
 * @example indexLinks('<a href="x_1.0-1.opsi">x</a>') // ["x_1.0-1.opsi"]
 */
export function indexLinks(html: string): string[] {
  const out: string[] = [];
  for (const m of html.matchAll(/<a\s[^>]*?href\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi)) {
    const raw = m[1] ?? m[2] ?? m[3] ?? "";
    out.push(
      raw
        .replace(/&amp;/g, "&")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'"),
    );
  }
  return out;
}

async function get(fetch: UpdaterFetch, url: string, headers: Record<string, string>): Promise<Response> {
  try {
    return await fetch(url, { method: "GET", headers });
  } catch (e: unknown) {
    throw new RepositoryFetchError(`Cannot reach '${url}': ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

async function bytesOf(res: Response, url: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await res.arrayBuffer());
  } catch (e: unknown) {
    throw new RepositoryFetchError(`Reading '${url}' failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
}

async function scrapeDir(repo: RepositoryLocation, dir: string, options: FetchRepositoryOptions, headers: Record<string, string>) {
  const base = dirUrl(repo.baseUrl, dir);
  const res = await get(options.fetch, base, headers);
  if (res.status !== 200) {
    await res.body?.cancel();
    throw new RepositoryFetchError(`Repository '${repo.name}': ${base} answered HTTP ${res.status} ${res.statusText}`.trimEnd());
  }
  const html = new TextDecoder().decode(await bytesOf(res, base));
  const links = new Map<string, string>();
  for (const href of indexLinks(html)) {
    let target: URL;
    try {
      target = new URL(href, base);
    } catch {
      continue;
    }
    target.hash = "";
    target.search = "";
    links.set(lastSegment(target.href), target.href);
  }
  const out: AvailablePackage[] = [];
  for (const [fileName, url] of links) {
    if (!fileName.endsWith(".opsi")) continue;
    let parsed: ReturnType<typeof parsePackageFileName>;
    try {
      parsed = parsePackageFileName(fileName);
    } catch (e: unknown) {
      options.log?.("warning", `Repository '${repo.name}': ignoring '${fileName}': ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    let md5: string | null = null;
    const md5Url = links.get(`${fileName}.md5`);
    if (md5Url !== undefined) {
      const r = await get(options.fetch, md5Url, headers);
      if (r.status === 200) {
        const m = /^\s*([0-9a-fA-F]{32})\b/.exec(new TextDecoder().decode(await bytesOf(r, md5Url)));
        md5 = m?.[1]?.toLowerCase() ?? null;
        if (md5 === null) options.log?.("warning", `Repository '${repo.name}': '${md5Url}' holds no MD5`);
      } else {
        await r.body?.cancel();
        options.log?.("warning", `Repository '${repo.name}': ${md5Url} answered HTTP ${r.status}`);
      }
    }
    const custom = parsed.customName === null ? "" : `~${parsed.customName}`;
    out.push({
      repository: repo.name,
      productId: parsed.productId,
      productVersion: parsed.productVersion,
      packageVersion: parsed.packageVersion,
      version: `${parsed.productVersion}-${parsed.packageVersion}${custom}`,
      fileName,
      url,
      md5,
      size: null,
      zsyncUrl: links.get(`${fileName}.zsync`) ?? null,
      name: null,
      productDependencies: [],
      packageDependencies: [],
    });
  }
  return out;
}

/**
 * Lists the packages of one repository: the first metafile answering HTTP 200 (an empty one means
 * "no metafile"), else an HTML index scrape of every `dirs` URL. Network errors, bad metafiles and
 * index pages not answering 200 throw {@link RepositoryFetchError} naming the URL (and status).
 * @example const { packages } = await fetchRepositoryPackages({ name: "uib", baseUrl, dirs: ["/"] }, { fetch })
 */
export async function fetchRepositoryPackages(repo: RepositoryLocation, options: FetchRepositoryOptions): Promise<RepositoryPackages> {
  const headers = basicAuthHeaders(repo.username ?? "", repo.password ?? "");
  for (const name of METAFILE_NAMES) {
    const url = `${repo.baseUrl}/${name}`;
    const res = await get(options.fetch, url, headers);
    if (res.status !== 200) {
      await res.body?.cancel();
      options.log?.("debug", `Repository '${repo.name}': ${url} answered HTTP ${res.status}`);
      continue;
    }
    const bytes = await bytesOf(res, url);
    if (bytes.length === 0) {
      options.log?.("info", `Repository '${repo.name}': ${url} is empty, the repository has no metafile`);
      break;
    }
    const meta = await decodeMetafile(bytes, url);
    options.log?.("info", `Repository '${repo.name}': using ${url}`);
    return { metafile: url, packages: packagesFromMetadata(meta, repo) };
  }
  const packages: AvailablePackage[] = [];
  for (const dir of repo.dirs) packages.push(...(await scrapeDir(repo, dir, options, headers)));
  return { metafile: null, packages };
}
