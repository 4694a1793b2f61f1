import { describe, expect, it } from "vitest";
import { LockError } from "../state/lock.js";
import { userErrorText } from "./user-error.js";

/** Stands in for a provider's error class, which the CLI recognises by name (it may not import providers). */
class ApiError extends Error {
  constructor(readonly code: string, readonly status: number, message: string) {
    super(message);
    this.name = "ApiError";
  }
}

describe("userErrorText", () => {
  it("turns a wrong password into an authentication diagnostic without a stack", () => {
    const text = userErrorText(new ApiError("ID.1000", 503, "ZStack API error ID.1000 on PUT /zstack/v1/accounts/login: wrong account name or password"))!;
    expect(text).toContain("Error: Authentication failed: check the provider's credentials");
    expect(text).toContain("wrong account name or password");
    expect(text).not.toMatch(/\n\s+at /);
  });

  it("prints a held lock with its info", () => {
    const holder = { ID: "abc-123", Operation: "OperationTypeApply", Info: "", Who: "ci@runner", Version: "0.1.0", Created: "2026-12-07T10:00:00Z", Path: "terraform.tfstate" };
    const text = userErrorText(new LockError("held", "state is locked", holder))!;
    expect(text).toContain("Error: Error acquiring the state lock");
    expect(text).toContain("ID:        abc-123");
    expect(text).toContain("Who:       ci@runner");
    expect(text).toContain("backplan force-unlock abc-123");
  });

  it("leaves internal errors alone (they keep their stack)", () => {
    expect(userErrorText(new TypeError("x is undefined"))).toBeUndefined();
    expect(userErrorText("a string")).toBeUndefined();
  });
});
