/**
 * Installing backplan the ways that build it from source, each into a clean global prefix: a local directory
 * (a fresh clone, no node_modules, no dist) and a Git URL (`git+file://` of a clone) packed with
 * `npm pack <git url>` and installed from the tarball. Each must give a working `backplan version`.
 *
 * `npm install -g <git url>` directly is not among them: npm's own preparation install for a Git package
 * inherits the outer install's `npm_config_global` and prefix, links the temporary clone into the same global
 * prefix and races the outer install, before any code of the package runs (docs/getting-started.md, "Why not
 * `npm install -g <git url>`", has the measurements); docs give the pack-then-install form instead. These installs build the project (minutes each), so they run in
 * `npm run test:install`, not in `npm test`.
 */
import { execFileSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { clone, installAndRun, installBase, npm } from "../support/npm-install.js";

const base = installBase();

describe("installing backplan from source", () => {
  it("from a local directory holding a fresh clone (no node_modules, no dist)", async () => {
    const dir = clone(base, "dir");
    expect(await installAndRun(base, dir, "dir")).toMatch(/^backplan v\d+\.\d+\.\d+/);
  }, 1_200_000);

  it("from a Git URL: npm pack git+file://... then install the tarball", async () => {
    const dir = clone(base, "git");
    const dest = join(base, "git-pack");
    execFileSync("mkdir", ["-p", dest]);
    const packed = await npm(["pack", `git+file://${dir}`, "--pack-destination", dest], base);
    expect(packed.code, packed.out).toBe(0);
    const tgz = readdirSync(dest).find((f) => f.endsWith(".tgz"))!;
    expect(await installAndRun(base, join(dest, tgz), "git")).toMatch(/^backplan v\d+\.\d+\.\d+/);
  }, 1_200_000);
});
