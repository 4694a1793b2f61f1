import { describe, expect, it } from "vitest";
import { evalHcl, type Shown } from "../testkit.js";

function value(src: string): Shown {
  const r = evalHcl(src);
  if (r.errors.length > 0) throw new Error(`${src}: ${r.errors.join("\n")}`);
  return r.shown;
}

function error(src: string): string {
  const r = evalHcl(src);
  if (r.errors.length === 0) throw new Error(`${src}: expected an error, got ${JSON.stringify(r.shown)}`);
  return r.errors[0]!;
}

describe("network functions", () => {
  it.each<[string, string, Shown]>([
    ["cidrsubnet carves a numbered subnet", `cidrsubnet("10.1.0.0/16", 8, 2)`, "10.1.2.0/24"],
    ["cidrsubnet clears host bits of the base", `cidrsubnet("172.16.5.9/12", 4, 15)`, "172.31.0.0/16"],
    ["cidrsubnet in IPv6", `cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)`, "fd00:fd12:3456:7800:a200::/72"],
    ["cidrhost numbers hosts", `cidrhost("10.12.112.0/20", 16)`, "10.12.112.16"],
    ["cidrhost counts negative numbers from the end", `cidrhost("10.12.112.0/20", -2)`, "10.12.127.254"],
    ["cidrhost in IPv6", `cidrhost("fd00:fd12:3456:7890::/56", 10)`, "fd00:fd12:3456:7800::a"],
    ["cidrnetmask", `cidrnetmask("172.16.0.0/12")`, "255.240.0.0"],
    ["cidrsubnets packs consecutive subnets, aligning each", `cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)`, ["10.1.0.0/20", "10.1.16.0/20", "10.1.32.0/24", "10.1.48.0/20"]],
  ])("%s", (_name, src, expected) => {
    expect(value(src)).toEqual(expected);
  });

  it.each<[string, string, RegExp]>([
    ["a prefix without a length", `cidrsubnet("10.0.0.0", 8, 1)`, /invalid CIDR expression: "10.0.0.0"/],
    ["a subnet number that does not fit", `cidrsubnet("10.0.0.0/16", 2, 4)`, /prefix extension of 2 does not accommodate a subnet numbered 4/],
    ["too many new bits", `cidrsubnet("10.0.0.0/30", 4, 0)`, /insufficient address space to extend prefix of 30 by 4/],
    ["a host number beyond the network", `cidrhost("10.0.0.0/30", 4)`, /prefix of 30 does not accommodate a host numbered 4/],
    ["a netmask of an IPv6 network", `cidrnetmask("fd00::/8")`, /only IPv4 networks have a netmask/],
    ["subnets that do not fit", `cidrsubnets("10.0.0.0/30", 1, 1, 1)`, /not enough remaining address space/],
  ])("reports %s", (_name, src, message) => {
    expect(error(src)).toMatch(message);
  });
});
