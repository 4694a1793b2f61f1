import * as grpc from "@grpc/grpc-js";
import { fromJSON } from "@grpc/proto-loader";
import protobuf from "protobufjs";
import type { Provider } from "../sdk/index.js";
import { selfSignedCertificate } from "./certificate.js";
import { checkLaunch, handshakeLine } from "./handshake.js";
import { GO_PLUGIN_PROTO, TFPLUGIN6_PROTO } from "./proto/tfplugin6.js";
import { capabilities, ProviderService } from "./provider-service.js";
import { protoProviderSchema } from "./schema-proto.js";

/** A running plugin server. */
export interface PluginServer {
  port: number;
  /** Resolves when the client has asked the plugin to shut down (or `close` was called). */
  closed: Promise<void>;
  close(): Promise<void>;
}

export interface ServeOptions {
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the handshake line goes (stdout for a real plugin). */
  writeHandshake?: (line: string) => void;
}

/** The gRPC service definitions of tfplugin6.Provider and go-plugin's controller and stdio services. */
export function loadServices() {
  const root = protobuf.parse(TFPLUGIN6_PROTO, { keepCase: true }).root;
  protobuf.parse(GO_PLUGIN_PROTO, root, { keepCase: true });
  const def = fromJSON(root.toJSON(), { keepCase: true, longs: Number, enums: Number, defaults: true, oneofs: true });
  const service = (name: string) => def[name] as grpc.ServiceDefinition;
  return {
    provider: service("tfplugin6.Provider"),
    controller: service("plugin.GRPCController"),
    stdio: service("plugin.GRPCStdio"),
  };
}

type Handler = (req: never) => unknown;

function unary(fn: Handler): grpc.handleUnaryCall<unknown, unknown> {
  return (call, callback) => {
    Promise.resolve()
      .then(() => fn(call.request as never))
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
 */
export async function servePlugin(provider: Provider, opts: ServeOptions = {}): Promise<PluginServer> {
  const env = opts.env ?? process.env;
  const launch = checkLaunch(env);
  if (!launch.ok) throw new Error(launch.message);
  const services = loadServices();
  const svc = new ProviderService(provider, env);
  const schema = protoProviderSchema(svc.schema);
  const server = new grpc.Server();
  let finish!: () => void;
  const closed = new Promise<void>((resolve) => (finish = resolve));
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      await svc.close().catch(() => undefined);
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      finish();
    })());
  const empty = () => ({});
  const emptyDiags = () => ({ diagnostics: [] });
  const handlers: Record<string, Handler> = {
    GetMetadata: () => svc.getMetadata(),
    GetProviderSchema: () => ({ ...schema, diagnostics: [], server_capabilities: capabilities() }),
    ValidateProviderConfig: (r: Parameters<ProviderService["validateProviderConfig"]>[0]) => svc.validateProviderConfig(r),
    ValidateResourceConfig: (r: Parameters<ProviderService["validateResourceConfig"]>[0]) => svc.validateResourceConfig(r),
    ValidateDataResourceConfig: (r: Parameters<ProviderService["validateDataResourceConfig"]>[0]) => svc.validateDataResourceConfig(r),
    UpgradeResourceState: (r: Parameters<ProviderService["upgradeResourceState"]>[0]) => svc.upgradeResourceState(r),
    ConfigureProvider: (r: Parameters<ProviderService["configureProvider"]>[0]) => svc.configureProvider(r),
    ReadResource: (r: Parameters<ProviderService["readResource"]>[0]) => svc.readResource(r),
    PlanResourceChange: (r: Parameters<ProviderService["planResourceChange"]>[0]) => svc.planResourceChange(r),
    ApplyResourceChange: (r: Parameters<ProviderService["applyResourceChange"]>[0]) => svc.applyResourceChange(r),
    ImportResourceState: (r: Parameters<ProviderService["importResourceState"]>[0]) => svc.importResourceState(r),
    MoveResourceState: (r: Parameters<ProviderService["moveResourceState"]>[0]) => svc.moveResourceState(r),
    ReadDataSource: (r: Parameters<ProviderService["readDataSource"]>[0]) => svc.readDataSource(r),
    StopProvider: () => svc.stopProvider(),
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
  for (const name of Object.keys(services.provider)) {
    impl[name] = unary(handlers[name] ?? empty);
  }
  server.addService(services.provider, impl);
  server.addService(services.controller, {
    Shutdown: (_call: unknown, callback: grpc.sendUnaryData<unknown>) => {
      callback(null, {});
      setImmediate(() => void close());
    },
  });
  server.addService(services.stdio, {
    // Output goes to stderr, which Terraform forwards at TF_LOG=debug; the stream has nothing to carry.
    StreamStdio: (call: grpc.ServerWritableStream<unknown, unknown>) => call.end(),
  });
  const credentials = launch.clientCertPem ? tlsCredentials(launch.clientCertPem) : { creds: grpc.ServerCredentials.createInsecure(), der: undefined };
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", credentials.creds, (err, p) => (err ? reject(err) : resolve(p))),
  );
  (opts.writeHandshake ?? ((line) => process.stdout.write(line)))(handshakeLine(port, credentials.der));
  return { port, closed, close };
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
