import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLab, ZSTACK_DATE, type Lab } from "./engine-zstack-client.js";

/** The query API over real engine data: 12 CDP policies p00..p11 with recoveryPointPerSecond 100..1200. */
describe("ZStack query API", () => {
  let lab: Lab;
  let policies: any[];

  beforeAll(async () => {
    lab = await startLab();
    policies = [];
    for (let i = 0; i < 12; i++) {
      const p = { name: `p${String(i).padStart(2, "0")}`, recoveryPointPerSecond: (i + 1) * 100, ...(i % 3 === 0 ? { description: `third ${i}` } : {}) };
      policies.push((await lab.client.ok("POST", "/zstack/v1/cdp-backup-storage/policy", { params: p })).inventory);
    }
  });
  afterAll(() => lab.engine.dispose());

  const names = async (query: string) => (await lab.client.query(`/zstack/v1/cdp-backup-storage/policy?${query}`)).map((p) => p.name);
  const q = (cond: string) => `q=${encodeURIComponent(cond)}`;

  it.each([
    ["=", "name=p03", ["p03"]],
    ["!=", "recoveryPointPerSecond!=100", ["p01", "p02", "p03", "p04", "p05", "p06", "p07", "p08", "p09", "p10", "p11"]],
    [">", "recoveryPointPerSecond>1000", ["p10", "p11"]],
    ["<", "recoveryPointPerSecond<300", ["p00", "p01"]],
    [">=", "recoveryPointPerSecond>=1100", ["p10", "p11"]],
    ["<=", "recoveryPointPerSecond<=200", ["p00", "p01"]],
    ["?=", "name?=p01,p05,nope", ["p01", "p05"]],
    ["!?=", "name!?=p00,p01,p02,p03,p04,p05,p06,p07,p08", ["p09", "p10", "p11"]],
    ["~=", "name~=p1%", ["p10", "p11"]],
    ["!~=", "name!~=p0%", ["p10", "p11"]],
    ["is null", "description is null", []],
    ["not null", "description not null", ["p00", "p01", "p02", "p03", "p04", "p05", "p06", "p07", "p08", "p09", "p10", "p11"]],
  ])("filters with %s", async (_op, cond, expected) => {
    expect(await names(q(cond))).toEqual(expected);
  });

  it("matches like with _ and ANDs repeated conditions", async () => {
    expect(await names(`${q("description~=third _")}`)).toEqual(["p00", "p03", "p06", "p09"]);
    expect(await names(`${q("description~=third%")}&${q("recoveryPointPerSecond>500")}`)).toEqual(["p06", "p09"]);
  });

  it("compares timestamps given as ZStack text", async () => {
    const all = await lab.client.query("/zstack/v1/cdp-backup-storage/policy");
    expect(all[0].createDate).toMatch(ZSTACK_DATE);
    expect(await names(q(`createDate>=${all[0].createDate}`))).toHaveLength(12);
    expect(await names(q("createDate<Jan 1, 2000 12:00:00 AM"))).toEqual([]);
  });

  it("selects through nested fields of lists", async () => {
    const vm = lab.vms[0];
    const byIp = await lab.client.query(`/zstack/v1/vm-instances?${q(`vmNics.ip=${vm.vmNics[0].ip}`)}`);
    expect(byIp.map((v) => v.uuid)).toEqual([vm.uuid]);
    const byVolume = await lab.client.query(`/zstack/v1/vm-instances?${q(`allVolumes.uuid=${vm.allVolumes[1].uuid}`)}`);
    expect(byVolume.map((v) => v.uuid)).toEqual([vm.uuid]);
    const dataVolumes = await lab.client.query(`/zstack/v1/volumes?${q("type=Data")}&${q(`vmInstanceUuid=${vm.uuid}`)}`);
    expect(dataVolumes.map((v) => v.uuid)).toEqual([vm.allVolumes[1].uuid]);
  });

  it("pages with limit and start, defaulting to 1000 from 0", async () => {
    expect(await names("limit=3")).toEqual(["p00", "p01", "p02"]);
    expect(await names("limit=3&start=10")).toEqual(["p10", "p11"]);
    expect(await names("start=12")).toEqual([]);
    expect(await names("limit=0")).toEqual([]);
  });

  it("sorts ascending (+, %2B or bare) and descending (-)", async () => {
    expect(await names("sort=-recoveryPointPerSecond&limit=2")).toEqual(["p11", "p10"]);
    expect(await names("sort=%2Bname&limit=2")).toEqual(["p00", "p01"]);
    expect(await names("sort=name&limit=2&start=10")).toEqual(["p10", "p11"]);
  });

  it("counts: count=true answers only total, replyWithCount adds total beside inventories", async () => {
    const count = await lab.client.get(`/zstack/v1/cdp-backup-storage/policy?count=true&${q("recoveryPointPerSecond>600")}`);
    expect(count.json).toEqual({ total: 6 });
    const withCount = await lab.client.get("/zstack/v1/cdp-backup-storage/policy?replyWithCount=true&limit=2");
    expect(withCount.json.total).toBe(12);
    expect(withCount.json.inventories).toHaveLength(2);
  });

  it("projects fields", async () => {
    const r = await lab.client.query(`/zstack/v1/cdp-backup-storage/policy?fields=uuid,name&${q("name=p04")}`);
    expect(r).toEqual([{ uuid: policies[4].uuid, name: "p04" }]);
  });

  it("answers GET /{uuid} with an inventories array, empty when missing", async () => {
    expect(await lab.client.query(`/zstack/v1/cdp-backup-storage/policy/${policies[2].uuid}`)).toEqual([policies[2]]);
    expect(await lab.client.query("/zstack/v1/cdp-backup-storage/policy/00000000000000000000000000000000")).toEqual([]);
    expect(await lab.client.query(`/zstack/v1/zones/${lab.zone.uuid}`)).toEqual([lab.zone]);
  });

  it("looks up batches with uuid?= in the given order, combined with other conditions", async () => {
    const wanted = [policies[7], policies[1], policies[11]].map((p) => p.uuid);
    const r = await lab.client.query(`/zstack/v1/cdp-backup-storage/policy?${q(`uuid?=${wanted.join(",")},ffffffffffffffffffffffffffffffff`)}`);
    expect(r.map((p) => p.uuid)).toEqual(wanted);
    const filtered = await lab.client.query(`/zstack/v1/cdp-backup-storage/policy?${q(`uuid?=${wanted.join(",")}`)}&${q("recoveryPointPerSecond<1000")}`);
    expect(filtered.map((p) => p.name)).toEqual(["p07", "p01"]);
  });

  it("serves every inventory collection a user references", async () => {
    for (const path of ["zones", "clusters", "hosts", "primary-storage", "instance-offerings", "l3-networks", "backup-storage", "backup-storage/image-store", "vm-instances", "volumes", "cdp-task", "volume-backups"]) {
      const r = await lab.client.get(`/zstack/v1/${path}`);
      expect(r.status, path).toBe(200);
      expect(Array.isArray(r.json.inventories), path).toBe(true);
    }
  });

  it.each([
    ["no operator", q("name"), "doesn't contain any query operator"],
    ["an unknown field", q("colour=red"), "'colour'"],
    ["a non-integer limit", "limit=ten", "'limit' must be an integer"],
    ["a non-integer start", "start=-2", "'start' must be an integer"],
    ["a bad number", q("recoveryPointPerSecond>many"), "must be a number"],
    ["a bad sort field", "sort=-nope", "'sort' names 'nope'"],
    ["a bad fields entry", "fields=uuid,nope", "'fields' names 'nope'"],
    ["a bad count flag", "count=maybe", "'count' must be true or false"],
  ])("rejects %s with 400 plain text", async (_name, query, message) => {
    const r = await lab.client.get(`/zstack/v1/cdp-backup-storage/policy?${query}`);
    expect(r.status).toBe(400);
    expect(r.headers.get("content-type")).toContain("text/plain");
    expect(r.text).toContain(message);
  });
});
