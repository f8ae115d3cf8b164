/** @module test/e2e-env The server under test of one end-to-end file: createConfigServer on HTTPS, users, a depot, callers and fresh ids. */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Backend, ServiceClient, type ServiceCompression, type ServiceSerialization } from "@opsi-ts/core";
import { type ConfigServer, createConfigServer, LZ4_FRAME } from "@opsi-ts/service";
import pino from "pino";
import { type FetchExchange, recordingHttpsFetch } from "./e2e-fetch.js";
import {
  basicAuth,
  decodeResponse,
  type HttpsTarget,
  httpsRequest,
  type RawRequest,
  type RawResponse,
  sessionCookieOf,
} from "./e2e-https.js";

/** The config server's host id. */
export const SERVER_ID = "config.e2e-opsi.test";
/** The domain of every host of the suite. */
export const DOMAIN = "e2e-opsi.test";
/** A local user in the admin group. */
export const ADMIN = { username: "e2eadmin", password: "Admin-Pass-1" } as const;
/** A local user without admin rights. */
export const USER = { username: "e2euser", password: "User-Pass-1" } as const;

/**
 * Client addresses are faked with `X-Forwarded-For` (127.0.0.1 is a trusted proxy): `admin` lies inside
 * `networks` and `admin-networks`, `other` inside `networks` only, `outside` in neither.
 */
export const NETWORKS = { admin: "10.10", other: "10.20", outside: "10.30" } as const;
/** Brute-force settings of the server: 3 failures within 10 s block an address for 1 s. */
export const BRUTE_FORCE = { maxAuthFailures: 3, authFailuresInterval: 10, clientBlockTime: 1 } as const;
/** `maxBodySize` of the server. */
export const MAX_BODY_SIZE = 1024 * 1024;
/** `sessionLifetime` of the server (opsiconfd's default). */
export const SESSION_LIFETIME = 120;

/** Creates the storage of one server; `cleanup` runs after the server (and backend) closed. */
export type BackendFactory = (dataDir: string) => Promise<{ readonly backend: Backend; readonly cleanup?: () => Promise<void> }>;

/** How a request authenticates; every field optional (none: anonymous). */
export interface Caller {
  readonly authorization?: string;
  readonly cookie?: string;
  /** Sent as `X-Forwarded-For` (the client address the server sees). */
  readonly forwardedFor?: string;
}

/** The error triple of a JSON-RPC 1.0 response. */
export interface RpcErrorTriple {
  readonly message: string;
  readonly class: string;
  readonly details: string | null;
}

/** A JSON-RPC 1.0 response as the suite reads it. */
export interface RpcOutcome {
  readonly result: unknown;
  readonly error: RpcErrorTriple | null;
}

/** A host created for one test. */
export interface TestHost {
  readonly id: string;
  readonly key: string;
}

/** A `ServiceClient` and the HTTP exchanges it made. */
export interface RecordedServiceClient {
  readonly client: ServiceClient;
  readonly exchanges: FetchExchange[];
}

/** Options of {@link E2eServer.serviceClient}. */
export interface ServiceClientSetup {
  readonly username: string;
  readonly password: string;
  readonly serialization: ServiceSerialization;
  readonly compression: ServiceCompression;
}

/** A plain object (decoded map). */
export type Dict = Record<string, unknown>;

function isDict(value: unknown): value is Dict {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Narrows a decoded value to a dict, failing the test otherwise.
 * @example asDict(decodeResponse(res)).result
 */
export function asDict(value: unknown): Dict {
  if (!isDict(value)) throw new Error(`Expected an object, got ${JSON.stringify(value)}`);
  return value;
}

/**
 * Narrows a decoded value to a list of dicts, failing the test otherwise.
 * @example asDicts(result).map((h) => h.id)
 */
export function asDicts(value: unknown): Dict[] {
  if (!Array.isArray(value) || !value.every(isDict)) throw new Error(`Expected a list of objects, got ${JSON.stringify(value)}`);
  return value;
}

let counter = 0;

/**
 * A unique lowercase token for ids of one test (`<prefix>-<n>-<random>`).
 * @example uid("client") // "client-7-1a2b3c"
 */
export function uid(prefix: string): string {
  counter += 1;
  return `${prefix}-${counter}-${randomBytes(3).toString("hex")}`;
}

let addressCounter = 0;

/**
 * A client address not used before in this file, in one of the {@link NETWORKS}.
 * @example freshAddress("outside") // "10.30.0.7"
 */
export function freshAddress(network: keyof typeof NETWORKS): string {
  addressCounter += 1;
  return `${NETWORKS[network]}.${Math.floor(addressCounter / 250)}.${(addressCounter % 250) + 1}`;
}

/** A random opsiHostKey (32 hex digits). */
export function newHostKey(): string {
  return randomBytes(16).toString("hex");
}

function callerHeaders(caller: Caller): Record<string, string> {
  const headers: Record<string, string> = {};
  if (caller.authorization) headers.authorization = caller.authorization;
  if (caller.cookie) headers.cookie = caller.cookie;
  if (caller.forwardedFor) headers["x-forwarded-for"] = caller.forwardedFor;
  return headers;
}

/**
 * One config server for one test file. `start()` in `beforeAll`, `stop()` in `afterAll`.
 * @example const env = new E2eServer(); beforeAll(() => env.start(factory)); afterAll(() => env.stop());
 */
export class E2eServer {
  #cs: ConfigServer | undefined;
  #dataDir: string | undefined;
  #cleanup: (() => Promise<void>) | undefined;
  #adminCookie: string | undefined;
  #userCookie: string | undefined;
  #depot: TestHost | undefined;

  /** Creates the backend and the server, starts it on a free port, adds the users and a depot. */
  async start(factory: BackendFactory): Promise<void> {
    this.#dataDir = await mkdtemp(join(tmpdir(), "opsi-ts-e2e-"));
    const { backend, cleanup } = await factory(this.#dataDir);
    this.#cleanup = cleanup;
    this.#cs = await createConfigServer(backend, {
      dataDir: this.#dataDir,
      serverId: SERVER_ID,
      interface: "127.0.0.1",
      port: 0,
      keyBits: 2048,
      sessionLifetime: SESSION_LIFETIME,
      networks: [`${NETWORKS.admin}.0.0/16`, `${NETWORKS.other}.0.0/16`],
      adminNetworks: [`${NETWORKS.admin}.0.0/16`],
      ...BRUTE_FORCE,
      maxBodySize: MAX_BODY_SIZE,
      logger: pino({ level: "silent" }),
    });
    await this.#cs.start();
    await this.#cs.users.add(ADMIN.username, ADMIN.password, ["opsiadmin"]);
    await this.#cs.users.add(USER.username, USER.password, ["users"]);
    this.#adminCookie = await this.login(ADMIN.username, ADMIN.password);
    this.#userCookie = await this.login(USER.username, USER.password);
    this.#depot = await this.createHost("OpsiDepotserver", "depot", { depotRemoteUrl: "smb://depot/opsi_depot", isMasterDepot: true });
  }

  /** Stops the server (closing the backend), runs the backend cleanup and removes the data directory. */
  async stop(): Promise<void> {
    try {
      await this.#cs?.stop();
    } finally {
      try {
        await this.#cleanup?.();
      } finally {
        if (this.#dataDir) await rm(this.#dataDir, { recursive: true, force: true });
      }
    }
  }

  /** The running config server. */
  get cs(): ConfigServer {
    if (!this.#cs) throw new Error("E2eServer not started");
    return this.#cs;
  }

  /** Port and CA for the hand-written client. */
  get target(): HttpsTarget {
    return { port: this.cs.server.port, ca: this.cs.tls.caCertPem };
  }

  /** `https://127.0.0.1:<port>` */
  get url(): string {
    return `https://127.0.0.1:${this.cs.server.port}`;
  }

  /** A depot server (OpsiDepotserver) with a known host key. */
  get depot(): TestHost {
    if (!this.#depot) throw new Error("E2eServer not started");
    return this.#depot;
  }

  /** The admin user's session (one `/auth/login` in `start`). */
  get admin(): Caller {
    if (!this.#adminCookie) throw new Error("E2eServer not started");
    return { cookie: this.#adminCookie };
  }

  /** The non-admin user's session. */
  get user(): Caller {
    if (!this.#userCookie) throw new Error("E2eServer not started");
    return { cookie: this.#userCookie };
  }

  /** Basic credentials of a host. */
  host(host: TestHost, forwardedFor?: string): Caller {
    return { authorization: basicAuth(host.id, host.key), ...(forwardedFor ? { forwardedFor } : {}) };
  }

  /** `POST /auth/login` and the session cookie (`opsiconfd-session=<id>`). */
  async login(username: string, password: string): Promise<string> {
    const res = await this.request({
      method: "POST",
      path: "/auth/login",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username, password }),
    });
    const cookie = sessionCookieOf(res);
    if (res.status !== 200 || !cookie) throw new Error(`Login of ${username} failed: ${res.status} ${res.text()}`);
    return cookie;
  }

  /** A raw request with the hand-written client. */
  request(req: RawRequest): Promise<RawResponse> {
    return httpsRequest(this.target, req);
  }

  /** A raw request on behalf of a caller. */
  requestAs(caller: Caller, req: RawRequest): Promise<RawResponse> {
    return this.request({ ...req, headers: { ...callerHeaders(caller), ...req.headers } });
  }

  /**
   * Posts one JSON-RPC 1.0 request (JSON) and returns result and error; fails unless HTTP 200.
   * @example const { result, error } = await env.call(env.admin, "host_getObjects", [[], { id }]);
   */
  async call(caller: Caller, method: string, params: unknown = []): Promise<RpcOutcome> {
    const res = await this.requestAs(caller, {
      method: "POST",
      path: "/rpc",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ id: 1, method, params }),
    });
    if (res.status !== 200) throw new Error(`${method}: HTTP ${res.status} ${res.text()}`);
    const body = asDict(decodeResponse(res));
    const error = body.error;
    if (error === null) return { result: body.result, error: null };
    const triple = asDict(error);
    return {
      result: body.result,
      error: {
        message: String(triple.message),
        class: String(triple.class),
        details: typeof triple.details === "string" ? triple.details : null,
      },
    };
  }

  /** Like {@link call}, but returns the result and throws on an RPC error. */
  async result(caller: Caller, method: string, params: unknown = []): Promise<unknown> {
    const outcome = await this.call(caller, method, params);
    if (outcome.error) throw new Error(`${method}: ${outcome.error.class}: ${outcome.error.message}`);
    return outcome.result;
  }

  /** Creates a host of the given type directly in the backend. */
  async createHost(type: "OpsiClient" | "OpsiDepotserver", prefix: string, extra: Dict = {}): Promise<TestHost> {
    const host = { id: `${uid(prefix)}.${DOMAIN}`, key: newHostKey() };
    await this.cs.backend.createObjects("host", [{ type, id: host.id, opsiHostKey: host.key, ...extra }]);
    return host;
  }

  /** Creates an OpsiClient with a fresh id and key. */
  createClient(extra: Dict = {}): Promise<TestHost> {
    return this.createHost("OpsiClient", "client", extra);
  }

  /** The stored host object (unprotected backend). */
  async storedHost(id: string): Promise<Dict> {
    const [host] = await this.cs.backend.getObjects("host", [], { id });
    return asDict(host);
  }

  /** A `ServiceClient` over the recording node:https fetch. */
  serviceClient(setup: ServiceClientSetup): RecordedServiceClient {
    const { fetch, exchanges } = recordingHttpsFetch(this.cs.tls.caCertPem);
    const client = new ServiceClient({
      url: this.url,
      username: setup.username,
      password: setup.password,
      serialization: setup.serialization,
      compression: setup.compression,
      lz4: LZ4_FRAME,
      fetch,
    });
    return { client, exchanges };
  }
}
