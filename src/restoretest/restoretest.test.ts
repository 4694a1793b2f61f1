import { describe, expect, it } from "vitest";
import { parseRestoreTests } from "./declaration.js";
import { parseHistory } from "./history.js";
import { choosePoint, type RecoveryPoint } from "./points.js";
import { exitCodeOf, renderJunit, renderMarkdown, REPORT_FORMAT, type RunReport, type VmResult } from "./report.js";

const U = "0123456789abcdef0123456789abcdef";

describe("parseRestoreTests", () => {
  it("reads every attribute with its defaults", () => {
    const { tests, errors } = parseRestoreTests(
      JSON.stringify({ restore_tests: [{ name: "a", select: { names: "web-*" }, point: { random_within: "7d", seed: 3 }, target: { l3_network_uuids: [U] }, validate: { engine_checksums: true }, rto: "15m" }] }, null, 2),
      "f.json",
    );
    expect(errors).toEqual([]);
    expect(tests[0]).toMatchObject({
      name: "a",
      select: { names: ["web-*"], tags: [], uuids: [] },
      point: { kind: "random", withinSeconds: 604_800, seed: "3" },
      source: "any",
      target: { zoneUuid: null, l3NetworkUuids: [U], instanceOfferingUuid: null },
      validate: { running: true, volumeSizes: true, engineChecksums: "point" },
      rtoSeconds: 900,
      parallelism: 2,
      where: "f.json:3",
    });
  });

  it("names file, line and attribute of each mistake", () => {
    const text = JSON.stringify({ restore_tests: [{ name: "a", point: "newest", rto: "soon", target: { zone_uuid: "x" }, validate: { runing: true }, parallelism: 0 }] }, null, 2);
    const { errors } = parseRestoreTests(text, "f.json");
    expect(errors.map((e) => `${e.file}:${e.line}: ${e.path}`).sort()).toEqual([
      "f.json:11: restore_tests[0].validate.runing",
      "f.json:13: restore_tests[0].parallelism",
      "f.json:5: restore_tests[0].point",
      "f.json:6: restore_tests[0].rto",
      "f.json:8: restore_tests[0].target.zone_uuid",
    ]);
    expect(errors.find((e) => e.path.endsWith(".point"))!.message).toContain('must be "latest", "oldest"');
  });
});

describe("choosePoint", () => {
  const pts: RecoveryPoint[] = [1000, 3000, 2000, 9000].map((t, i) => ({ kind: "backup", groupUuid: `g${i}`, time: t, volumeSizes: [1] }));
  it("latest, oldest, random within a window (reproducible per seed and VM)", () => {
    expect(choosePoint(pts, { kind: "latest" }, U, 10_000)).toMatchObject({ time: 9000 });
    expect(choosePoint(pts, { kind: "oldest" }, U, 10_000)).toMatchObject({ time: 1000 });
    const r = { kind: "random" as const, withinSeconds: 8.5, seed: "s" };
    const a = choosePoint(pts, r, U, 10_000);
    expect(a!.time).toBeGreaterThanOrEqual(2000);
    expect(choosePoint(pts, r, U, 10_000)).toBe(a);
    expect(choosePoint(pts, { ...r, withinSeconds: 0.5 }, U, 10_000)).toBeNull();
    expect(choosePoint([], { kind: "latest" }, U, 0)).toBeNull();
  });
});

describe("reports", () => {
  const result = (vm: string, outcome: VmResult["outcome"]): VmResult => ({
    test: "t", vm, name: `n-${vm}`, outcome, reason: outcome === "passed" ? null : 'restore: chunk <x> & "y" is corrupt', point: null, restoredVm: null,
    restoreSeconds: 1.5, rtoSeconds: 60, checks: outcome === "passed" ? [] : [{ check: "restore", pass: false, detail: "chunk <x> is corrupt" }], cleanup: { done: true, detail: "deleted" },
  });
  const run = (results: VmResult[], id = "r1"): RunReport => ({ format: REPORT_FORMAT, runId: id, startedAt: "2026-12-07T00:00:00.000Z", finishedAt: "2026-12-07T00:01:00.000Z", leftoversRemoved: [], results });

  it("exit 0 only when every VM passed", () => {
    expect(exitCodeOf(run([result("a", "passed")]))).toBe(0);
    expect(exitCodeOf(run([result("a", "passed"), result("b", "failed")]))).toBe(2);
  });

  it("JUnit escapes messages; Markdown shows the last runs per VM from history", () => {
    const r = run([result("a", "passed"), result("b", "failed")]);
    const junit = renderJunit(r);
    expect(junit).toContain('<failure message="restore: chunk &lt;x&gt; &amp; &quot;y&quot; is corrupt">restore: chunk &lt;x&gt; is corrupt</failure>');
    const history = parseHistory([run([result("a", "failed"), result("b", "passed")], "r0"), r].map((x) => JSON.stringify(x)).join("\n") + "\n{torn");
    expect(history.map((h) => h.runId)).toEqual(["r0", "r1"]);
    const md = renderMarkdown(r, history);
    expect(md).toContain("| **n-a** | ✅ passed | - | 1.5s / 1m | deleted | ❌✅ |");
    expect(md).toContain("| **n-b** | ❌ failed: restore: chunk <x> & \"y\" is corrupt | - | 1.5s / 1m | deleted | ✅❌ |");
  });
});

describe("examples/restore-test", () => {
  it("its restore tests file is valid", async () => {
    const { readFile } = await import("node:fs/promises");
    const path = new URL("../../examples/restore-test/backplan.restore-tests.json", import.meta.url);
    const { tests, errors } = parseRestoreTests(await readFile(path, "utf8"), "backplan.restore-tests.json");
    expect(errors).toEqual([]);
    expect(tests.map((t) => [t.name, t.point.kind, t.validate.engineChecksums])).toEqual([["nightly-web", "latest", "off"], ["weekly-random-db", "random", "point"]]);
  });
});
