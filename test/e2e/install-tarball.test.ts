/**
 * Installing backplan from the `npm pack` tarball of this checkout into a clean global prefix, as a user installs
 * a release: `backplan version` must work. The other ways (a local directory, a Git URL) build the project from
 * source and take minutes each, so they run in `npm run test:install` (test/install/), not in `npm test`.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { installAndRun, installBase, npm, ROOT } from "../support/npm-install.js";

const base = installBase();

describe("installing backplan", () => {
  it("from the npm pack tarball of the checkout", async () => {
    const packed = await npm(["pack", "--pack-destination", base], ROOT);
    expect(packed.code, packed.out).toBe(0);
    const tgz = readdirSync(base).find((f) => /^backplan-.*\.tgz$/.test(f))!;
    expect(await installAndRun(base, join(base, tgz), "tgz")).toMatch(/^backplan v\d+\.\d+\.\d+/);
  }, 1_200_000);
});
