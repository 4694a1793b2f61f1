import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { App, HttpBackend, LocalBackend, PgBackend, S3Backend, TerraformStack } from "cdktf";
import { afterAll, describe, expect, it } from "vitest";
import { constString } from "./static.js";
import { loadConfig } from "./load.js";

/**
 * cdktf's backend constructs synthesize `terraform.backend` into cdk.tf.json; the loader must put it in the
 * Config model's `terraform.backend`, where backend selection (src/state/backends) reads it, exactly as from HCL.
 */
const work = mkdtempSync(join(tmpdir(), "backplan-cdktf-backend-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

type AddBackend = (s: TerraformStack) => void;
const cases: [string, AddBackend, Record<string, string>][] = [
  ["local", (s) => new LocalBackend(s, { path: "state/terraform.tfstate" }), { path: "state/terraform.tfstate" }],
  ["s3", (s) => new S3Backend(s, { bucket: "tf", key: "backup.tfstate", region: "us-east-1", endpoint: "http://127.0.0.1:9000" }), { bucket: "tf", key: "backup.tfstate", region: "us-east-1", endpoint: "http://127.0.0.1:9000" }],
  ["pg", (s) => new PgBackend(s, { connStr: "postgres://127.0.0.1/tf", schemaName: "backup" }), { conn_str: "postgres://127.0.0.1/tf", schema_name: "backup" }],
  ["http", (s) => new HttpBackend(s, { address: "http://127.0.0.1:8080/state", lockAddress: "http://127.0.0.1:8080/lock" }), { address: "http://127.0.0.1:8080/state", lock_address: "http://127.0.0.1:8080/lock" }],
];

describe("cdktf backends reach the config model", () => {
  it.each(cases)("%s", (type, add, attrs) => {
    const outdir = join(work, type);
    const app = new App({ outdir });
    add(new TerraformStack(app, "s"));
    app.synth();
    const r = loadConfig(outdir, { stack: "s" });
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const backend = r.config!.terraform.backend!;
    expect(backend.type).toBe(type);
    const got = Object.fromEntries(backend.config.attributes.map((a) => [a.name, constString(a.expr)]));
    expect(got).toEqual(attrs);
    expect(backend.range.filename).toMatch(/cdk\.tf\.json$/);
  });
});
