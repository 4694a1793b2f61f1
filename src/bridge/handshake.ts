/** go-plugin's launch contract (hashicorp/go-plugin docs/internals.md), as Terraform and OpenTofu use it. */

/** The cookie Terraform sets so a provider knows it was started by Terraform rather than by a person. */
export const MAGIC_COOKIE_KEY = "TF_PLUGIN_MAGIC_COOKIE";
export const MAGIC_COOKIE_VALUE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";

/** go-plugin core protocol version, and the Terraform plugin protocol (tfplugin6) this bridge speaks. */
export const CORE_PROTOCOL_VERSION = 1;
export const APP_PROTOCOL_VERSION = 6;

export type LaunchCheck =
  | { ok: true; clientCertPem: string | undefined }
  | { ok: false; message: string };

/**
 * Checks the environment a plugin is launched with: the magic cookie, and that protocol 6 is among the versions
 * offered. Returns the PEM client certificate for mutual TLS, when Terraform sent one.
 */
export function checkLaunch(env: Readonly<Record<string, string | undefined>>): LaunchCheck {
  if (env[MAGIC_COOKIE_KEY] !== MAGIC_COOKIE_VALUE) {
    return {
      ok: false,
      message:
        "This program is a Terraform provider plugin: Terraform or OpenTofu start it themselves. Install it with `backplan terraform install` and run `terraform init`.",
    };
  }
  const offered = env["PLUGIN_PROTOCOL_VERSIONS"];
  if (offered && !offered.split(",").map((v) => v.trim()).includes(String(APP_PROTOCOL_VERSION))) {
    return { ok: false, message: `This provider speaks plugin protocol ${APP_PROTOCOL_VERSION}; the client offered ${offered}.` };
  }
  const cert = env["PLUGIN_CLIENT_CERT"];
  return { ok: true, clientCertPem: cert && cert.trim() !== "" ? cert : undefined };
}

/** The one stdout line that tells the client where to connect: `1|6|tcp|127.0.0.1:PORT|grpc|<cert>`. */
export function handshakeLine(port: number, serverCertDer: Uint8Array | undefined): string {
  const cert = serverCertDer ? Buffer.from(serverCertDer).toString("base64").replace(/=+$/, "") : "";
  return `${CORE_PROTOCOL_VERSION}|${APP_PROTOCOL_VERSION}|tcp|127.0.0.1:${port}|grpc|${cert}\n`;
}
