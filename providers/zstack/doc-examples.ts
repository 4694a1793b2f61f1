import type { DocExtras } from "../docs-render.js";

/** Hand-written examples for the zstack pages, keyed by provider name or resource/data source type. */
export const zstackDocExtras: Readonly<Record<string, DocExtras>> = {
  zstack: {
    example: `
terraform {
  required_providers {
    zstack = { source = "backplan/zstack" }
  }
}

# Credentials may also come from ZSTACK_HOST, ZSTACK_PORT, ZSTACK_ENDPOINT, ZSTACK_ACCOUNT_NAME,
# ZSTACK_ACCOUNT_PASSWORD, ZSTACK_ACCESS_KEY_ID and ZSTACK_ACCESS_KEY_SECRET.
provider "zstack" {
  host             = "10.0.0.5"
  account_name     = "admin"
  account_password = var.zstack_password
}`,
    notes: `Requests go through a keep-alive connection pool with at most \`max_concurrency\` in flight. Idempotent calls
(reads, updates, deletes, and creates carrying a client-chosen \`resourceUuid\`) are retried with exponential
backoff and jitter on connection errors, 429 and 5xx. Asynchronous ZStack jobs (202 + location) are polled until
they finish or the operation's timeout passes. An expired session (\`ID.1001\`) is answered by logging in again
once. API failures are reported with ZStack's code, the HTTP method and the path, e.g.
\`ZStack API error SYS.1007 on POST /zstack/v1/cdp-backup-storage/task: ...\`.

### A real ZStack Cloud management node

Session login (the account's password is sent as its SHA-512 digest, as ZStack's SDKs send it):

\`\`\`hcl
provider "zstack" {
  endpoint         = "http://172.20.0.10:8080" # /zstack/v1 is added
  account_name     = "admin"
  account_password = var.zstack_password
}
\`\`\`

AccessKey signing (an AccessKey made in the ZStack UI under *Operations → AccessKey*):

\`\`\`hcl
provider "zstack" {
  endpoint          = "https://zstack.example.com:8443"
  access_key_id     = var.zstack_access_key_id
  access_key_secret = var.zstack_access_key_secret
  time_zone         = "Asia/Shanghai" # the management node's zone
}
\`\`\`

ZStack checks a signed request's \`Date\` against the management node's *local* clock face and ignores the zone
written in it (unless its \`checkTimeZone\` setting is on), refusing more than 15 minutes of difference with
403 \`requestTimeTooSkewed\`. The provider therefore writes the node's local time, as ZStack's own SDKs do; set
\`time_zone\` (or \`ZSTACK_TIME_ZONE\`) to the node's zone — it defaults to the zone of the machine running
backplan, which is right when both sit in the same zone. The zone is written as \`GMT+08:00\` rather than the
ambiguous \`CST\`, so a node with \`checkTimeZone\` on reads it correctly too.`,
  },
  zstack_cdp_policy: {
    example: `
resource "zstack_cdp_policy" "gold" {
  name                      = "gold"
  description               = "recovery point every 10 seconds, kept for a week"
  recovery_point_per_second = 10
  retention_time_per_day    = 7
  hourly_rp_since_day       = 1
}`,
    importId: "a2f1c9d0e3b84f1e9c6b7d8e9f0a1b2c",
  },
  zstack_cdp_task: {
    example: `
data "zstack_vm_instances" "web" {
  name = "web-1"
}

data "zstack_backup_storages" "imagestore" {
  type = "ImageStoreBackupStorage"
}

resource "zstack_cdp_task" "web" {
  name                = "protect-web-1"
  task_type           = "VM"
  policy_uuid         = zstack_cdp_policy.gold.uuid
  backup_storage_uuid = data.zstack_backup_storages.imagestore.backup_storages[0].uuid
  resource_uuids      = [data.zstack_vm_instances.web.vm_instances[0].uuid]
  max_latency         = 600000 # ms
  backup_bandwidth    = 104857600 # bytes/s per volume
  enabled             = true
}`,
    importId: "613a2bba58f03c4ba98ec089674cefaa",
    notes: `Configurations written for the ZStack Terraform provider's \`zstack_cdp_task\` work unchanged. \`resource_uuids\`
is compared as a set, so reordering it plans no change. \`enabled = false\` disables the task (DisableCdpTask)
without deleting its journal; setting it back enables it.`,
  },
  zstack_vm_backup: {
    example: `
resource "zstack_vm_backup" "weekly" {
  root_volume_uuid    = data.zstack_vm_instances.web.vm_instances[0].root_volume_uuid
  backup_storage_uuid = data.zstack_backup_storages.imagestore.backup_storages[0].uuid
  name                = "web-1-weekly"

  # A new backup is taken whenever this map changes.
  triggers = {
    week = formatdate("YYYY-'W'ww", timestamp())
  }
}

output "backup_sizes" {
  value = { for b in zstack_vm_backup.weekly.backups : b.type => b.size }
}`,
    importId: "2f7c0a5bb86430e8a5ac48312172d70d",
    notes: `The import id is the backup **group** uuid (\`group_uuid\`). ZStack names each volume backup
\`<name>-<timestamp>\`; the \`name\` attribute keeps the configured value so no drift appears.`,
  },
  zstack_volume_backup: {
    example: `
resource "zstack_volume_backup" "db_data" {
  volume_uuid         = data.zstack_vm_instances.db.vm_instances[0].all_volumes[1].uuid
  backup_storage_uuid = data.zstack_backup_storages.imagestore.backup_storages[0].uuid
  name                = "db-data-before-upgrade"
}`,
    importId: "7d1c3f0e9a6b4d2e8f5a1b3c5d7e9f01",
    notes: `Made with CreateVolumeBackup; the name is kept as given. Deleting the resource deletes the backup
(DeleteVolumeBackup). Only plain volume backups are listed by drift: the volume backups inside a VM backup belong to
\`zstack_vm_backup\`.`,
  },
  zstack_scheduler_trigger: {
    example: `
# Every night at 02:00 on the management node's clock (Quartz cron: a seconds field, one day field "?").
resource "zstack_scheduler_trigger" "nightly" {
  name           = "nightly-0200"
  scheduler_type = "cron"
  cron           = "0 0 2 * * ?"
}

# Every 6 hours, 28 times in all, from a given Unix time.
resource "zstack_scheduler_trigger" "week_of_6h" {
  name               = "6h-for-a-week"
  scheduler_type     = "simple"
  scheduler_interval = 21600
  repeat_count       = 28
  start_time         = 1798761600
}`,
    importId: "0c9e5d4b3a2f41e0b8d7c6a5f4e3d2c1",
    notes: `A trigger does nothing by itself: jobs name it in \`zstack_scheduler_job.trigger_uuids\`. For protection reviews a
trigger lends its rhythm to the VM backup jobs it runs: a simple trigger's RPO is its interval, a cron trigger's the
longest wait between two firings (weekends included).`,
  },
  zstack_scheduler_job: {
    example: `
resource "zstack_scheduler_job" "web_nightly" {
  name                 = "web-1-nightly"
  type                 = "vmBackup"
  target_resource_uuid = data.zstack_vm_instances.web.vm_instances[0].uuid
  backup_storage_uuid  = data.zstack_backup_storages.imagestore.backup_storages[0].uuid
  trigger_uuids        = [zstack_scheduler_trigger.nightly.uuid]
}`,
    importId: "5a4b3c2d1e0f49a8b7c6d5e4f3a2b1c0",
    notes: `Each firing of an attached trigger takes a real backup: \`vmBackup\` a VM backup of the whole VM (named
\`<job name>-<timestamp>\`, as CreateVmBackup names them), \`volumeBackup\` a backup of one volume. One backup of a job
runs at a time; a firing that comes while the previous backup still runs is skipped. The backups stay until deleted.
\`trigger_uuids\` is compared as a set and changes in place (AddSchedulerJobToSchedulerTrigger /
RemoveSchedulerJobFromSchedulerTrigger). A \`vmBackup\` job counts as scheduled protection of its VM, with the RPO of
its first trigger.`,
  },
  zstack_vm_from_cdp_backup: {
    example: `
data "zstack_cdp_recovery_points" "web" {
  vm_instance_uuid = data.zstack_vm_instances.web.vm_instances[0].uuid
  end_time         = "2026-11-25T09:00:00Z"
}

data "zstack_instance_offerings" "small" {
  name = "1C2G"
}

data "zstack_l3_networks" "private" {
  name = "L3-PRIVATE"
}

resource "zstack_vm_from_cdp_backup" "web_restored" {
  cdp_task_uuid          = zstack_cdp_task.web.uuid
  group_id               = data.zstack_cdp_recovery_points.web.latest_group_id
  name                   = "web-1-restored"
  instance_offering_uuid = data.zstack_instance_offerings.small.instance_offerings[0].uuid
  l3_network_uuids       = [data.zstack_l3_networks.private.l3_networks[0].uuid]
}`,
    notes: `The VM's uuid is chosen by the client and sent as \`resourceUuid\`, so a retried create finds the VM the first
attempt made. Destroying the resource destroys the VM (DestroyVmInstance) and then expunges it (ExpungeVmInstance), so its
volumes are released at once. A VM in state \`Destroyed\` counts as gone.`,
  },
  zstack_vm_instances: {
    example: `
data "zstack_vm_instances" "running" {
  state = "Running"
}

output "vm_names" {
  value = data.zstack_vm_instances.running.vm_instances[*].name
}`,
  },
  zstack_backup_storages: {
    example: `
data "zstack_backup_storages" "imagestore" {
  type = "ImageStoreBackupStorage"
}`,
  },
  zstack_instance_offerings: {
    example: `
data "zstack_instance_offerings" "small" {
  name = "1C2G"
}`,
  },
  zstack_l3_networks: {
    example: `
data "zstack_l3_networks" "private" {
  name = "L3-PRIVATE"
}`,
  },
  zstack_cdp_recovery_points: {
    example: `
data "zstack_cdp_recovery_points" "last_hour" {
  vm_instance_uuid = data.zstack_vm_instances.web.vm_instances[0].uuid
  start_time       = "2026-11-25T08:00:00Z"
  end_time         = "2026-11-25T09:00:00Z"
}`,
  },
};
