import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";

const TESTDATA = join(dirname(fileURLToPath(import.meta.url)), "testdata");

/**
 * Compares `actual` with the golden file `testdata/<name>`. `UPDATE_GOLDEN=1` rewrites the file instead; a
 * missing golden file fails with that hint (so a new golden is always written on purpose and then read once).
 */
export function expectGolden(name: string, actual: string): void {
  const path = join(TESTDATA, name);
  if (process.env.UPDATE_GOLDEN === "1") {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, actual);
    return;
  }
  if (!existsSync(path)) throw new Error(`golden file ${path} is missing; run with UPDATE_GOLDEN=1 to create it`);
  expect(actual).toBe(readFileSync(path, "utf8"));
}

export function readTestdata(name: string): string {
  return readFileSync(join(TESTDATA, name), "utf8");
}
