import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startScaleOutLab, type ScaleOutLab } from "../support/scale-out-lab.js";
import { ZStackClient } from "./engine-zstack-client.js";

const QUICKSTART = join(import.meta.dirname, "../../examples/quickstart");

/**
 * Issue 19, done when (1/2): the quickstart's configuration through the `backplan` CLI against two engine nodes
 * behind HAProxy — PostgreSQL metadata, chunks in Swift, volumes and backup storages on a shared directory. Every
 * request may land on either node: sessions, Keystone tokens, jobs polled through the other node, CDP recovery
 * points cut by the journal's owner and a VM created from one through whichever node the request reached.
 */
describe("the quickstart through a balancer in front of two engine nodes (built CLI)", { timeout: 300_000 }, () => {
  let lab: ScaleOutLab;
  const work = mkdtempSync(join(tmpdir(), "backplan-scale-out-qs-"));
  const config = join(work, "config");

  beforeAll(async () => {
    lab = await startScaleOutLab();
    cpSync(QUICKSTART, config, { recursive: true });
  }, 300_000);
  afterAll(async () => {
    await lab?.dispose();
    rmSync(work, { recursive: true, force: true });
  });

  type Attributes = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- state attributes as stored
  const attrs = (type: string, name: string): Attributes => {
    const state = JSON.parse(readFileSync(join(config, "terraform.tfstate"), "utf8")) as { resources: { type: string; name: string; instances: { attributes: Attributes }[] }[] };
    const found = state.resources.find((r) => r.type === type && r.name === name)?.instances[0]?.attributes;
    if (!found) throw new Error(`${type}.${name} is not in the state`);
    return found;
  };
  /** The VM backup's volumes, as the backup holds them, are the source VM's volumes now (it is not written to). */
  const backupRestoresExactly = async (c: ZStackClient, backup: Attributes) => {
    const sums = await c.get(`/engine/v1/vm-backups/${backup.group_uuid}/sha256`);
    expect(sums.status, sums.text).toBe(200);
    const volumes = sums.json.volumes as { volumeUuid: string; sha256: string }[];
    expect(volumes.length).toBe((backup.backups as unknown[]).length);
    for (const v of volumes) expect(await c.volumeSha256(v.volumeUuid), `volume ${v.volumeUuid}`).toBe(v.sha256);
  };
  /**
   * The VM created from a CDP recovery point holds exactly the point's bytes, device by device (a task protecting
   * several VMs restores its first, as ZStack does, and the checksum route hashes that VM's volumes).
   */
  const restoredVmIsThePoint = async (c: ZStackClient, restored: Attributes) => {
    const [vm] = await c.query(`/zstack/v1/vm-instances?q=uuid=${restored.uuid}`);
    const sums = await c.get(`/engine/v1/cdp-tasks/${restored.cdp_task_uuid}/recovery-points/${restored.group_id}/sha256`);
    expect(sums.status, sums.text).toBe(200);
    const volumes = [...(vm.allVolumes as { uuid: string; deviceId: number }[])].sort((a, b) => a.deviceId - b.deviceId);
    const actual = await Promise.all(volumes.map((v) => c.volumeSha256(v.uuid)));
    expect(actual).toEqual((sums.json.volumes as { sha256: string }[]).map((v) => v.sha256));
  };
  const backplan = (...args: string[]) => lab.cli([...args, config, "-var", `endpoint=${lab.lb.url}`, "-no-color"], work);

  it("applies, re-plans to no changes, updates in place and destroys; both nodes serve the requests", async () => {
    const applied = await backplan("apply", "-auto-approve");
    expect(applied.out).toContain("Apply complete! Resources: 6 added, 0 changed, 0 destroyed.");
    expect(applied.code, applied.out).toBe(0);

    const client = new ZStackClient(lab.lb.url);
    await client.login();
    await backupRestoresExactly(client, attrs("zstack_vm_backup", "app"));
    await restoredVmIsThePoint(client, attrs("zstack_vm_from_cdp_backup", "web_restored"));

    const plan = await backplan("plan", "-detailed-exitcode");
    expect(plan.out).toContain("No changes.");
    expect(plan.code, plan.out).toBe(0);

    // An in-place update and a forced replacement (a new VM backup) in one apply.
    const vars = ["-var", "max_latency_ms=300000", "-var", "backup_generation=2"];
    const firstBackup = attrs("zstack_vm_backup", "app").group_uuid;
    const updated = await backplan("apply", "-auto-approve", ...vars);
    expect(updated.out).toContain("# zstack_cdp_task.protect will be updated in-place");
    expect(updated.out).toContain("# zstack_vm_backup.app must be replaced");
    expect(updated.out).toContain("Apply complete! Resources: 1 added, 1 changed, 1 destroyed.");
    expect(updated.code, updated.out).toBe(0);
    expect(attrs("zstack_vm_backup", "app").group_uuid).not.toBe(firstBackup);
    await backupRestoresExactly(client, attrs("zstack_vm_backup", "app"));
    const again = await backplan("plan", "-detailed-exitcode", ...vars);
    expect(again.out).toContain("No changes.");
    expect(again.code, again.out).toBe(0);

    const destroyed = await backplan("destroy", "-auto-approve", ...vars);
    expect(destroyed.out).toContain("Destroy complete! Resources: 6 destroyed.");
    expect(destroyed.code, destroyed.out).toBe(0);

    // What the configuration made is gone, as every node sees it.
    for (const n of lab.nodes) {
      const c = new ZStackClient(n.url);
      await c.login();
      expect(await c.query("/zstack/v1/cdp-task")).toEqual([]);
      expect(await c.query("/zstack/v1/cdp-backup-storage/policy")).toEqual([]);
      expect((await c.query("/zstack/v1/vm-instances")).map((vm: { name: string }) => vm.name)).not.toContain("web-1-restored");
    }
    const served = lab.servedBy();
    expect(Object.keys(served).sort(), JSON.stringify(served)).toEqual(["node1", "node2"]);
    expect(Math.min(...Object.values(served))).toBeGreaterThan(10);
  });
});
