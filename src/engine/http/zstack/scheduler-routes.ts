import { z } from "zod";
import { asyncApi, deleteModeOf, type Api } from "./api.js";
import { description, long, name, uuid } from "./envelope.js";
import { queryApi } from "./queries.js";
import { schedulerJobSchema, schedulerJobView, schedulerTriggerSchema, schedulerTriggerView } from "./views.js";
import { toWire } from "./wire.js";
import type { SchedulerTrigger } from "../../domain/schedulers.js";

const positiveInt = z.number().int("must be an integer").min(1, "must be at least 1").max(2147483647, "must be at most 2147483647");

const createSchedulerJob = z.strictObject({
  name,
  description: description.optional(),
  targetResourceUuid: uuid,
  type: z.enum(["startVm", "stopVm", "rebootVm", "volumeSnapshot", "volumeBackup", "vmBackup"], "must be startVm, stopVm, rebootVm, volumeSnapshot, volumeBackup or vmBackup"),
  parameters: z.record(z.string(), z.unknown()).optional(),
  resourceUuid: uuid.optional(),
  tagUuids: z.array(z.string()).optional(),
});

const createSchedulerTrigger = z.strictObject({
  name,
  description: description.optional(),
  schedulerInterval: positiveInt.optional(),
  repeatCount: positiveInt.optional(),
  startTime: long.refine((n) => n >= 0, "must not be negative").optional(),
  schedulerType: z.enum(["simple", "cron"], "must be simple or cron"),
  cron: z.string().optional(),
  resourceUuid: uuid.optional(),
  tagUuids: z.array(z.string()).optional(),
});

const update = z.strictObject({ name: name.optional(), description: description.optional() });

/**
 * ZStack's scheduler (CreateSchedulerJob/Trigger, AddSchedulerJobToSchedulerTrigger and their queries, updates
 * and deletes). The engine runs vmBackup and volumeBackup jobs (`BackupScheduler`).
 */
export function registerSchedulerRoutes(api: Api): void {
  const { schedulers } = api.services;
  const triggerView = (t: SchedulerTrigger) => schedulerTriggerView(t, schedulers.jobsOf(t.uuid).map((j) => j.uuid));

  queryApi(api, "/scheduler/jobs", { schema: schedulerJobSchema, all: () => schedulers.jobs.all(), byUuid: (u) => schedulers.jobs.get(u), view: schedulerJobView });
  queryApi(api, "/scheduler/triggers", { schema: schedulerTriggerSchema, all: () => schedulers.triggers.all(), byUuid: (u) => schedulers.triggers.get(u), view: triggerView });

  asyncApi(api, "POST", "/scheduler/jobs", {
    apiName: "CreateSchedulerJob",
    actionName: "createSchedulerJob",
    params: createSchedulerJob,
    run: async ({ params: p }) => {
      const job = schedulers.createJob({
        name: p.name,
        targetResourceUuid: p.targetResourceUuid,
        type: p.type,
        ...(p.description !== undefined ? { description: p.description } : {}),
        ...(p.parameters ? { parameters: p.parameters } : {}),
        ...(p.resourceUuid ? { resourceUuid: p.resourceUuid } : {}),
      });
      return { inventory: toWire(schedulerJobView(job)) };
    },
  });

  asyncApi(api, "PUT", "/scheduler/jobs/:uuid/actions", {
    apiName: "UpdateSchedulerJob",
    actionName: "updateSchedulerJob",
    params: update,
    run: async ({ params, req }) => ({ inventory: toWire(schedulerJobView(schedulers.updateJob(req.params.uuid!, params))) }),
  });

  asyncApi(api, "DELETE", "/scheduler/jobs/:uuid", {
    apiName: "DeleteSchedulerJob",
    query: deleteModeOf,
    run: async ({ req }) => {
      schedulers.deleteJob(req.params.uuid!);
      return {};
    },
  });

  asyncApi(api, "POST", "/scheduler/triggers", {
    apiName: "CreateSchedulerTrigger",
    actionName: "createSchedulerTrigger",
    params: createSchedulerTrigger,
    run: async ({ params: p }) => {
      const trigger = schedulers.createTrigger({
        name: p.name,
        schedulerType: p.schedulerType,
        ...(p.description !== undefined ? { description: p.description } : {}),
        ...(p.schedulerInterval !== undefined ? { schedulerInterval: p.schedulerInterval } : {}),
        ...(p.repeatCount !== undefined ? { repeatCount: p.repeatCount } : {}),
        ...(p.startTime !== undefined ? { startTime: p.startTime } : {}),
        ...(p.cron !== undefined ? { cron: p.cron } : {}),
        ...(p.resourceUuid ? { resourceUuid: p.resourceUuid } : {}),
      });
      return { inventory: toWire(triggerView(trigger)) };
    },
  });

  asyncApi(api, "PUT", "/scheduler/triggers/:uuid/actions", {
    apiName: "UpdateSchedulerTrigger",
    actionName: "updateSchedulerTrigger",
    params: update,
    run: async ({ params, req }) => ({ inventory: toWire(triggerView(schedulers.updateTrigger(req.params.uuid!, params))) }),
  });

  asyncApi(api, "DELETE", "/scheduler/triggers/:uuid", {
    apiName: "DeleteSchedulerTrigger",
    query: deleteModeOf,
    run: async ({ req }) => {
      schedulers.deleteTrigger(req.params.uuid!);
      return {};
    },
  });

  asyncApi(api, "POST", "/scheduler/jobs/:jobUuid/scheduler/triggers/:triggerUuid", {
    apiName: "AddSchedulerJobToSchedulerTrigger",
    run: async ({ req }) => {
      schedulers.attach(req.params.jobUuid!, req.params.triggerUuid!);
      return {};
    },
  });

  asyncApi(api, "DELETE", "/scheduler/jobs/:jobUuid/scheduler/triggers/:triggerUuid", {
    apiName: "RemoveSchedulerJobFromSchedulerTrigger",
    run: async ({ req }) => {
      schedulers.detach(req.params.jobUuid!, req.params.triggerUuid!);
      return {};
    },
  });
}
