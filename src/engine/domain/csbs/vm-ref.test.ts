import { describe, expect, it } from "vitest";
import { dashed, vmUuidOf } from "./vm-ref.js";

describe("vmUuidOf", () => {
  const uuid = "0123456789abcdef0123456789abcdef";
  it("accepts the engine uuid and its dashed form in any case", () => {
    expect(vmUuidOf(uuid)).toBe(uuid);
    expect(vmUuidOf(dashed(uuid))).toBe(uuid);
    expect(vmUuidOf(dashed(uuid).toUpperCase())).toBe(uuid);
  });
  it.each(["", "server0", "0123456789abcdef0123456789abcde", "01234567-89ab-cdef-0123-456789abcdeff", "0123456789ab-cdef-0123-456789abcdef"])(
    "rejects %j",
    (id) => expect(vmUuidOf(id)).toBeUndefined(),
  );
});
