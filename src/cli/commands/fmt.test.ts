import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { main } from "../cli.js";

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tree(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), "backplan-fmt-"));
  dirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  }
  return root;
}

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, out, err };
}

const UGLY = 'resource "t" "x" {\nname="a"\n  longer_name = 1\n}\n';
const PRETTY = 'resource "t" "x" {\n  name        = "a"\n  longer_name = 1\n}\n';

describe("backplan fmt", () => {
  it("rewrites files in place and lists them", async () => {
    const root = tree({ "main.tf": UGLY, "ok.tf": PRETTY, "vars.tfvars": "a=1\n", "notes.txt": "x=1\n" });
    const r = await run(["fmt", root]);
    expect(r.code).toBe(0);
    expect(r.out.trim().split("\n").sort()).toEqual([join(root, "main.tf"), join(root, "vars.tfvars")]);
    expect(readFileSync(join(root, "main.tf"), "utf8")).toBe(PRETTY);
    expect(readFileSync(join(root, "vars.tfvars"), "utf8")).toBe("a = 1\n");
    expect(readFileSync(join(root, "notes.txt"), "utf8")).toBe("x=1\n");
  });

  it("-check exits 3 without writing when something is unformatted, 0 when all is", async () => {
    const root = tree({ "main.tf": UGLY });
    expect((await run(["fmt", "-check", root])).code).toBe(3);
    expect(readFileSync(join(root, "main.tf"), "utf8")).toBe(UGLY);
    const clean = tree({ "main.tf": PRETTY });
    expect(await run(["fmt", "-check", clean])).toEqual({ code: 0, out: "", err: "" });
  });

  it("-diff prints a unified diff", async () => {
    const root = tree({ "main.tf": UGLY });
    const r = await run(["fmt", "-check", "-diff", "-list=false", root]);
    expect(r.code).toBe(3);
    expect(r.out).toContain('-name="a"');
    expect(r.out).toContain('+  name        = "a"');
    expect(r.out).toMatch(/^--- old\/.*main\.tf\n\+\+\+ new\/.*main\.tf\n@@ -1,5 \+1,5 @@/);
  });

  it("-recursive descends into subdirectories", async () => {
    const root = tree({ "modules/net/main.tf": UGLY });
    expect((await run(["fmt", "-check", root])).code).toBe(0);
    expect((await run(["fmt", "-check", "-recursive", root])).code).toBe(3);
  });

  it("- formats standard input to standard output (a real process with a pipe)", () => {
    const main = fileURLToPath(new URL("../main.ts", import.meta.url));
    const r = spawnSync(process.execPath, ["--import", "tsx", main, "fmt", "-"], { input: UGLY, encoding: "utf8" });
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(PRETTY);
  });

  it("syntax errors are reported with their position and exit 2, leaving the file alone", async () => {
    const root = tree({ "bad.tf": "a = = 1\n" });
    const r = await run(["fmt", root]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/Error: Invalid expression\n  --> .*bad\.tf:1:5/);
    expect(readFileSync(join(root, "bad.tf"), "utf8")).toBe("a = = 1\n");
  });
});
