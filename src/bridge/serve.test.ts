import * as grpc from "@grpc/grpc-js";
import { X509Certificate } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { fakeProvider } from "../sdk/fixture.test-support.js";
import { selfSignedCertificate } from "./certificate.js";
import { MAGIC_COOKIE_VALUE } from "./handshake.js";
import { loadServices, servePlugin, type PluginServer } from "./serve.js";

type Unary = (req: object, cb: (err: grpc.ServiceError | null, res: Record<string, unknown>) => void) => void;

function call(client: grpc.Client, method: string, req: object = {}): Promise<Record<string, unknown>> {
  const fn = (client as unknown as Record<string, Unary>)[method]!.bind(client);
  return new Promise((resolve, reject) => fn(req, (err, res) => (err ? reject(err) : resolve(res))));
}

/** The plugin server over real gRPC with go-plugin's automatic mutual TLS, as Terraform connects to it. */
describe("servePlugin", () => {
  let server: PluginServer | undefined;
  afterEach(async () => server?.close());

  async function start() {
    const clientCert = selfSignedCertificate();
    let line = "";
    server = await servePlugin(fakeProvider, {
      env: { TF_PLUGIN_MAGIC_COOKIE: MAGIC_COOKIE_VALUE, PLUGIN_PROTOCOL_VERSIONS: "6", PLUGIN_CLIENT_CERT: clientCert.certPem },
      writeHandshake: (l) => (line = l),
    });
    const [, , , addr, , b64] = line.trimEnd().split("|");
    const serverPem = new X509Certificate(Buffer.from(b64!, "base64")).toString();
    return { clientCert, addr: addr!, serverPem };
  }

  function client(service: grpc.ServiceDefinition, addr: string, creds: grpc.ChannelCredentials): grpc.Client {
    const Ctor = grpc.makeGenericClientConstructor(service, "x");
    return new Ctor(addr, creds, { "grpc.ssl_target_name_override": "localhost", "grpc.default_authority": "localhost" });
  }

  it("serves the schema to a client holding the certificate Terraform passed, and shuts down on the controller's call", async () => {
    const { clientCert, addr, serverPem } = await start();
    const creds = grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(clientCert.keyPem), Buffer.from(clientCert.certPem));
    const services = loadServices();
    const provider = client(services.provider, addr, creds);
    const schema = await call(provider, "GetProviderSchema");
    const resources = schema["resource_schemas"] as Record<string, { block: { attributes: { name: string; type: Buffer }[] } }>;
    const nameAttr = resources["fake_task"]!.block.attributes.find((a) => a.name === "name")!;
    expect(Buffer.from(nameAttr.type).toString()).toBe('"string"');
    expect(schema["server_capabilities"]).toMatchObject({ get_provider_schema_optional: true });
    // RPCs of newer protocol minors answer empty rather than UNIMPLEMENTED.
    expect(await call(provider, "GetFunctions")).toMatchObject({ diagnostics: [] });
    const controller = client(services.controller, addr, creds);
    await call(controller, "Shutdown");
    await server!.closed;
    provider.close();
    controller.close();
  });

  it("refuses a client without the expected certificate", async () => {
    const { addr, serverPem } = await start();
    const stranger = selfSignedCertificate();
    const creds = grpc.credentials.createSsl(Buffer.from(serverPem), Buffer.from(stranger.keyPem), Buffer.from(stranger.certPem));
    const provider = client(loadServices().provider, addr, creds);
    await expect(call(provider, "GetProviderSchema")).rejects.toThrow();
    provider.close();
  });

  it("will not start outside Terraform", async () => {
    await expect(servePlugin(fakeProvider, { env: {}, writeHandshake: () => undefined })).rejects.toThrow(/Terraform provider plugin/);
  });
});
