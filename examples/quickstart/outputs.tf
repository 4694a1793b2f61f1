output "cdp_task_uuid" {
  value = zstack_cdp_task.protect.uuid
}

output "vm_backup_sizes" {
  value = { for b in zstack_vm_backup.app.backups : b.type => b.size }
}

output "checkpoint_status" {
  value = csbs_backup_policy_checkpoint.now.status
}

output "restored_vm" {
  value = {
    uuid = zstack_vm_from_cdp_backup.web_restored.uuid
    ip   = zstack_vm_from_cdp_backup.web_restored.vm_nics[0].ip
  }
}
