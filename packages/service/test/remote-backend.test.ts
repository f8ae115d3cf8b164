/**
 * @module test/remote-backend.test
 * The backend conformance suite run on core's `RemoteBackendCore` through a real config server over
 * HTTPS (msgpack + lz4): every CRUD operation as its opsi-named RPC, through the dispatcher, ACL and
 * change events, into a fresh MemoryBackend per test. This is the path a depot server's local methods take.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Backend,
  type BackendCore,
  defaultHardwareAuditConfig,
  type Filter,
  type Ident,
  type IdentReturnType,
  installBackendMethods,
  MemoryBackend,
  type ObjectInput,
  type ObjectPrefix,
  type ObjectsInput,
  type PrefixObject,
  RemoteBackendCore,
  ServiceClient,
} from "@opsi-ts/core";
import { describeBackend } from "@opsi-ts/core/testing";
import { type ConfigServer, createConfigServer, createHttpFetch, LZ4_FRAME } from "@opsi-ts/service";
import pino from "pino";
import { afterAll, beforeAll } from "vitest";

/** A backend whose storage can be replaced between tests while the server keeps running. */
class SwitchableBackend implements BackendCore {
  current: Backend = new MemoryBackend();
  get hardwareAudit() {
    return this.current.hardwareAudit;
  }
  insertObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>) {
    return this.current.insertObject(prefix, obj);
  }
  updateObject<P extends ObjectPrefix>(prefix: P, obj: ObjectInput<P>) {
    return this.current.updateObject(prefix, obj);
  }
  createObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>) {
    return this.current.createObjects(prefix, objs);
  }
  updateObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>) {
    return this.current.updateObjects(prefix, objs);
  }
  getObjects<P extends ObjectPrefix>(prefix: P, attributes?: readonly string[] | null, filter?: Filter | null): Promise<PrefixObject<P>[]> {
    return this.current.getObjects(prefix, attributes, filter);
  }
  getIdents<P extends ObjectPrefix>(prefix: P, returnType?: IdentReturnType | null, filter?: Filter | null): Promise<Ident[]> {
    return this.current.getIdents(prefix, returnType, filter);
  }
  deleteObjects<P extends ObjectPrefix>(prefix: P, objs: ObjectsInput<P>) {
    return this.current.deleteObjects(prefix, objs);
  }
  async close(): Promise<void> {}
}
installBackendMethods(SwitchableBackend);

let dataDir: string;
let cs: ConfigServer;
let client: ServiceClient;
let fetch: ReturnType<typeof createHttpFetch>;
const storage = new SwitchableBackend();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "opsi-ts-remote-backend-"));
  cs = await createConfigServer(storage as unknown as Backend, {
    dataDir,
    serverId: "config.remote-backend.test",
    interface: "127.0.0.1",
    port: 0,
    keyBits: 2048,
    logger: pino({ level: "silent" }),
  });
  await cs.start();
  await cs.users.add("remoteadmin", "Remote-Admin-1", ["opsiadmin"]);
  fetch = createHttpFetch({ ca: cs.tls.caCertPem });
  client = new ServiceClient({
    url: `https://localhost:${new URL(cs.url()).port}`,
    username: "remoteadmin",
    password: "Remote-Admin-1",
    lz4: LZ4_FRAME,
    fetch,
  });
  // Log in once (the login writes the USER object); the session outlives the storage swaps.
  await client.connect();
}, 60_000);

afterAll(async () => {
  await client?.disconnect().catch(() => {});
  fetch?.close();
  await cs?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describeBackend("RemoteBackendCore over /rpc", () => {
  storage.current = new MemoryBackend();
  return new RemoteBackendCore(client, { hardwareAudit: defaultHardwareAuditConfig(), closeClient: false }) as unknown as Backend;
});
