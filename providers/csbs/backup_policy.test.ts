import { describe, expect, it } from "vitest";
import { fromPolicy } from "./backup_policy.js";

const PATTERN = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=WEEKLY;BYDAY=MO;BYHOUR=1;BYMINUTE=0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";

const prior = {
  id: "pol-1",
  name: "p",
  description: null,
  provider_id: "fc4d5750-22e7-4798-8a46-f48f62c4c1da",
  common: null,
  resource: [
    { id: "b", type: "OS::Nova::Server", name: "B" },
    { id: "a", type: "OS::Nova::Server", name: "A" },
  ],
  scheduled_operation: [
    {
      name: null,
      description: null,
      enabled: null,
      operation_type: "backup" as const,
      trigger_pattern: PATTERN,
      max_backups: 5,
      retention_duration_days: null,
      permanent: null,
      day_backups: 3,
      week_backups: null,
      month_backups: null,
      year_backups: null,
      timezone: "UTC+01:00",
      id: "op-1",
      trigger_id: "tr-1",
      trigger_name: "default",
      trigger_type: "time",
    },
  ],
  tags: null,
  status: "suspended",
  created_at: "2026-11-25T10:00:00.000000",
  scheduled_operation_id: "op-1",
  trigger_id: "tr-1",
};

/** A policy as a CSBS server answers it: defaults filled in, numbers as strings, some fields not echoed. */
const remote = {
  id: "pol-1",
  name: "p",
  description: "",
  provider_id: "fc4d5750-22e7-4798-8a46-f48f62c4c1da",
  status: "suspended",
  created_at: "2026-11-25T10:00:00.000000",
  parameters: { common: {} },
  resources: [
    { id: "a", type: "OS::Nova::Server", name: "A", extra_info: {} },
    { id: "b", type: "OS::Nova::Server", name: "B", extra_info: {} },
  ],
  scheduled_operations: [
    {
      id: "op-1",
      name: "default",
      description: "",
      enabled: true,
      operation_type: "backup",
      trigger_id: "tr-1",
      operation_definition: { max_backups: "5", permanent: "false", retention_duration_days: -1 },
      trigger: { id: "tr-1", name: "default", type: "time", properties: { pattern: PATTERN.replaceAll("\r\n", "\n"), start_time: "2026-11-25 10:00:00" } },
    },
  ],
};

describe("fromPolicy", () => {
  it("reads a policy back exactly as configured despite echoed defaults, string numbers and unechoed fields", () => {
    expect(fromPolicy(remote, prior)).toEqual(prior);
  });

  it("still shows drift in a value the configuration sets", () => {
    const drifted = { ...remote, name: "renamed", scheduled_operations: [{ ...remote.scheduled_operations[0]!, operation_definition: { max_backups: 9 } }] };
    const out = fromPolicy(drifted, prior);
    expect(out.name).toBe("renamed");
    expect(out.scheduled_operation[0]!.max_backups).toBe(9);
  });

  it("keeps the operation's trigger name and type (as OTC's scheduled_operation does), whatever the prior held", () => {
    const unread = { ...prior, scheduled_operation: [{ ...prior.scheduled_operation[0]!, trigger_name: null, trigger_type: null }] };
    expect(fromPolicy(remote, unread).scheduled_operation[0]).toMatchObject({ id: "op-1", trigger_id: "tr-1", trigger_name: "default", trigger_type: "time" });
  });

  it("on import (no prior) takes every value from the API", () => {
    const out = fromPolicy(remote, null);
    expect(out.scheduled_operation[0]).toMatchObject({ name: "default", enabled: true, max_backups: 5, permanent: false, retention_duration_days: -1 });
    expect(out.resource.map((r) => r.id)).toEqual(["a", "b"]);
    expect(out.common).toBeNull();
  });

  it("on import reads the empty strings CSBS answers for unset descriptions as null, as a configuration leaving them out plans", () => {
    const out = fromPolicy(remote, null);
    expect(out.description).toBeNull();
    expect(out.scheduled_operation[0]!.description).toBeNull();
    const described = fromPolicy({ ...remote, description: "d", scheduled_operations: [{ ...remote.scheduled_operations[0]!, description: "od" }] }, null);
    expect(described.description).toBe("d");
    expect(described.scheduled_operation[0]!.description).toBe("od");
  });

  it("keeps a description configured as the empty string, and shows one cleared outside as drift to null", () => {
    const empty = { ...prior, description: "", scheduled_operation: [{ ...prior.scheduled_operation[0]!, description: "" }] };
    expect(fromPolicy(remote, empty)).toEqual(empty);
    expect(fromPolicy(remote, { ...prior, description: "was set" }).description).toBeNull();
  });
});
