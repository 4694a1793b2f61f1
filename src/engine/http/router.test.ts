import { describe, expect, it } from "vitest";
import { Router } from "./router.js";

const ok = () => ({ status: 200 });

describe("Router", () => {
  it("prefers literal segments over parameters whatever the registration order", () => {
    const r = new Router();
    const byUuid = () => ({ status: 201 });
    r.add("POST", "/cdp-task/:uuid", byUuid);
    r.add("POST", "/cdp-task/enable", ok);
    const m = r.match("POST", "/cdp-task/enable");
    expect("handler" in m && m.handler).toBe(ok);
  });

  it("decodes parameters and reports the methods a path allows", () => {
    const r = new Router();
    r.add("GET", "/v1/:project/plans/:id", ok);
    const m = r.match("GET", "/v1/p%201/plans/x");
    expect("params" in m && m.params).toEqual({ project: "p 1", id: "x" });
    expect(r.match("DELETE", "/v1/p/plans/x")).toEqual({ allowed: ["GET"] });
    expect(r.match("GET", "/v1/p/plans")).toEqual({ allowed: [] });
  });
});
