import { describe, expect, it } from "vitest";
import { evaluateControls, formatSpan, parseControls, parseSpan, selects } from "./controls.js";
import type { VmProtection } from "./coverage.js";

function vm(over: Partial<VmProtection>): VmProtection {
  return { vm: "vm-1", name: "web-1", tags: [], protected: true, rpoSeconds: 600, retentionDays: 7, storages: ["bs-1"], newestPoint: null, newestAgeSeconds: 60, by: [], ...over };
}

describe("durations", () => {
  it.each([["15m", 900], ["1h30m", 5400], ["7d", 604800], ["2w", 1209600], ["90s", 90]])("%s is %d seconds", (t, s) => expect(parseSpan(t)).toBe(s));
  it.each(["", "15", "15 m", "1y", "m"])("%j is not a duration", (t) => expect(parseSpan(t)).toBeUndefined());
  it("formats back to the shortest exact text", () => {
    expect([formatSpan(900), formatSpan(93600), formatSpan(600), formatSpan(Infinity)]).toEqual(["15m", "1d2h", "10m", "forever"]);
  });
});

describe("parseControls", () => {
  it("reads every check and names where each control is", () => {
    const text = `{
  "controls": [
    {
      "name": "web",
      "select": { "names": ["web-*"], "tags": "tier=web" },
      "max_rpo": "15m",
      "min_retention": "7d",
      "newest_within": "1h",
      "storage": ["bs-1"]
    }
  ]
}`;
    const { controls, errors } = parseControls(text, "backplan.protection.json");
    expect(errors).toEqual([]);
    expect(controls).toEqual([
      { name: "web", description: null, select: { names: ["web-*"], tags: ["tier=web"], uuids: [] }, protected: true, maxRpoSeconds: 900, minRetentionDays: 7, newestWithinSeconds: 3600, storages: ["bs-1"], where: "backplan.protection.json:3" },
    ]);
  });

  it("names file, line and attribute for a bad value, an unknown attribute and a missing name", () => {
    const text = `{"controls": [
  {"name": "a",
   "max_rpo": "soon"},
  {"max_rpos": "1h"}
]}`;
    const { errors } = parseControls(text, "p.json");
    expect(errors).toEqual([
      { file: "p.json", line: 3, path: "controls[0].max_rpo", message: 'must be a duration such as "15m", "1h", "7d", got "soon"' },
      { file: "p.json", line: 4, path: "controls[1].max_rpos", message: expect.stringContaining('unknown attribute "max_rpos"') },
      { file: "p.json", line: null, path: "controls[1].name", message: "required: a non-empty string" },
    ]);
  });

  it("reports a JSON syntax error with its line", () => {
    const { errors } = parseControls('{\n "controls": [\n  ,\n]}', "p.json");
    expect(errors[0]).toMatchObject({ file: "p.json", line: 3 });
  });
});

describe("selects", () => {
  const v = vm({ tags: ["tier=db"] });
  it.each([
    [{ names: [], tags: [], uuids: [] }, true],
    [{ names: ["web-?"], tags: [], uuids: [] }, true],
    [{ names: ["db-*"], tags: [], uuids: [] }, false],
    [{ names: [], tags: ["tier=db"], uuids: [] }, true],
    [{ names: [], tags: [], uuids: ["vm-1"] }, true],
    [{ names: ["web.1"], tags: [], uuids: [] }, false],
  ])("%j → %s", (s, want) => expect(selects(s, v)).toBe(want));
});

describe("evaluateControls", () => {
  const base = { description: null, select: { names: [], tags: [], uuids: [] }, protected: true, maxRpoSeconds: null, minRetentionDays: null, newestWithinSeconds: null, storages: [], where: "f:1" };
  it("passes a VM that meets every check", () => {
    expect(evaluateControls([{ ...base, name: "c", maxRpoSeconds: 900, minRetentionDays: 7, storages: ["bs-1"] }], [vm({})], { newest: true })).toEqual([{ control: "c", vm: "vm-1", name: "web-1", pass: true, failures: [] }]);
  });
  it("says what each failed check wants and what the VM has", () => {
    const [r] = evaluateControls([{ ...base, name: "c", maxRpoSeconds: 300, minRetentionDays: 14, newestWithinSeconds: 30, storages: ["bs-9"] }], [vm({})], { newest: true });
    expect(r!.failures).toEqual([
      { check: "max_rpo", want: "≤ 5m", got: "10m" },
      { check: "min_retention", want: "≥ 14d", got: "7d" },
      { check: "newest_within", want: "newer than 30s", got: "1m old" },
      { check: "storage", want: "one of bs-9", got: "bs-1" },
    ]);
  });
  it("an unprotected VM fails `protected` and every RPO check", () => {
    const [r] = evaluateControls([{ ...base, name: "c", maxRpoSeconds: 900 }], [vm({ protected: false, rpoSeconds: null, retentionDays: null, storages: [] })], { newest: true });
    expect(r!.failures.map((f) => f.check)).toEqual(["protected", "max_rpo"]);
  });
  it("a plan (newest: false) does not judge recovery point age", () => {
    expect(evaluateControls([{ ...base, name: "c", newestWithinSeconds: 1 }], [vm({ newestAgeSeconds: null })], { newest: false })[0]!.pass).toBe(true);
  });
  it("a uuid that no VM has fails as not found", () => {
    expect(evaluateControls([{ ...base, name: "c", select: { names: [], tags: [], uuids: ["gone"] } }], [vm({})], { newest: true })).toEqual([
      { control: "c", vm: "gone", name: null, pass: false, failures: [{ check: "protected", want: "a VM to protect", got: "no such VM listed" }] },
    ]);
  });
});
