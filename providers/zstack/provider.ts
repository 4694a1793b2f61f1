import { z } from "zod";
import { defineProvider, optional } from "../../src/sdk/index.js";
import { cdpPolicy } from "./cdp_policy.js";
import { cdpTask } from "./cdp_task.js";
import { ZStackClient } from "./client.js";
import { resolveZStackConfig } from "./config.js";
import { zstackDataSources } from "./data_sources.js";
import { schedulerJob } from "./scheduler_job.js";
import { schedulerTrigger } from "./scheduler_trigger.js";
import { vmBackup } from "./vm_backup.js";
import { volumeBackup } from "./volume_backup.js";
import { vmFromCdpBackup } from "./vm_from_cdp_backup.js";

const schema = z.object({
  endpoint: z.url().nullable(),
  host: z.string().min(1).nullable(),
  port: z.number().int().min(1).max(65535).nullable(),
  account_name: z.string().min(1).nullable(),
  account_password: z.string().nullable(),
  access_key_id: z.string().min(1).nullable(),
  access_key_secret: z.string().nullable(),
  time_zone: z.string().min(1).nullable(),
  max_concurrency: z.number().int().min(1).max(64).nullable(),
  max_retries: z.number().int().min(0).max(20).nullable(),
});

/** The `zstack` provider: ZStack Cloud CDP tasks and policies, VM backups, restores from CDP, and lookups. */
export const zstackProvider = defineProvider<ZStackClient, typeof schema>({
  name: "zstack",
  source: "backplan/zstack",
  version: "0.1.0",
  description: "ZStack Cloud: CDP policies and tasks, VM and volume backups, scheduled backups, VMs restored from CDP recovery points.",
  schema,
  attributes: {
    endpoint: optional({ description: "API base URL, e.g. `http://10.0.0.5:8080` (`/zstack/v1` is added). Env: ZSTACK_ENDPOINT." }),
    host: optional({ description: "Management node host, used when `endpoint` is unset. Env: ZSTACK_HOST." }),
    port: optional({ description: "Management node port (default 8080). Env: ZSTACK_PORT." }),
    account_name: optional({ description: "Account to log in with (session auth). Env: ZSTACK_ACCOUNT_NAME." }),
    account_password: optional({ sensitive: true, description: "Password of `account_name`; sent as its SHA-512 digest. Env: ZSTACK_ACCOUNT_PASSWORD." }),
    access_key_id: optional({ description: "AccessKey id (signed requests; takes precedence over account login). Env: ZSTACK_ACCESS_KEY_ID." }),
    access_key_secret: optional({ sensitive: true, description: "AccessKey secret. Env: ZSTACK_ACCESS_KEY_SECRET." }),
    time_zone: optional({
      description:
        "Time zone of the management node, for AccessKey-signed requests: ZStack compares the `Date` header's clock face with the node's local clock (zone ignored) and refuses more than 15 minutes of skew. An IANA id (`Asia/Shanghai`), `UTC`, an offset (`+08:00`) or `local` (default: the zone of the machine running backplan, as ZStack's Go SDK does). Env: ZSTACK_TIME_ZONE.",
    }),
    max_concurrency: optional({ description: "Requests in flight at once (default 8)." }),
    max_retries: optional({ description: "Retries of a failed idempotent request (connection errors, 429, 5xx), default 4." }),
  },
  async configure(config, env) {
    return new ZStackClient(resolveZStackConfig(config, env));
  },
  async close(client) {
    await client.close();
  },
  resources: [cdpPolicy, cdpTask, vmBackup, vmFromCdpBackup, volumeBackup, schedulerJob, schedulerTrigger],
  dataSources: [...zstackDataSources],
});
