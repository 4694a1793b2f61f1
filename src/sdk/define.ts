import type { z } from "zod";
import type { Attribute } from "./attribute.js";
import type { ProtectionFact, RecoveryData, ResourceProtection, SurveyedVm } from "./protection.js";
import type { SdkObject } from "./value.js";

/** Operations whose duration a `timeouts {}` block may set. */
export type TimeoutOp = "create" | "read" | "update" | "delete";

/** What every provider operation receives. */
export interface OpContext<C> {
  /** The configured API client the provider's `configure` returned. */
  readonly client: C;
  /** How long this operation may take, in milliseconds (resource default, or the config's `timeouts` block). */
  readonly timeoutMs: number;
  /** Aborted when the user interrupts or the timeout passes: stop waiting, leave the remote object consistent. */
  readonly signal: AbortSignal;
}

/**
 * A remote object as an inventory listing reports it: enough to name it and to match it with state. Drift
 * reports use it to find objects that exist remotely but that no state manages.
 */
export interface ListedObject {
  /** The object's identifier: what state holds in the resource's `inventory.idAttribute` (and its import id). */
  id: string;
  /** A human-readable name, when the API has one. */
  name: string | null;
  /**
   * Set when another object made this one on its own (a checkpoint that a backup policy's schedule took): the
   * object is then covered by whoever manages its maker.
   */
  createdBy?: { type: string; id: string };
}

/** Optional inventory of a resource type: every object of the type the credentials can see. Read-only. */
export interface ResourceInventory<C> {
  /** The attribute whose value identifies an object; a state instance and a listed object with equal values are one object. */
  readonly idAttribute: string;
  list(ctx: OpContext<C>): Promise<ListedObject[]>;
}

/** A resource's attribute values as the provider author's zod schema types them. */
export type Attrs<S extends z.ZodObject> = z.infer<S>;

export interface ResourceDefinition<C, S extends z.ZodObject> {
  /** Terraform type name, e.g. `zstack_cdp_task`. */
  type: string;
  description: string;
  /** Types, ranges and enums of every attribute (configured and computed alike). */
  schema: S;
  /** required / optional / computed and the other per-attribute flags, one entry per schema key. */
  attributes: { readonly [K in keyof z.infer<S> & string]-?: Attribute };
  /** Bumped when the stored attribute layout changes; `upgradeState` then migrates older states. */
  schemaVersion?: number;
  upgradeState?(version: number, attrs: SdkObject): SdkObject;
  /**
   * The attribute a client may choose before create (ZStack's `resourceUuid`). The engine fills it with
   * `newClientId()` and records it before calling `create`, so a crash between the call and the state write is
   * healed by reading that id back rather than creating a duplicate.
   */
  clientId?: keyof z.infer<S> & string;
  newClientId?(): string;
  /**
   * For APIs with no client-chosen id but unique names (CSBS policy names are unique per project: a second
   * create fails with CSBS.9007): the attribute holding that name, and how to find the object by it. The
   * engine records the name as a pending create before calling `create`, so after a crash between the call
   * and the state write the object is found by name and adopted rather than created again (create-then-adopt).
   */
  naturalKey?: { attribute: keyof z.infer<S> & string; find(ctx: OpContext<C>, value: string): Promise<Attrs<S> | null> };
  /** Default durations ("30m") per operation; a `timeouts {}` block in configuration overrides them. */
  timeouts?: Partial<Record<TimeoutOp, string>>;
  /** Current remote state of the object, or null when it no longer exists. */
  read(ctx: OpContext<C>, state: Attrs<S>): Promise<Attrs<S> | null>;
  /** Batched `read`: same contract, results in input order. */
  readMany?(ctx: OpContext<C>, states: readonly Attrs<S>[]): Promise<(Attrs<S> | null)[]>;
  /** Creates the object. Computed attributes not yet known arrive as null. Resolves to the full new state. */
  create(ctx: OpContext<C>, planned: Attrs<S>): Promise<Attrs<S>>;
  /** Updates in place; absent when every configurable attribute forces replacement. */
  update?(ctx: OpContext<C>, prior: Attrs<S>, planned: Attrs<S>): Promise<Attrs<S>>;
  /** Deletes the object; deleting one that is already gone must succeed. */
  delete(ctx: OpContext<C>, state: Attrs<S>): Promise<void>;
  /** Reads an existing object by its import id (`backplan import ADDR ID`), or null when there is none. */
  import?(ctx: OpContext<C>, id: string): Promise<Attrs<S> | null>;
  /** Lists every object of this type the credentials can see (drift inventories); `idAttribute` matches them to state. */
  inventory?: { idAttribute: keyof z.infer<S> & string; list(ctx: OpContext<C>): Promise<ListedObject[]> };
  /** What objects of this type do for VM protection (see src/sdk/protection.ts); absent when they protect nothing. */
  protection?: ResourceProtection<C, Attrs<S>>;
}

export interface DataSourceDefinition<C, S extends z.ZodObject> {
  type: string;
  description: string;
  schema: S;
  attributes: { readonly [K in keyof z.infer<S> & string]-?: Attribute };
  timeouts?: Partial<Record<"read", string>>;
  read(ctx: OpContext<C>, config: Attrs<S>): Promise<Attrs<S>>;
}

/**
 * A resource with its types erased, as the plan engine and the bridge handle it. Values are plain JSON objects
 * (`SdkObject`) that the definition's schema describes.
 */
export interface Resource<C> {
  readonly kind: "resource";
  readonly type: string;
  readonly description: string;
  readonly schema: z.ZodObject;
  readonly attributes: Readonly<Record<string, Attribute>>;
  readonly schemaVersion: number;
  readonly clientId?: string;
  /** The attribute of `naturalKey` (see ResourceDefinition), when the resource has one. */
  readonly naturalKey?: string;
  readonly timeouts: Readonly<Partial<Record<TimeoutOp, string>>>;
  readonly canUpdate: boolean;
  readonly canImport: boolean;
  readonly canReadMany: boolean;
  newClientId?(): string;
  /**
   * The object a pending create made, found by the id recorded for it (a `clientId` value or a `naturalKey`
   * value), or null when it does not exist. Present when the resource has either.
   */
  findPending?(ctx: OpContext<C>, id: string): Promise<SdkObject | null>;
  upgradeState?(version: number, attrs: SdkObject): SdkObject;
  read(ctx: OpContext<C>, state: SdkObject): Promise<SdkObject | null>;
  readMany(ctx: OpContext<C>, states: readonly SdkObject[]): Promise<(SdkObject | null)[]>;
  create(ctx: OpContext<C>, planned: SdkObject): Promise<SdkObject>;
  update(ctx: OpContext<C>, prior: SdkObject, planned: SdkObject): Promise<SdkObject>;
  delete(ctx: OpContext<C>, state: SdkObject): Promise<void>;
  import(ctx: OpContext<C>, id: string): Promise<SdkObject | null>;
  /** Present when the type can be listed (see ResourceDefinition.inventory). */
  readonly inventory?: ResourceInventory<C>;
  /** Present when objects of the type protect VMs (see ResourceDefinition.protection). */
  readonly protection?: ResourceProtection<C, SdkObject>;
}

export interface DataSource<C> {
  readonly kind: "data";
  readonly type: string;
  readonly description: string;
  readonly schema: z.ZodObject;
  readonly attributes: Readonly<Record<string, Attribute>>;
  readonly timeouts: Readonly<Partial<Record<"read", string>>>;
  read(ctx: OpContext<C>, config: SdkObject): Promise<SdkObject>;
}

export interface ProviderDefinition<C, S extends z.ZodObject> {
  /** Local name and type prefix: `zstack` serves `zstack_*` resources. */
  name: string;
  /** Source address in `required_providers`, e.g. `backplan/zstack`. */
  source: string;
  version: string;
  description: string;
  schema: S;
  attributes: { readonly [K in keyof z.infer<S> & string]-?: Attribute };
  /**
   * Builds the API client from the provider block (after defaults). `env` is the process environment, for
   * `ZSTACK_*` / `OS_*` fallbacks. Throws a ProviderError naming the attribute on bad configuration.
   */
  configure(config: Attrs<S>, env: Readonly<Record<string, string | undefined>>): Promise<C>;
  /** Releases the client's connections. */
  close?(client: C): Promise<void>;
  resources: readonly Resource<C>[];
  dataSources: readonly DataSource<C>[];
}

/** A provider with its client type erased. */
export interface Provider {
  readonly name: string;
  readonly source: string;
  readonly version: string;
  readonly description: string;
  readonly schema: z.ZodObject;
  readonly attributes: Readonly<Record<string, Attribute>>;
  readonly resources: ReadonlyMap<string, Resource<unknown>>;
  readonly dataSources: ReadonlyMap<string, DataSource<unknown>>;
  configure(config: SdkObject, env: Readonly<Record<string, string | undefined>>): Promise<unknown>;
  close(client: unknown): Promise<void>;
}

export function defineResource<C, S extends z.ZodObject>(d: ResourceDefinition<C, S>): Resource<C> {
  type A = Attrs<S>;
  const cast = (o: SdkObject) => o as unknown as A;
  const back = (a: A) => a as unknown as SdkObject;
  const backOrNull = (a: A | null) => (a === null ? null : back(a));
  return {
    kind: "resource",
    type: d.type,
    description: d.description,
    schema: d.schema,
    attributes: d.attributes,
    schemaVersion: d.schemaVersion ?? 0,
    ...(d.clientId !== undefined ? { clientId: d.clientId } : {}),
    timeouts: d.timeouts ?? {},
    canUpdate: d.update !== undefined,
    canImport: d.import !== undefined,
    canReadMany: d.readMany !== undefined,
    ...(d.newClientId ? { newClientId: () => d.newClientId!() } : {}),
    ...(d.naturalKey !== undefined ? { naturalKey: d.naturalKey.attribute } : {}),
    ...(d.clientId !== undefined
      ? {
          findPending: async (ctx: OpContext<C>, id: string) => {
            const probe: SdkObject = Object.fromEntries(Object.keys(d.attributes).map((k) => [k, null]));
            probe[d.clientId!] = id;
            return backOrNull(await d.read(ctx, cast(probe)));
          },
        }
      : d.naturalKey !== undefined
        ? { findPending: async (ctx: OpContext<C>, id: string) => backOrNull(await d.naturalKey!.find(ctx, id)) }
        : {}),
    ...(d.upgradeState ? { upgradeState: (v: number, a: SdkObject) => d.upgradeState!(v, a) } : {}),
    read: async (ctx, state) => backOrNull(await d.read(ctx, cast(state))),
    readMany: async (ctx, states) => {
      if (d.readMany) return (await d.readMany(ctx, states.map(cast))).map(backOrNull);
      const out: (SdkObject | null)[] = [];
      for (const s of states) out.push(backOrNull(await d.read(ctx, cast(s))));
      return out;
    },
    create: async (ctx, planned) => back(await d.create(ctx, cast(planned))),
    update: async (ctx, prior, planned) => {
      if (!d.update) throw new Error(`${d.type} cannot be updated in place`);
      return back(await d.update(ctx, cast(prior), cast(planned)));
    },
    delete: (ctx, state) => d.delete(ctx, cast(state)),
    import: async (ctx, id) => {
      if (!d.import) throw new Error(`${d.type} does not support import`);
      return backOrNull(await d.import(ctx, id));
    },
    ...(d.protection ? { protection: eraseProtection(d.protection, cast) } : {}),
    ...(d.inventory ? { inventory: { idAttribute: d.inventory.idAttribute, list: (ctx: OpContext<C>) => d.inventory!.list(ctx) } } : {}),
  };
}

function eraseProtection<C, A>(p: ResourceProtection<C, A>, cast: (o: SdkObject) => A): ResourceProtection<C, SdkObject> {
  const recoveryData = p.recoveryData;
  const survey = p.survey;
  return {
    facts: (attrs): ProtectionFact[] => p.facts(cast(attrs)),
    ...(recoveryData ? { recoveryData: (ctx: OpContext<C>, states: readonly SdkObject[]): Promise<RecoveryData[][]> => recoveryData(ctx, states.map(cast)) } : {}),
    ...(survey
      ? {
          survey: async (ctx: OpContext<C>): Promise<{ objects: SdkObject[]; vms: SurveyedVm[] }> => {
            const r = await survey(ctx);
            return { objects: r.objects as unknown as SdkObject[], vms: r.vms };
          },
        }
      : {}),
  };
}

export function defineDataSource<C, S extends z.ZodObject>(d: DataSourceDefinition<C, S>): DataSource<C> {
  return {
    kind: "data",
    type: d.type,
    description: d.description,
    schema: d.schema,
    attributes: d.attributes,
    timeouts: d.timeouts ?? {},
    read: async (ctx, config) => (await d.read(ctx, config as unknown as Attrs<S>)) as unknown as SdkObject,
  };
}

export function defineProvider<C, S extends z.ZodObject>(d: ProviderDefinition<C, S>): Provider {
  const resources = new Map<string, Resource<unknown>>();
  for (const r of d.resources) resources.set(r.type, r as Resource<unknown>);
  const dataSources = new Map<string, DataSource<unknown>>();
  for (const ds of d.dataSources) dataSources.set(ds.type, ds as DataSource<unknown>);
  return {
    name: d.name,
    source: d.source,
    version: d.version,
    description: d.description,
    schema: d.schema,
    attributes: d.attributes,
    resources,
    dataSources,
    configure: (config, env) => d.configure(config as unknown as Attrs<S>, env),
    close: async (client) => {
      if (d.close) await d.close(client as C);
    },
  };
}
