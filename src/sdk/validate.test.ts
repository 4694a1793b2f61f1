import { describe, expect, it } from "vitest";
import { task } from "./fixture.test-support.js";
import { validateConfig } from "./validate.js";
import { UNKNOWN } from "./value.js";

const ok = { name: "t", policy_uuid: "p".repeat(32), resource_uuids: ["a"] };

describe("validateConfig", () => {
  it("accepts a valid configuration and unknown values", () => {
    expect(validateConfig(task.attributes, task.schema.shape, ok)).toEqual([]);
    expect(validateConfig(task.attributes, task.schema.shape, { ...ok, name: UNKNOWN })).toEqual([]);
  });

  it("names missing, unsupported, computed and out-of-range attributes, all at once", () => {
    const d = validateConfig(task.attributes, task.schema.shape, {
      name: "",
      resource_uuids: ["a"],
      colour: "red",
      status: "Running",
    });
    expect(d.map((x) => [x.path.join("."), x.summary])).toEqual([
      ["colour", "Unsupported argument"],
      ["status", "Value for unconfigurable attribute"],
      ["name", "Invalid value for argument"],
      ["policy_uuid", "Missing required argument"],
    ]);
    expect(d[2]!.detail).toMatch(/^name: /);
  });

  it("checks nested blocks with their own flags and item limits", () => {
    const d = validateConfig(task.attributes, task.schema.shape, {
      ...ok,
      schedule: [{ enabled: true }, { name: "x", enabled: "yes" }, { name: "y" }],
    });
    expect(d.map((x) => x.path.join("."))).toEqual(["schedule", "schedule.0.name", "schedule.1.enabled"]);
  });
});
