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
  csbs_checkpoint_items: {
    example: `
data "csbs_checkpoint_items" "web" {
  resource_id = "c773ea6d-2fb8-4438-a4aa-264378fbc507"
  status      = "available"
}`,
  },
};
