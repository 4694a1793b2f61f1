import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { builtinProviders } from "../../providers/index.js";
import { generatedPath, generateModule, LIBRARIES } from "./generate.js";

describe("generated construct classes", () => {
  it.each(LIBRARIES.flatMap((lib) => builtinProviders().map((p) => [lib, p.name] as const)))(
    "src/cdktf/generated/%s/%s.ts is current with the provider schema (run `npm run build`)",
    (lib, name) => {
      const provider = builtinProviders().find((p) => p.name === name)!;
      expect(readFileSync(generatedPath(lib, name), "utf8")).toBe(generateModule(provider, lib));
    },
  );

  it("has a class for the provider, every resource and every data source, importing the chosen library", () => {
    const zstack = builtinProviders().find((p) => p.name === "zstack")!;
    const text = generateModule(zstack, "cdktn");
    expect(text).toContain('import * as cdktf from "cdktn";');
    expect(text).toContain("export class ZstackProvider extends cdktf.TerraformProvider");
    for (const type of zstack.resources.keys()) expect(text).toContain(`static readonly tfResourceType = "${type}";`);
    for (const type of zstack.dataSources.keys()) expect(text).toContain(`static readonly tfResourceType = "${type}";`);
    expect(text).toMatch(/export class CdpTask extends cdktf\.TerraformResource/);
    expect(text).toMatch(/readonly policyUuid: string;/);
    expect(text).toMatch(/readonly maxLatency\?: number;/);
  });
});
