import type { DocExtras } from "../docs-render.js";

/** Hand-written examples for the csbs pages, keyed by provider name, resource type or data source type (`data.<type>` where a resource has the same type). */
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
API's own code (\`CSBS.3000\`...), the HTTP method and the path.

Checkpoints are read, waited on, imported and listed through the documented CSBS routes (\`checkpoint_items\`), as
Open Telekom Cloud's and Huawei Cloud's providers do; set \`api_flavor = "karbor"\` for an OpenStack Karbor
endpoint, whose \`providers/{id}/checkpoints/{id}\` routes are used instead.

### Open Telekom Cloud

OTC users log in to their \`OTC-EU-DE-…\` (or \`OTC-EU-NL-…\`) domain; a region's main project is named after the
region, and is the scope when no project is given. The catalog lists CSBS as \`data-protect\`.

\`\`\`hcl
provider "csbs" {
  auth_url    = "https://iam.eu-de.otc.t-systems.com/v3"
  region      = "eu-de"
  domain_name = "OTC-EU-DE-00000000001000012345"
  username    = "backup-admin"
  password    = var.otc_password
  # project_name = "eu-de_backups"   # a sub-project instead of the region's main project
}
\`\`\`

### Huawei Cloud

Huawei's IAM catalog has no \`data-protect\` entry: the endpoint is built as
\`https://csbs.{region}.{cloud_domain}/v1/{project_id}\`, the domain read off \`auth_url\` (\`myhuaweicloud.com\`)
unless \`cloud_domain\` is set.

\`\`\`hcl
provider "csbs" {
  auth_url    = "https://iam.ap-southeast-1.myhuaweicloud.com/v3"
  region      = "ap-southeast-1"
  domain_name = "my-account"          # the account (domain) name
  username    = "backup-admin"
  password    = var.huawei_password
  project_id  = var.huawei_project_id # or project_name = "ap-southeast-1"
}
\`\`\``,
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
  csbs_backup: {
    example: `
# A backup of one server now, outside any policy; a new backup is taken whenever an argument changes.
resource "csbs_backup" "before_upgrade" {
  resource_id = "c773ea6d-2fb8-4438-a4aa-264378fbc507"
  backup_name = "web-1-before-upgrade"
  description = "taken before the 2.0 upgrade"

  tags {
    key   = "change"
    value = "CHG-1234"
  }

  timeouts {
    create = "60m"
  }
}

output "volume_backup_ids" {
  value = [for v in csbs_backup.before_upgrade.volume_backups : v.id]
}`,
    importId: "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d",
    notes: `Attribute names follow \`opentelekomcloud_csbs_backup_v1\` and \`huaweicloud_csbs_backup\`, so their configurations port
over by renaming the resource type. Create asks CSBS whether the server can be backed up (\`check_protectable\`)
and fails with CSBS's reason when it cannot; it then backs the server up (\`POST
/providers/{provider_id}/resources/{resource_id}/action\` with \`protect\`), finds the backup through
\`GET /checkpoint_items?checkpoint_id=\` and waits while it is \`protecting\`. A backup still running at the create
timeout is recorded in state as tainted, so it is neither lost nor billed outside the state; one that ends in
\`error\` fails the create with CSBS's reason and is deleted. Destroy deletes the backup (its whole backup record
when it is the record's only backup) and waits until it is gone.

The import id is the backup (checkpoint item) id; a backup record (checkpoint) id is accepted too and resolves to
the record's backup. This resource needs the CSBS API (\`api_flavor = "csbs"\`, the default): Karbor has no
per-server backup.`,
  },
  csbs_checkpoint_items: {
    example: `
data "csbs_checkpoint_items" "web" {
  resource_id = "c773ea6d-2fb8-4438-a4aa-264378fbc507"
  status      = "available"
}`,
  },
  "data.csbs_backup": {
    example: `
data "csbs_backup" "latest_before_upgrade" {
  backup_name = "web-1-before-upgrade"
}`,
    notes: `Filters as \`opentelekomcloud_csbs_backup_v1\`'s data source has them; every filter but \`id\` is sent to the API
(\`GET /checkpoint_items\`). Exactly one backup must match, else the read fails saying how many did.`,
  },
  "data.csbs_backup_policy": {
    example: `
data "csbs_backup_policy" "weekly" {
  name = "weekly-web"
}`,
    notes: `Finds one policy by \`id\`, \`name\` or \`status\`, as \`opentelekomcloud_csbs_backup_policy_v1\`'s data source does;
exactly one must match.`,
  },
};
