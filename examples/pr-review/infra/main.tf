# A small configuration the PR-review workflow plans and applies: one CDP policy and a CDP task protecting web-1.
terraform {
  required_providers {
    zstack = { source = "backplan/zstack" }
  }
}

variable "endpoint" {
  description = "Base URL of the backup engine or ZStack endpoint (without /zstack)."
  type        = string
  default     = "http://127.0.0.1:8080"
}

variable "zstack_password" {
  type      = string
  default   = "password"
  sensitive = true
}

provider "zstack" {
  endpoint         = "${var.endpoint}/zstack"
  account_name     = "admin"
  account_password = var.zstack_password
}

data "zstack_vm_instances" "web" {
  name = "web-1"
}

data "zstack_backup_storages" "imagestore" {
  type = "ImageStoreBackupStorage"
}

resource "zstack_cdp_policy" "gold" {
  name                      = "gold"
  recovery_point_per_second = 60
  retention_time_per_day    = 7
}

resource "zstack_cdp_task" "web" {
  name                = "web-1-cdp"
  policy_uuid         = zstack_cdp_policy.gold.uuid
  backup_storage_uuid = data.zstack_backup_storages.imagestore.backup_storages[0].uuid
  resource_uuids      = [data.zstack_vm_instances.web.vm_instances[0].uuid]
  max_latency         = 600000
}
