import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import type { Cluster } from "./cluster/cluster.js";
import { openCluster, planCluster } from "./cluster/open-cluster.js";
import type { EngineContext, EngineOptions } from "./context.js";
import { systemClock } from "./domain/clock.js";
import { seedDemoOnce } from "./domain/demo.js";
import { Inventory } from "./domain/inventory.js";
import { registerAdmin } from "./http/admin/routes.js";
import { registerCsbs } from "./http/csbs/routes.js";
import { registerHealth } from "./http/health.js";
import { registerTeamStates } from "./http/state/routes.js";
import { Router, type HttpRequest, type HttpResponse } from "./http/router.js";
import { nodeZoneOf } from "./http/zstack/request-date.js";
import { registerZStack } from "./http/zstack/routes.js";
import type { MetadataStore } from "./store/metadata-store.js";
import { openMetadataStore } from "./store/open-store.js";
import { openEngineStorage } from "./storage/engine-storage.js";
import { storageRoots } from "./storage/storage-roots.js";

export const DEFAULT_LISTEN = { host: "127.0.0.1", port: 8080 } as const;

export interface RunningEngine {
  /** Base URL, e.g. `http://127.0.0.1:8080` (ZStack lives under `/zstack/v1`, CSBS under `/v1`, Terraform states under `/engine/v1/states`). */
  readonly url: string;
  readonly context: EngineContext;
  close(): Promise<void>;
}

/**
 * Opens the data dir, builds the domain services and starts serving the ZStack, CSBS/Keystone and admin APIs.
 * Promises: when it resolves the port is bound and every route answers; `close()` stops accepting connections,
 * stops background work and closes the database. With `metadata` (PostgreSQL), the start-up (the `admin`
 * account, the demo lab) runs under the database's start-up lock, so nodes starting together create them once.
 */
export async function startEngine(opts: Partial<EngineOptions> & { dataDir: string }): Promise<RunningEngine> {
  const options: EngineOptions = {
    host: DEFAULT_LISTEN.host,
    port: DEFAULT_LISTEN.port,
    sessionTimeoutSeconds: 7200,
    demo: false,
    ...opts,
    dataDir: resolve(opts.dataDir),
    ...(opts.primaryStorage !== undefined ? { primaryStorage: resolve(opts.primaryStorage) } : {}),
  };
  const clock = options.clock ?? systemClock;
  nodeZoneOf(options.timeZone); // a bad zone fails the start, not every signed request
  // A bad node name or advertise URL fails the start before anything is opened.
  const clusterPlan = planCluster({
    listenHost: options.host,
    ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
    ...(options.nodeName !== undefined ? { nodeName: options.nodeName } : {}),
    ...(options.advertiseUrl !== undefined ? { advertiseUrl: options.advertiseUrl } : {}),
    ...(options.clusterBounds !== undefined ? { bounds: options.clusterBounds } : {}),
  });
  const store = openMetadataStore(options.dataDir, options.metadata);
  const closers: (() => void | Promise<void>)[] = [];
  let cluster: Cluster | undefined;
  let clusterClosed = false;
  const closeCluster = async () => {
    if (clusterClosed || !cluster) return;
    clusterClosed = true;
    await cluster.close();
  };
  const closeAll = async () => {
    for (const fn of closers.splice(0).reverse()) await fn();
    await closeCluster(); // when the start failed before its closer was registered
    store.close();
  };
  let context: EngineContext;
  let server: Server | undefined;
  let url: string;
  try {
    // One node, or one of several sharing the metadata database: joining tells whether others are live.
    const joined = (cluster = await openCluster(clusterPlan));
    const { alone } = await joined.join();
    let router: Router;
    // Building the services (and seeding the demo lab) once at a time across the nodes sharing the metadata.
    ({ context, router } = await store.exclusiveStartup(async () => {
      const roots = storageRoots(options.dataDir, options.primaryStorage);
      const inventory = new Inventory(store, options.dataDir, clock, roots);
      // Chunked, deduplicated backups, incremental through a dirty tracker fed by every volume write (or, shared
      // by several nodes, by comparing hashes with the parent).
      const storage = await openEngineStorage({
        dataDir: options.dataDir,
        onWrite: (listener) => inventory.onWrite(listener),
        ...(options.chunks !== undefined ? { chunks: options.chunks } : {}),
        ...(options.primaryStorage !== undefined ? { primaryStorage: options.primaryStorage } : {}),
        ...(options.metadata !== undefined ? { metadata: options.metadata } : {}),
      });
      closers.push(() => storage.close()); // closers run in reverse: the store closes after everything using it
      closers.push(closeCluster); // after the services stop, before the storage: leases go once journals are closed
      const context: EngineContext = {
        options,
        dataDir: options.dataDir,
        store,
        clock,
        inventory,
        backupStore: storage.backupStore,
        cluster: joined,
        recoverInterrupted: alone,
        refreshMetadata: async () => store.refresh(),
        onClose: (fn) => closers.push(fn),
      };
      const router = new Router();
      await registerZStack(router, context);
      await registerCsbs(router, context);
      await registerAdmin(router, context);
      registerTeamStates(router, context);
      registerHealth(router);
      if (options.demo) await seedDemoOnce(context);
      return { context, router };
    }));

    // Large enough for query strings that look up hundreds of uuids at once (`q=uuid?=a,b,c...`).
    server = createServer({ maxHeaderSize: 1024 * 1024 }, (req, res) => {
      void dispatch(router, store, req, res);
    });
    server.keepAliveTimeout = 65_000;
    await listen(server, options.host, options.port);
    const addr = server.address() as AddressInfo;
    url = `http://${addr.family === "IPv6" ? `[${addr.address}]` : addr.address}:${addr.port}`;
    await context.cluster.ready(url);
  } catch (e) {
    // A refused node name, an unreachable database, a refused chunk store (bad URL, unreachable bucket, storage
    // bound elsewhere) or a taken port fails the start cleanly: the start-up lock other nodes wait on goes with
    // the cluster's close.
    server?.close();
    await closeAll();
    throw e;
  }
  const listening = server;

  return {
    url,
    context,
    async close() {
      await new Promise<void>((done) => {
        listening.close(() => done());
        listening.closeAllConnections();
      });
      await closeAll();
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<void> {
  return new Promise((done, fail) => {
    server.once("error", fail);
    server.listen(port, host, () => {
      server.off("error", fail);
      done();
    });
  });
}

async function dispatch(router: Router, store: MetadataStore, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let response: HttpResponse;
  try {
    // Another engine node may have written what this request reads (a session, a policy): bring it in first.
    store.refresh();
  } catch (e) {
    write(res, { status: 503, json: { error: { code: "SYS.1000", description: "metadata database unavailable", details: e instanceof Error ? e.message : String(e) } } });
    return;
  }
  try {
    const url = new URL(req.url ?? "/", "http://engine.invalid");
    const method = req.method ?? "GET";
    const base = {
      method,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      raw: req,
      origin: `http://${req.headers.host ?? "127.0.0.1"}`,
    };
    const found = router.match(method, url.pathname);
    if ("handler" in found) {
      const request: HttpRequest = { ...base, params: found.params };
      response = await found.handler(request);
    } else {
      const fallback = router.fallbackFor(url.pathname);
      const request: HttpRequest = { ...base, params: {} };
      response = fallback
        ? fallback(request, found.allowed)
        : { status: found.allowed.length ? 405 : 404, text: `no route for ${method} ${url.pathname}` };
    }
  } catch (e) {
    // Route families translate their own errors; reaching here is an engine bug, reported without a crash.
    console.error("backplan engine: unhandled error", e);
    response = { status: 500, json: { error: { code: "SYS.1000", description: "internal error", details: String(e) } } };
  }
  write(res, response);
}

function write(res: ServerResponse, r: HttpResponse): void {
  const headers: Record<string, string> = { ...r.headers };
  let payload: string | Uint8Array = "";
  if (r.json !== undefined) {
    payload = JSON.stringify(r.json);
    headers["content-type"] ??= "application/json; charset=utf-8";
  } else if (r.text !== undefined) {
    payload = r.text;
    headers["content-type"] ??= "text/plain; charset=utf-8";
  } else if (r.bytes !== undefined) {
    payload = r.bytes;
    headers["content-type"] ??= "application/octet-stream";
  }
  headers["content-length"] = String(Buffer.byteLength(payload));
  res.writeHead(r.status, headers);
  res.end(payload);
}
