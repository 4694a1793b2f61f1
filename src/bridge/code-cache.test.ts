import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cachePath, compileBundle, writeCodeCache } from "./code-cache.js";

describe("bundle code cache", () => {
  const dir = mkdtempSync(join(tmpdir(), "backplan-codecache-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("compiles a CommonJS bundle (shebang and all), uses a cache once written, and rejects a foreign one", () => {
    const bundle = join(dir, "b.cjs");
    writeFileSync(bundle, "#!/usr/bin/env node\nmodule.exports = { answer: (n) => n * 2 };\n");
    const first = compileBundle(bundle);
    expect(first.cacheRejected).toBe(true);
    writeCodeCache(bundle, first.script);
    const second = compileBundle(bundle);
    expect(second.cacheRejected).toBe(false);
    const mod = { exports: {} as { answer?: (n: number) => number } };
    (second.script.runInThisContext() as (...a: unknown[]) => void)(mod.exports, require, mod, bundle, dir);
    expect(mod.exports.answer!(21)).toBe(42);

    // A fresh source, so V8's in-process compilation cache cannot stand in for the file cache.
    const other = join(dir, "c.cjs");
    writeFileSync(other, "module.exports = 3;\n");
    writeFileSync(cachePath(other), Buffer.from("not a V8 cache"));
    expect(compileBundle(other).cacheRejected).toBe(true);
  });
});
