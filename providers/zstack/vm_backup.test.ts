import { describe, expect, it } from "vitest";
import { requestedName } from "./vm_backup.js";

describe("requestedName", () => {
  it("strips the timestamp ZStack appends to a VM backup's root-volume backup name", () => {
    expect(requestedName("nightly-2026-11-25 10:00:57.123")).toBe("nightly");
    expect(requestedName("web-1-weekly-2017-11-14 22:20:57.0")).toBe("web-1-weekly");
  });
  it("leaves a name without such a suffix alone", () => {
    expect(requestedName("plain-name")).toBe("plain-name");
  });
});
