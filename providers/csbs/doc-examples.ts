import type { DocExtras } from "../docs-render.js";

/** Hand-written examples for the csbs pages, keyed by provider name or resource/data source type. */
export const csbsDocExtras: Readonly<Record<string, DocExtras>> = {
  csbs: {
    example: `
terraform {
  required_providers {
    csbs = { source = "backplan/csbs" }
  }
}

# Or set OS_AUTH_URL, OS_USERNAME, OS_PASSWORD, OS_PROJECT_NAME, OS_USER_DOMAIN_NAME,
# OS_PROJECT_DOMAIN_NAME and OS_REGION_NAME (or OS_TOKEN) as OpenStack tools do.
provider "csbs" {
  auth_url     = "https://iam.example.com/v3"
  username     = "backup-admin"
  password     = var.os_password
  project_name = "production"
  region       = "eu-de"
}`,
    notes: `The provider authenticates with Keystone v3 and takes the CSBS endpoint from the service catalog (service type
\`data-protect\`) unless \`endpoint\` is set. A token the API rejects (401) is renewed once. Errors carry the
API's own code (\`CSBS.3000\`...), the HTTP method and the path.`,
  },
  csbs_backup_policy: {
    example: `
resource "csbs_backup_policy" "weekly" {
  name        = "weekly-web"
  description = "web servers, Thursdays 12:27"

  resource {
    id   = "c773ea6d-2fb8-4438-a4aa-264378fbc507"
    type = "OS::Nova::Server"
    name = "web-1"
  }

  scheduled_operation {
    name            = "weekly"
    enabled         = true
    operation_type  = "backup"
    max_backups     = 4
    trigger_pattern = "BEGIN:VCALENDAR\\r\\nBEGIN:VEVENT\\r\\nRRULE:FREQ=WEEKLY;BYDAY=TH;BYHOUR=12;BYMINUTE=27\\r\\nEND:VEVENT\\r\\nEND:VCALENDAR\\r\\n"
  }
}`,
    importId: "5d1c6f1a-8b9e-4c55-9d2a-0e4f3b2a1c0d",
    notes: `Attribute and block names follow \`opentelekomcloud_csbs_backup_policy_v1\`, so its configurations port over by
renaming the resource type. Values the API does not echo (long-term retention counts, time zone) and defaults it
fills in for arguments you left out are kept as configured, so a plan right after apply shows no changes.`,
  },
  csbs_backup_policy_checkpoint: {
    example: `
# Runs the policy now; a new backup is taken whenever an argument changes.
resource "csbs_backup_policy_checkpoint" "before_upgrade" {
  plan_id   = csbs_backup_policy.weekly.id
  resources = ["c773ea6d-2fb8-4438-a4aa-264378fbc507"]

  timeouts {
    create = "60m"
  }
}

output "backup_ids" {
  value = csbs_backup_policy_checkpoint.before_upgrade.checkpoint_items[*].id
}`,
    importId: "f2e4c6a8-1b3d-4f5e-8a7c-9d0e1f2a3b4c",
    notes: `Create waits while the checkpoint is \`protecting\` and succeeds once it is \`available\`; a checkpoint that ends
in \`error\` fails the create with each resource's failure reason (and is deleted). Destroy deletes the backups
and waits until they are gone. The import id is the checkpoint id, or \`<provider_id>/<checkpoint_id>\`.`,
  },
  csbs_checkpoint_items: {
    example: `
data "csbs_checkpoint_items" "web" {
  resource_id = "c773ea6d-2fb8-4438-a4aa-264378fbc507"
  status      = "available"
}`,
  },
};
