import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { loadConfig } from "../config/load.js";
import type { GivenVariable } from "../lang/variable.js";
import { computed, defineProvider, defineResource, required } from "../sdk/index.js";
import { builtinTerraformProvider } from "../../providers/terraform/index.js";
import { configureProviders } from "./provider-setup.js";
import { providerRegistry } from "./providers.js";

/** A provider whose client is its configuration, so the test sees what configure was given. */
const thingSchema = z.object({ id: z.string().nullable() });
const echo = defineProvider<{ url: string }, z.ZodObject<{ url: z.ZodString }>>({
  name: "echo",
  source: "test/echo",
  version: "0.0.1",
  description: "echo",
  schema: z.object({ url: z.string() }),
  attributes: { url: required() },
  async configure(c) {
    return { url: c.url };
  },
  resources: [
    defineResource<{ url: string }, typeof thingSchema>({
      type: "echo_thing",
      description: "thing",
      schema: thingSchema,
      attributes: { id: computed() },
      async read(_c, s) {
        return s;
      },
      async create(_c, p) {
        return p;
      },
      async delete() {},
    }),
  ],
  dataSources: [],
});

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function config(text: string) {
  const dir = mkdtempSync(join(tmpdir(), "backplan-setup-"));
  dirs.push(dir);
  writeFileSync(join(dir, "main.tf"), text);
  const r = loadConfig(dir);
  if (!r.config) throw new Error(JSON.stringify(r.diagnostics));
  return r.config;
}

const HEADER = `
terraform {
  required_providers {
    echo = { source = "test/echo" }
  }
}
variable "host" {
  type = string
}
locals {
  url = "https://\${var.host}/api"
}
resource "echo_thing" "t" {}
resource "terraform_data" "d" {}
`;

function given(values: Record<string, string>): Map<string, GivenVariable> {
  return new Map(Object.entries(values).map(([k, v]) => [k, { value: { kind: "string", text: v }, origin: "-var" } satisfies GivenVariable]));
}

const setup = (text: string, vars: Record<string, string>, wanted: string[]) =>
  configureProviders({ root: config(text), registry: providerRegistry([echo, builtinTerraformProvider]), variables: given(vars), env: {}, signal: new AbortController().signal }, wanted);

describe("configureProviders", () => {
  it("configures the provider a resource needs, evaluating the variables and locals it refers to, and no other", async () => {
    const s = await setup(`${HEADER}provider "echo" {\n  url = local.url\n}\n`, { host: "h.example" }, ["echo_thing.t"]);
    expect(s.diagnostics).toEqual([]);
    expect([...s.providers.values()].map((p) => [p.address, p.client])).toEqual([['provider["registry.terraform.io/test/echo"]', { url: "https://h.example/api" }]]);
  });

  it("reports a missing variable the provider needs", async () => {
    const s = await setup(`${HEADER}provider "echo" {\n  url = local.url\n}\n`, {}, ["echo_thing.t"]);
    expect(s.diagnostics.some((d) => d.severity === "error" && d.detail.includes("host"))).toBe(true);
    expect([...s.providers.values()]).toEqual([]);
  });

  it("refuses a provider configuration that depends on a resource (unknown outside a plan)", async () => {
    const s = await setup(`${HEADER}provider "echo" {\n  url = terraform_data.d.id\n}\n`, { host: "h" }, ["echo_thing.t"]);
    expect(s.diagnostics.map((d) => d.summary)).toContain("Provider configuration unknown");
  });
});
