import { z } from "zod";

/** Integers CSBS clients send either as JSON numbers or as strings ("20"); see gophertelekomcloud's decoder. */
const intLike = z.union([z.number().int(), z.string().regex(/^-?\d+$/, "must be an integer").transform(Number)]);
const boolLike = z.union([z.boolean(), z.enum(["true", "false"]).transform((v) => v === "true")]);
const count = (max: number) => intLike.pipe(z.number().min(0).max(max));
const retention = intLike.pipe(z.number().refine((n) => n === -1 || (n >= 1 && n <= 99999), "must be -1 or 1–99999"));

const name = z.string().min(1).max(255);
const description = z.string().max(255).nullable();

export const resourceSchema = z.strictObject({
  id: z.string().min(1).max(64),
  type: z.string().min(1).max(64),
  name: name,
  extra_info: z.record(z.string(), z.unknown()).nullable().optional(),
});

export const operationDefinitionSchema = z.strictObject({
  max_backups: retention.optional(),
  retention_duration_days: retention.optional(),
  permanent: boolLike.optional(),
  day_backups: count(100).optional(),
  week_backups: count(100).optional(),
  month_backups: count(100).optional(),
  year_backups: count(100).optional(),
  timezone: z.string().regex(/^UTC[+-]\d{2}:\d{2}$/, "must look like UTC+08:00").optional(),
});

const triggerSchema = z.strictObject({
  properties: z.strictObject({
    pattern: z.string().min(1).max(10240),
    start_time: z.string().optional(),
  }),
  type: z.literal("time").optional(),
  name: z.string().max(255).optional(),
});

const newOperationSchema = z.strictObject({
  name: name.optional(),
  description: description.optional(),
  enabled: boolLike.optional(),
  operation_type: z.literal("backup"),
  operation_definition: operationDefinitionSchema,
  trigger: triggerSchema,
});

const operationUpdateSchema = z.strictObject({
  id: z.string().min(1).optional(),
  name: name.optional(),
  description: description.optional(),
  enabled: boolLike.optional(),
  operation_type: z.literal("backup").optional(),
  operation_definition: operationDefinitionSchema.optional(),
  trigger: triggerSchema.optional(),
});

const tagSchema = z.strictObject({ key: z.string().min(1).max(36), value: z.string().max(43) });
const parametersSchema = z.record(z.string(), z.unknown());
const statusSchema = z.enum(["suspended", "started"]);

export const createPolicyBody = z.strictObject({
  policy: z.strictObject({
    name,
    description: description.optional(),
    provider_id: z.string().min(1),
    parameters: parametersSchema.optional(),
    scheduled_operations: z.array(newOperationSchema).min(1).max(1),
    resources: z.array(resourceSchema).max(64),
    tags: z.array(tagSchema).max(10).optional(),
  }),
});

export const updatePolicyBody = z.strictObject({
  policy: z.strictObject({
    name: name.optional(),
    description: description.optional(),
    parameters: parametersSchema.optional(),
    scheduled_operations: z.array(operationUpdateSchema).max(1).optional(),
    resources: z.array(resourceSchema).max(64).optional(),
    status: statusSchema.optional(),
  }),
});

export const createPlanBody = z.strictObject({
  plan: z.strictObject({
    name,
    description: description.optional(),
    provider_id: z.string().min(1),
    resources: z.array(resourceSchema).max(64),
    parameters: parametersSchema.optional(),
  }),
});

export const updatePlanBody = z.strictObject({
  plan: z.strictObject({
    name: name.optional(),
    description: description.optional(),
    resources: z.array(resourceSchema).max(64).optional(),
    status: statusSchema.optional(),
  }),
});

const extraInfo = z.record(z.string(), z.string()).nullable().optional();

/**
 * Executing a policy. The CSBS form carries `parameters` (required by CSBS); python-karborclient sends the
 * Karbor form, `plan_id` with `extra-info` (possibly null) and no parameters.
 */
export const createCheckpointBody = z.strictObject({
  checkpoint: z.strictObject({
    plan_id: z.string().min(1),
    parameters: z
      .strictObject({
        auto_trigger: boolLike.optional(),
        // gophertelekomcloud's ExecBackupPolicy sends `"resources": null` (no omitempty): all of the policy's.
        resources: z.array(z.string().min(1)).max(64).nullable().optional(),
      })
      .optional(),
    "extra-info": extraInfo,
    extra_info: extraInfo,
  }),
});

const domainRef = z.union([z.strictObject({ id: z.string().min(1) }), z.strictObject({ name: z.string().min(1) })]);

const userRef = z.union([
  z.strictObject({ id: z.string().min(1), password: z.string(), name: z.string().optional(), domain: domainRef.optional() }),
  z.strictObject({ name: z.string().min(1), password: z.string(), domain: domainRef }),
]);

/** Keystone v3 `POST /v3/auth/tokens`. Only project scope (or none) is served. */
export const authBody = z.strictObject({
  auth: z.strictObject({
    identity: z.strictObject({
      methods: z.array(z.enum(["password", "token"])).min(1),
      password: z.strictObject({ user: userRef }).optional(),
      token: z.strictObject({ id: z.string().min(1) }).optional(),
    }),
    scope: z
      .union([
        z.strictObject({
          project: z.union([
            z.strictObject({ id: z.string().min(1), name: z.string().optional(), domain: domainRef.optional() }),
            z.strictObject({ name: z.string().min(1), domain: domainRef }),
          ]),
        }),
        z.literal("unscoped"),
      ])
      .optional(),
  }),
});

/** Karbor's reset-state action on a checkpoint. */
export const resetCheckpointBody = z.strictObject({
  "os-resetState": z.strictObject({ state: z.enum(["available", "error"]) }),
});

/** CSBS "Creating a Backup": the per-server `protect` action (gophertelekomcloud `backup.Create`). */
export const protectBody = z.strictObject({
  protect: z.strictObject({
    backup_name: z.string().min(1).max(255).regex(/^[\w-]+$/, "may contain only letters, digits, underscores and hyphens").optional(),
    description: z.string().max(255).regex(/^[^<>]*$/, "must not contain < or >").optional(),
    resource_type: z.string().min(1).optional(),
    incremental: boolLike.optional(),
    tags: z.array(tagSchema).min(1).max(10).optional(),
    extra_info: z.record(z.string(), z.unknown()).nullable().optional(),
  }),
});

/** CSBS "Querying the Backup Capability of a Resource" (`check_protectable`). */
export const checkProtectableBody = z.strictObject({
  check_protectable: z.array(z.strictObject({ resource_id: z.string().min(1), resource_type: z.string().min(1) })).min(1).max(256),
});

/**
 * Restores (CSBS "Creating a Restoration Task", Karbor `POST /restores`): `parameters` is read by the route, in
 * CSBS's form (`restoreInPlaceParameters`) or Karbor's (keyed by resource type, `restoreServerOptions` each).
 */
export const createRestoreBody = z.strictObject({
  restore: z.strictObject({
    provider_id: z.string().min(1),
    checkpoint_id: z.string().min(1),
    restore_target: z.string().max(1024).nullable().optional(),
    restore_auth: z.record(z.string(), z.unknown()).nullable().optional(),
    parameters: z.record(z.string(), z.unknown()).nullable().optional(),
  }),
});

const id = z.string().min(1).max(64);

/** CSBS's documented restore parameters: one backup onto an existing server's disks. */
export const restoreInPlaceParameters = z.strictObject({
  checkpoint_item_id: id,
  power_on: boolLike,
  targets: z.strictObject({
    server_id: id,
    volumes: z.array(z.strictObject({ backup_id: z.string().min(1).max(128), volume_id: id })).min(1).max(64),
  }),
});

/** One server of a Karbor-form restore: Karbor's `restore_name`, plus where the engine should run the new server. */
export const restoreServerOptions = z.strictObject({
  restore_name: z.string().min(1).max(255).optional(),
  restore_description: z.string().max(2048).optional(),
  instance_offering_uuid: z.string().regex(/^[0-9a-f]{32}$/, "must be a 32-character lowercase hex uuid").optional(),
  l3_network_uuids: z.array(z.string().regex(/^[0-9a-f]{32}$/, "must be a 32-character lowercase hex uuid")).min(1).optional(),
});
