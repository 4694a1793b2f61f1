import { LocalBackend, TerraformOutput, TerraformStack } from "cdktf";
import type { Construct } from "constructs";
import { BackupPolicy, BackupPolicyCheckpoint, CsbsProvider } from "backplan/cdktf/csbs";
import { CdpPolicy, CdpTask, DataBackupStorages, DataVmInstances, VmBackup, ZstackProvider } from "backplan/cdktf/zstack";

export interface BackupStackProps {
  /** Base URL of the backup engine (or real ZStack / CSBS endpoints behind one URL). */
  endpoint: string;
  /** Names of the VMs the CDP task protects. */
  protectedVms: readonly string[];
  /** State file, relative to the synthesized stack's directory. */
  statePath?: string;
}

/**
 * The quickstart's backup plan as constructs: a CDP policy and a task protecting VMs, a full VM backup of app-1,
 * and a CSBS backup policy for web-1 executed once as a checkpoint.
 */
export class BackupStack extends TerraformStack {
  constructor(scope: Construct, id: string, props: BackupStackProps) {
    super(scope, id);
    // An explicit backend: without one cdktf writes an absolute path into the stack.
    new LocalBackend(this, { path: props.statePath ?? "terraform.tfstate" });

    new ZstackProvider(this, "zstack", { endpoint: `${props.endpoint}/zstack`, accountName: "admin", accountPassword: "password" });
    new CsbsProvider(this, "csbs", {
      authUrl: `${props.endpoint}/v3`,
      username: "demo",
      password: "password",
      projectName: "demo",
      userDomainName: "Default",
    });

    const imagestore = new DataBackupStorages(this, "imagestore", { type: "ImageStoreBackupStorage" });
    const vms = props.protectedVms.map((name) => new DataVmInstances(this, `vm-${name}`, { name }));
    const app = new DataVmInstances(this, "app", { name: "app-1" });
    const web = new DataVmInstances(this, "web", { name: "web-1" });

    const gold = new CdpPolicy(this, "gold", {
      name: "gold",
      description: "recovery point every 5 s",
      recoveryPointPerSecond: 5,
      retentionTimePerDay: 1,
    });

    const task = new CdpTask(this, "protect", {
      name: `protect-${[...props.protectedVms].sort().join("-")}`,
      policyUuid: gold.uuid,
      backupStorageUuid: imagestore.backupStorages.get(0).uuid,
      resourceUuids: vms.map((vm) => vm.vmInstances.get(0).uuid),
      maxLatency: 600000,
    });

    new VmBackup(this, "app-backup", {
      name: "app-1-backup",
      description: "taken by the backplan cdktf example",
      rootVolumeUuid: app.vmInstances.get(0).rootVolumeUuid,
      backupStorageUuid: imagestore.backupStorages.get(0).uuid,
    });

    const daily = new BackupPolicy(this, "daily", {
      name: "daily-web",
      description: "web-1, every day at 02:00",
      resource: [{ id: web.vmInstances.get(0).uuid, type: "OS::Nova::Server", name: "web-1" }],
      scheduledOperation: [
        {
          name: "daily",
          enabled: true,
          operationType: "backup",
          maxBackups: 7,
          triggerPattern: "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
        },
      ],
    });

    const checkpoint = new BackupPolicyCheckpoint(this, "now", { planId: daily.id });

    new TerraformOutput(this, "cdp_task_uuid", { value: task.uuid });
    new TerraformOutput(this, "checkpoint_status", { value: checkpoint.status });
  }
}
