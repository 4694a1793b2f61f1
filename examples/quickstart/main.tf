# Find the lab's VMs, backup storage, offering and network by name.
data "zstack_vm_instances" "protected" {
  for_each = var.protected_vms
  name     = each.key
}

data "zstack_vm_instances" "app" {
  name = "app-1"
}

data "zstack_backup_storages" "imagestore" {
  type = "ImageStoreBackupStorage"
}

data "zstack_instance_offerings" "small" {
  name = "1C2G"
}

data "zstack_l3_networks" "private" {
  name = "L3-PRIVATE"
}

locals {
  backup_storage_uuid = data.zstack_backup_storages.imagestore.backup_storages[0].uuid
  protected_uuids     = [for name, vm in data.zstack_vm_instances.protected : vm.vm_instances[0].uuid]
}

# Continuous data protection: a recovery point every 5 seconds, kept for a day.
resource "zstack_cdp_policy" "gold" {
  name                      = "gold"
  description               = "recovery point every 5 s"
  recovery_point_per_second = 5
  retention_time_per_day    = 1
}

resource "zstack_cdp_task" "protect" {
  name                = "protect-${join("-", sort(var.protected_vms))}"
  task_type           = "VM"
  policy_uuid         = zstack_cdp_policy.gold.uuid
  backup_storage_uuid = local.backup_storage_uuid
  resource_uuids      = local.protected_uuids
  max_latency         = var.max_latency_ms
}

# A full VM backup of app-1; changing the trigger takes a new one.
resource "zstack_vm_backup" "app" {
  root_volume_uuid    = data.zstack_vm_instances.app.vm_instances[0].root_volume_uuid
  backup_storage_uuid = local.backup_storage_uuid
  name                = "app-1-backup"
  description         = "taken by the backplan quickstart"

  triggers = {
    generation = var.backup_generation
  }
}

# A cloud backup policy (CSBS / Karbor) for web-1, executed once as a checkpoint.
resource "csbs_backup_policy" "daily" {
  name        = "daily-web"
  description = "web-1, every day at 02:00"

  resource {
    id   = data.zstack_vm_instances.protected["web-1"].vm_instances[0].uuid
    type = "OS::Nova::Server"
    name = "web-1"
  }

  scheduled_operation {
    name            = "daily"
    enabled         = true
    operation_type  = "backup"
    max_backups     = 7
    trigger_pattern = "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nRRULE:FREQ=DAILY;BYHOUR=2;BYMINUTE=0\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
  }
}

resource "csbs_backup_policy_checkpoint" "now" {
  plan_id = csbs_backup_policy.daily.id
}

# Restore: a new VM from web-1's latest CDP recovery point (waits for the task's first point).
data "zstack_cdp_recovery_points" "web" {
  vm_instance_uuid = data.zstack_vm_instances.protected["web-1"].vm_instances[0].uuid
  wait_for_points  = 1
  depends_on       = [zstack_cdp_task.protect]
}

resource "zstack_vm_from_cdp_backup" "web_restored" {
  name                   = "web-1-restored"
  cdp_task_uuid          = zstack_cdp_task.protect.uuid
  group_id               = data.zstack_cdp_recovery_points.web.latest_group_id
  instance_offering_uuid = data.zstack_instance_offerings.small.instance_offerings[0].uuid
  l3_network_uuids       = [data.zstack_l3_networks.private.l3_networks[0].uuid]

  # A restore is a one-off: later recovery points must not replace the restored VM.
  lifecycle {
    ignore_changes = [group_id]
  }
}
