import { z } from "zod";
import { defineProvider, optional } from "../../src/sdk/index.js";
import { backup } from "./backup.js";
import { backupDataSource } from "./backup_data_source.js";
import { backupPolicy } from "./backup_policy.js";
import { backupPolicyDataSource } from "./backup_policy_data_source.js";
import { backupPolicyCheckpoint } from "./backup_policy_checkpoint.js";
import { checkpointItems } from "./checkpoint_items.js";
import { CsbsClient } from "./client.js";
import { resolveCsbsConfig } from "./config.js";

const schema = z.object({
  auth_url: z.string().min(1).nullable(),
  region: z.string().min(1).nullable(),
  project_id: z.string().min(1).nullable(),
  project_name: z.string().min(1).nullable(),
  user_domain_name: z.string().min(1).nullable(),
  project_domain_name: z.string().min(1).nullable(),
  domain_name: z.string().min(1).nullable(),
  username: z.string().min(1).nullable(),
  password: z.string().nullable(),
  token: z.string().min(1).nullable(),
  endpoint: z.string().min(1).nullable(),
  api_flavor: z.enum(["csbs", "karbor"]).nullable(),
  cloud_domain: z.string().min(1).nullable(),
  max_concurrency: z.number().int().min(1).max(64).nullable(),
  max_retries: z.number().int().min(0).max(20).nullable(),
});

/** The `csbs` provider: Cloud Server Backup Service (OpenStack Karbor API) policies and checkpoints. */
export const csbsProvider = defineProvider<CsbsClient, typeof schema>({
  name: "csbs",
  source: "backplan/csbs",
  version: "0.1.0",
  description: "Cloud Server Backup Service (Karbor-compatible): backup policies, policy executions (checkpoints) and per-server backups.",
  schema,
  attributes: {
    auth_url: optional({ description: "Keystone v3 URL, e.g. `https://iam.example.com/v3`. Env: OS_AUTH_URL." }),
    region: optional({
      description: "Region whose `data-protect` endpoint is used; also the project scoped to when neither project_id nor project_name is set (OTC and Huawei name a region's project after it). Env: OS_REGION_NAME.",
    }),
    project_id: optional({ description: "Project to work in. Env: OS_PROJECT_ID." }),
    project_name: optional({ description: "Project name, when project_id is unset. Env: OS_PROJECT_NAME." }),
    user_domain_name: optional({ description: "Domain of the user (default `domain_name`, else `Default`; on OTC the `OTC-EU-DE-…` domain). Env: OS_USER_DOMAIN_NAME." }),
    project_domain_name: optional({ description: "Domain of the project (default `domain_name`, else the user's domain). Env: OS_PROJECT_DOMAIN_NAME." }),
    domain_name: optional({ description: "Domain for both user and project when the specific ones are unset. Env: OS_DOMAIN_NAME." }),
    username: optional({ description: "User name (password auth). Env: OS_USERNAME." }),
    password: optional({ sensitive: true, description: "Password of `username`. Env: OS_PASSWORD." }),
    token: optional({ sensitive: true, description: "An existing Keystone token, instead of username/password. Env: OS_TOKEN." }),
    endpoint: optional({ description: "CSBS endpoint override (else the catalog's `data-protect` service); `/v1/<project_id>` is added when missing." }),
    api_flavor: optional({
      description:
        "`csbs` (default): checkpoints are read, waited on, imported and listed through the documented `checkpoint_items` routes, as on Open Telekom Cloud and Huawei Cloud. `karbor`: through OpenStack Karbor's `providers/{id}/checkpoints` routes, for a Karbor endpoint. Env: CSBS_API_FLAVOR.",
    }),
    cloud_domain: optional({
      description:
        "Domain of the cloud's endpoints (`myhuaweicloud.com`); with `region`, `https://csbs.{region}.{cloud_domain}` is used when the catalog has no `data-protect` service. Default: read off an `iam.` auth_url. Env: CSBS_CLOUD_DOMAIN.",
    }),
    max_concurrency: optional({ description: "Requests in flight at once (default 8)." }),
    max_retries: optional({ description: "Retries of a failed idempotent request (connection errors, 429, 5xx), default 4." }),
  },
  async configure(config, env) {
    return new CsbsClient(resolveCsbsConfig(config, env));
  },
  async close(client) {
    await client.close();
  },
  resources: [backupPolicy, backupPolicyCheckpoint, backup],
  dataSources: [checkpointItems, backupDataSource, backupPolicyDataSource],
});
