import * as grpc from "@grpc/grpc-js";
import type { Provider } from "../sdk/index.js";
import { selfSignedCertificate } from "./certificate.js";
import { checkLaunch, handshakeLine } from "./handshake.js";
import { loadCodec, methodsOf, serviceDefinition, type Codec } from "./proto/codec.js";
import type { ProviderService } from "./provider-service.js";

/** A running plugin server. */
export interface PluginServer {
  port: number;
  /** Resolves when the client has asked the plugin to shut down (or `close` was called). */
  closed: Promise<void>;
  /** Settles (never rejects) once the provider and the codec have loaded, which starts after the handshake. */
  loaded: Promise<void>;
  close(): Promise<void>;
}

export interface ServeOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the handshake line goes (stdout for a real plugin). */
  writeHandshake?: (line: string) => void;
}

/** The provider to serve, or how to load it (called once, after the handshake line is out). */
export type ProviderSource = Provider | (() => Promise<Provider>);

/** What requests need and the handshake does not: the message codec and the loaded provider. */
interface Ready {
  codec: Codec;
  svc: ProviderService;
}

/** A unary handler over raw bytes: decodes once the codec has loaded, answers encoded, errors as INTERNAL. */
function unary(ready: () => Promise<Ready>, requestType: string, responseType: string, fn: (svc: ProviderService, req: never) => unknown): grpc.handleUnaryCall<Buffer, Buffer> {
  return (call, callback) => {
    ready()
      .then(async ({ codec, svc }) => codec.encode(responseType, (await fn(svc, codec.decode(requestType, call.request) as never)) as object))
      .then(
        (res) => callback(null, res),
        (e: unknown) => callback({ code: grpc.status.INTERNAL, details: e instanceof Error ? e.message : String(e) }),
      );
  };
}

/**
 * Serves one sdk provider over tfplugin6 the way go-plugin expects: a loopback TCP port, automatic mutual TLS when
 * the client sent a certificate (PLUGIN_CLIENT_CERT; the server certificate is made fresh for each launch), the
 * handshake line, and the controller's Shutdown. Throws when the launch environment is not Terraform's.
 *
 * Only grpc-js and the certificate stand between exec and the handshake line. The provider module (its zod
 * schemas, its HTTP client), the protobuf codec and the provider's schema load right after the line is written,
 * while Terraform connects; requests that arrive earlier wait for them. A provider that fails to load answers
 * every request with that error.
 */
export async function servePlugin(source: ProviderSource, opts: ServeOptions = {}): Promise<PluginServer> {
  const env = opts.env ?? process.env;
  const launch = checkLaunch(env);
  if (!launch.ok) throw new Error(launch.message);
  let loading: Promise<Ready> | undefined;
  let svc: ProviderService | undefined;
  const ready = () =>
    (loading ??= Promise.all([
      loadCodec(),
      // Imported here rather than at the top: it brings in the sdk, zod and msgpack, none of which the handshake needs.
      import("./provider-service.js"),
      typeof source === "function" ? source() : Promise.resolve(source),
    ]).then(([codec, { ProviderService }, provider]) => {
      svc = new ProviderService(provider, env);
      return { codec, svc };
    }));
  // Channelz (grpc's introspection service, never served here) would otherwise track every call and socket.
  const server = new grpc.Server({ "grpc.enable_channelz": 0 });
  let finish!: () => void;
  const closed = new Promise<void>((resolve) => (finish = resolve));
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await svc?.close().catch(() => undefined);
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      finish();
    })());
  const empty = () => ({});
  const emptyDiags = () => ({ diagnostics: [] });
  const handlers: Record<string, (svc: ProviderService, req: never) => unknown> = {
    GetMetadata: (svc) => svc.getMetadata(),
    GetProviderSchema: (svc) => svc.getProviderSchema(),
    ValidateProviderConfig: (svc, r: Parameters<ProviderService["validateProviderConfig"]>[0]) => svc.validateProviderConfig(r),
    ValidateResourceConfig: (svc, r: Parameters<ProviderService["validateResourceConfig"]>[0]) => svc.validateResourceConfig(r),
    ValidateDataResourceConfig: (svc, r: Parameters<ProviderService["validateDataResourceConfig"]>[0]) => svc.validateDataResourceConfig(r),
    UpgradeResourceState: (svc, r: Parameters<ProviderService["upgradeResourceState"]>[0]) => svc.upgradeResourceState(r),
    ConfigureProvider: (svc, r: Parameters<ProviderService["configureProvider"]>[0]) => svc.configureProvider(r),
    ReadResource: (svc, r: Parameters<ProviderService["readResource"]>[0]) => svc.readResource(r),
    PlanResourceChange: (svc, r: Parameters<ProviderService["planResourceChange"]>[0]) => svc.planResourceChange(r),
    ApplyResourceChange: (svc, r: Parameters<ProviderService["applyResourceChange"]>[0]) => svc.applyResourceChange(r),
    ImportResourceState: (svc, r: Parameters<ProviderService["importResourceState"]>[0]) => svc.importResourceState(r),
    MoveResourceState: (svc, r: Parameters<ProviderService["moveResourceState"]>[0]) => svc.moveResourceState(r),
    ReadDataSource: (svc, r: Parameters<ProviderService["readDataSource"]>[0]) => svc.readDataSource(r),
    StopProvider: (svc) => svc.stopProvider(),
    GetFunctions: emptyDiags,
    CallFunction: empty,
    GetResourceIdentitySchemas: emptyDiags,
    UpgradeResourceIdentity: emptyDiags,
    GenerateResourceConfig: emptyDiags,
    ValidateEphemeralResourceConfig: emptyDiags,
    OpenEphemeralResource: emptyDiags,
    RenewEphemeralResource: emptyDiags,
    CloseEphemeralResource: emptyDiags,
    ValidateListResourceConfig: emptyDiags,
    ValidateActionConfig: emptyDiags,
  };
  const impl: grpc.UntypedServiceImplementation = {};
  for (const m of methodsOf("tfplugin6.Provider")) {
    impl[m.name] = unary(ready, m.requestType, m.responseType, handlers[m.name] ?? empty);
  }
  server.addService(serviceDefinition("tfplugin6.Provider"), impl);
  // The controller's and stdio's messages are empty: zero bytes each way, no codec needed.
  server.addService(serviceDefinition("plugin.GRPCController"), {
    Shutdown: (_call: unknown, callback: grpc.sendUnaryData<Buffer>) => {
      callback(null, Buffer.alloc(0));
      setImmediate(() => void close());
    },
  });
  server.addService(serviceDefinition("plugin.GRPCStdio"), {
    // Output goes to stderr, which Terraform forwards at TF_LOG=debug; the stream has nothing to carry.
    StreamStdio: (call: grpc.ServerWritableStream<Buffer, Buffer>) => call.end(),
  });
  const credentials = launch.clientCertPem ? tlsCredentials(launch.clientCertPem) : { creds: grpc.ServerCredentials.createInsecure(), der: undefined };
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials.creds, (err, p) => (err ? reject(err) : resolve(p))),
  );
  (opts.writeHandshake ?? ((line) => process.stdout.write(line)))(handshakeLine(port, credentials.der));
  // Load while Terraform connects. A failure is reported by every request, not here.
  const loaded = new Promise<void>((resolve) => setImmediate(() => ready().then(() => resolve(), () => resolve())));
  return { port, closed, close, loaded };
}

function tlsCredentials(clientCertPem: string): { creds: grpc.ServerCredentials; der: Buffer } {
  const cert = selfSignedCertificate();
  const creds = grpc.ServerCredentials.createSsl(
    Buffer.from(clientCertPem),
    [{ private_key: Buffer.from(cert.keyPem), cert_chain: Buffer.from(cert.certPem) }],
    true,
  );
  return { creds, der: cert.der };
}
