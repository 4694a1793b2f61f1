import * as grpc from "@grpc/grpc-js";
import { X509Certificate } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { fakeProvider } from "../sdk/fixture.test-support.js";
import { selfSignedCertificate } from "./certificate.js";
import { MAGIC_COOKIE_VALUE } from "./handshake.js";
import { loadCodec, serviceDefinition, type ServiceName } from "./proto/codec.js";
import { servePlugin, type PluginServer, type ProviderSource } from "./serve.js";

type Unary = (req: object, cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void) => void;

function call(client: grpc.Client, method: string, req: object = {}): Promise<Record<string, unknown>> {
  const fn = (client as unknown as Record<string, Unary>)[method]!.bind(client);
  return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res))));
}

/** The plugin server over real gRPC with go-plugin's automatic mutual TLS, as Terraform connects to it. */
describe("servePlugin", () => {
  let server: PluginServer | undefined;
  /** The handshake line of the last start, "" until it is written. */
  let handshake = "";
  afterEach(async () => server?.close());

  async function start(source: ProviderSource = fakeProvider) {
    const clientCert = selfSignedCertificate();
    handshake = "";
    server = await servePlugin(source, {
      env: { TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: "6", PLUGIN_CLIENT_CERT: clientCert.certPem },
      writeHandshake: (l) => (handshake = l),
    });
    const [, , , addr, , b64] = handshake.trimEnd().split("|");
    const serverPem = new X509Certificate(Buffer.from(b64!, "base64")).toString();
    return { clientCert, addr: addr!, serverPem };
  }

  async function client(service: ServiceName, addr: string, creds: grpc.ChannelCredentials): Promise<grpc.Client> {
    const Ctor = grpc.makeGenericClientConstructor(serviceDefinition(service, await loadCodec()), "x");
    return new Ctor(addr, creds, { "grpc.ssl_target_name_override": "localhost", "grpc.default_authority": "localhost" });
  }

  it("serves the schema to a client holding the certificate Terraform passed, and shuts down on the controller's call", async () => {
    const { clientCert, addr, serverPem } = await start();
    const creds = grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem));
    const provider = await client("tfplugin6.Provider", addr, creds);
    const schema = await call(provider, "GetProviderSchema");
    const resources = schema["resource_schemas"] as Record<string, { block: { attributes: { name: string; type: Buffer }[] } }>;
    const nameAttr = resources["fake_task"]!.block.attributes.find((a) => a.name === "name")!;
    expect(Buffer.from(nameAttr.type).toString()).toBe('"string"');
    expect(schema["server_capabilities"]).toMatchObject({ get_provider_schema_optional: true });
    // RPCs of newer protocol minors answer empty rather than UNIMPLEMENTED.
    expect(await call(provider, "GetFunctions")).toMatchObject({ diagnostics: [] });
    const controller = await client("plugin.GRPCController", addr, creds);
    await call(controller, "Shutdown");
    await server!.closed;
    provider.close();
    controller.close();
  });

  it("refuses a client without the expected certificate", async () => {
    const { addr, serverPem } = await start();
    const stranger = selfSignedCertificate();
    const creds = grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(stranger.keyPem), Buffer.from(stranger.certPem));
    const provider = await client("tfplugin6.Provider", addr, creds);
    await expect(call(provider, "GetProviderSchema")).rejects.toThrow();
    provider.close();
  });

  it("loads the provider only after the handshake line is out, and reports a provider that fails to load on each request", async () => {
    let loadedAfterHandshake: boolean | undefined;
    const { clientCert, addr, serverPem } = await start(async () => {
      loadedAfterHandshake = handshake !== "";
      throw new Error("no such module");
    });
    const creds = grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem));
    const provider = await client("tfplugin6.Provider", addr, creds);
    await expect(call(provider, "GetMetadata")).rejects.toThrow(/no such module/);
    expect(loadedAfterHandshake).toBe(true);
    provider.close();
  });

  it("will not start outside Terraform", async () => {
    await expect(servePlugin(fakeProvider, { env: {}, writeHandshake: () => undefined })).rejects.toThrow(/Terraform provider plugin/);
  });
});
