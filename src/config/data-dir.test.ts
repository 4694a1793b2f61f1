import { describe, expect, it } from "vitest";
import { dataDir, dataDirName } from "./data-dir.js";

describe("the data directory (TF_DATA_DIR, else .terraform)", () => {
  const cases: [string | undefined, string][] = [
    [undefined, ".terraform"],
    ["", ".terraform"],
    ["td", "td"],
    ["./td/", "td"],
    ["../shared//data", "../shared/data"],
    ["/srv/tf-data/", "/srv/tf-data"],
  ];
  for (const [given, recorded] of cases) {
    it(`TF_DATA_DIR=${JSON.stringify(given)} is recorded in modules.json as ${recorded}`, () => {
      expect(dataDirName(given === undefined ? {} : { TF_DATA_DIR: given })).toBe(recorded);
    });
  }
  it("a relative one is taken from the configuration directory, an absolute one as it is", () => {
    expect(dataDir("/work/cfg", { TF_DATA_DIR: "../data" })).toBe("/work/data");
    expect(dataDir("/work/cfg", { TF_DATA_DIR: "/srv/d" })).toBe("/srv/d");
    expect(dataDir("/work/cfg", {})).toBe("/work/cfg/.terraform");
  });
});
