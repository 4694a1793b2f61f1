import type { BlockJson, DataSource, OpContext, Provider, ProviderSchemaJson, Resource, SdkObject, TimeoutOp } from "../sdk/index.js";
import { parseDuration, PartialCreateError, planResourceChange, providersSchemaJson, sameValue, UNKNOWN, validateConfig } from "../sdk/index.js";
import { attributePath, errorDiagnostic, messageOf, type ProtoDiagnostic } from "./diagnostics.js";
import { decodeDynamic, encodeDynamic, fromWire } from "./dynamic-value.js";
import { ReadBatcher } from "./read-batcher.js";
import { protoProviderSchema } from "./schema-proto.js";

/** A DynamicValue as grpc-js hands it over (bytes as Buffers). */
export interface WireDynamic {
  msgpack?: Uint8Array | null;
  json?: Uint8Array | null;
}

const TIMEOUTS = "timeouts";
const DEFAULT_TIMEOUT = "20m";

/**
 * The tfplugin6 Provider service for one sdk provider, as plain request → response functions (grpc-js wiring
 * lives in `serve.ts`). Every rule about *what* to plan comes from the sdk (`planResourceChange`,
 * `validateConfig`), so Terraform through this service and backplan's own engine decide the same actions.
 *
 * Errors thrown by providers become error diagnostics; no handler rejects except on a malformed request.
 */
export class ProviderService {
  private schemaJson: ProviderSchemaJson | undefined;
  private protoSchema: ReturnType<typeof protoProviderSchema> | undefined;
  private client: unknown;
  private configured = false;
  private readonly stop = new AbortController();
  private readonly batchers = new Map<string, ReadBatcher>();

  constructor(
    readonly provider: Provider,
    private readonly env: Readonly<Record<string, string | undefined>> = process.env,
  ) {}

  /** The provider's schema (values are decoded by it), built on the first request that needs it. */
  get schema(): ProviderSchemaJson {
    return (this.schemaJson ??= Object.values(providersSchemaJson([this.provider]).provider_schemas)[0]!);
  }

  /**
   * GetProviderSchema's answer, built on the first call: Terraform caches schemas (`get_provider_schema_optional`),
   * so most launches never ask.
   */
  getProviderSchema() {
    return { ...(this.protoSchema ??= protoProviderSchema(this.schema)), diagnostics: [], server_capabilities: capabilities() };
  }

  getMetadata() {
    return {
      server_capabilities: capabilities(),
      diagnostics: [],
      resources: [...this.provider.resources.keys()].map((type_name) => ({ type_name })),
      data_sources: [...this.provider.dataSources.keys()].map((type_name) => ({ type_name })),
      functions: [],
    };
  }

  validateProviderConfig(req: { config?: WireDynamic | null }) {
    const config = decodeDynamic(req.config, this.schema.provider.block) ?? {};
    return { diagnostics: this.validate(this.provider.attributes, this.provider.schema.shape, config) };
  }

  validateResourceConfig(req: { type_name: string; config?: WireDynamic | null }) {
    const r = this.provider.resources.get(req.type_name);
    if (!r) return { diagnostics: [unknownType("resource", req.type_name)] };
    return { diagnostics: this.validateTyped(r, this.resourceBlock(r.type), req.config) };
  }

  validateDataResourceConfig(req: { type_name: string; config?: WireDynamic | null }) {
    const d = this.provider.dataSources.get(req.type_name);
    if (!d) return { diagnostics: [unknownType("data source", req.type_name)] };
    return { diagnostics: this.validateTyped(d, this.dataBlock(d.type), req.config) };
  }

  async configureProvider(req: { config?: WireDynamic | null }) {
    const config = decodeDynamic(req.config, this.schema.provider.block) ?? {};
    for (const [k, v] of Object.entries(config)) if (v === UNKNOWN) config[k] = null;
    try {
      this.client = await this.provider.configure(config, this.env);
      this.configured = true;
      return { diagnostics: [] };
    } catch (e) {
      return { diagnostics: [errorDiagnostic(`Cannot configure the ${this.provider.name} provider`, messageOf(e))] };
    }
  }

  upgradeResourceState(req: { type_name: string; version: number; raw_state?: { json?: Uint8Array | null } | null }) {
    const r = this.provider.resources.get(req.type_name);
    if (!r) return { diagnostics: [unknownType("resource", req.type_name)] };
    const block = this.resourceBlock(r.type);
    const json = req.raw_state?.json;
    if (!json || json.length === 0) return { upgraded_state: encodeDynamic(null, block), diagnostics: [] };
    try {
      let attrs = JSON.parse(Buffer.from(json).toString("utf8")) as Record<string, unknown>;
      attrs = unwrapDynamicState(attrs, block);
      let obj = fromWire(attrs, block, []) as SdkObject;
      if (Number(req.version) !== r.schemaVersion && r.upgradeState) {
        const timeouts = obj[TIMEOUTS] ?? null;
        obj = { ...r.upgradeState(Number(req.version), withoutTimeouts(obj)), [TIMEOUTS]: timeouts };
      }
      return { upgraded_state: encodeDynamic(obj, block), diagnostics: [] };
    } catch (e) {
      return { diagnostics: [errorDiagnostic(`Cannot read the stored state of ${req.type_name}`, messageOf(e))] };
    }
  }

  async readResource(req: { type_name: string; current_state?: WireDynamic | null; private?: Uint8Array }) {
    const r = this.provider.resources.get(req.type_name);
    if (!r) return { diagnostics: [unknownType("resource", req.type_name)] };
    const block = this.resourceBlock(r.type);
    const current = decodeDynamic(req.current_state, block);
    if (!this.configured) return { diagnostics: [notConfigured(this.provider.name)] };
    if (!current) return { new_state: encodeDynamic(null, block), diagnostics: [], private: req.private ?? Buffer.alloc(0) };
    try {
      const batcher = this.batcherFor(r);
      const found = await batcher.read(withoutTimeouts(current), this.ctx(r, "read", current));
      const next: SdkObject | null = found ? { ...found, [TIMEOUTS]: current[TIMEOUTS] ?? null } : null;
      return { new_state: encodeDynamic(next, block), diagnostics: [], private: req.private ?? Buffer.alloc(0) };
    } catch (e) {
      return { diagnostics: [errorDiagnostic(`Error reading ${r.type}`, messageOf(e))] };
    }
  }

  planResourceChange(req: { type_name: string; prior_state?: WireDynamic | null; proposed_new_state?: WireDynamic | null; config?: WireDynamic | null; prior_private?: Uint8Array }) {
    const r = this.provider.resources.get(req.type_name);
    if (!r) return { diagnostics: [unknownType("resource", req.type_name)] };
    const block = this.resourceBlock(r.type);
    const prior = decodeDynamic(req.prior_state, block);
    const proposed = decodeDynamic(req.proposed_new_state, block);
    const config = decodeDynamic(req.config, block);
    if (!proposed || !config) {
      return { planned_state: encodeDynamic(null, block), requires_replace: [], planned_private: req.prior_private ?? Buffer.alloc(0), diagnostics: [] };
    }
    const priorObj = prior ? withoutTimeouts(prior) : null;
    const { planned, requiresReplace } = planResourceChange(r.attributes, priorObj, withoutTimeouts(config));
    let replace: (string | number)[][] = requiresReplace;
    if (priorObj && replace.length === 0 && !r.canUpdate) {
      // No in-place update: any configurable change replaces, exactly as the native planner decides.
      replace = Object.entries(r.attributes)
        .filter(([k, a]) => a.kind !== "computed" && !sameValue(a, priorObj[k] ?? null, planned[k] ?? null))
        .map(([k]) => [k]);
      if (replace.length > 0) for (const [k, a] of Object.entries(r.attributes)) if (a.kind === "computed") planned[k] = UNKNOWN;
    }
    planned[TIMEOUTS] = config[TIMEOUTS] ?? null;
    return {
      planned_state: encodeDynamic(planned, block),
      requires_replace: replace.map(attributePath),
      planned_private: req.prior_private ?? Buffer.alloc(0),
      diagnostics: [],
    };
  }

  async applyResourceChange(req: { type_name: string; prior_state?: WireDynamic | null; planned_state?: WireDynamic | null; config?: WireDynamic | null; planned_private?: Uint8Array }) {
    const r = this.provider.resources.get(req.type_name);
    if (!r) return { diagnostics: [unknownType("resource", req.type_name)] };
    if (!this.configured) return { diagnostics: [notConfigured(this.provider.name)] };
    const block = this.resourceBlock(r.type);
    const prior = decodeDynamic(req.prior_state, block);
    const planned = decodeDynamic(req.planned_state, block);
    const priv = req.planned_private ?? Buffer.alloc(0);
    if (!planned) {
      if (!prior) return { new_state: encodeDynamic(null, block), private: priv, diagnostics: [] };
      try {
        await r.delete(this.ctx(r, "delete", prior), withoutTimeouts(prior));
        return { new_state: encodeDynamic(null, block), private: priv, diagnostics: [] };
      } catch (e) {
        return { new_state: encodeDynamic(prior, block), private: priv, diagnostics: [errorDiagnostic(`Error deleting ${r.type}`, messageOf(e))] };
      }
    }
    const timeouts = planned[TIMEOUTS] ?? null;
    const target = withoutTimeouts(planned);
    if (!prior) {
      // The sdk contract: computed values not yet known arrive as null. The client id, when the resource has
      // one, is chosen here so a create that fails after reaching the API leaves a findable id in state.
      for (const [k, v] of Object.entries(target)) if (v === UNKNOWN) target[k] = null;
      if (r.clientId && r.newClientId && (target[r.clientId] ?? null) === null) target[r.clientId] = r.newClientId();
      try {
        const created = await r.create(this.ctx(r, "create", planned), target);
        return { new_state: encodeDynamic({ ...created, [TIMEOUTS]: timeouts }, block), private: priv, diagnostics: [] };
      } catch (e) {
        const diag = errorDiagnostic(`Error creating ${r.type}`, messageOf(e));
        // Terraform records an object returned with an error as tainted (a partial create).
        if (e instanceof PartialCreateError) return { new_state: encodeDynamic({ ...e.partial, [TIMEOUTS]: timeouts }, block), private: priv, diagnostics: [diag] };
        if (!r.clientId || target[r.clientId] === null) return { diagnostics: [diag] };
        // Terraform records a returned object as tainted: the next plan reads it back by its client id.
        return { new_state: encodeDynamic({ ...target, [TIMEOUTS]: timeouts }, block), private: priv, diagnostics: [diag] };
      }
    }
    try {
      const priorObj = withoutTimeouts(prior);
      for (const [k, v] of Object.entries(target)) if (v === UNKNOWN) target[k] = null;
      const updated = await r.update(this.ctx(r, "update", planned), priorObj, target);
      return { new_state: encodeDynamic({ ...updated, [TIMEOUTS]: timeouts }, block), private: priv, diagnostics: [] };
    } catch (e) {
      return { new_state: encodeDynamic(prior, block), private: priv, diagnostics: [errorDiagnostic(`Error updating ${r.type}`, messageOf(e))] };
    }
  }

  async importResourceState(req: { type_name: string; id: string }) {
    const r = this.provider.resources.get(req.type_name);
    if (!r) return { imported_resources: [], diagnostics: [unknownType("resource", req.type_name)] };
    if (!this.configured) return { imported_resources: [], diagnostics: [notConfigured(this.provider.name)] };
    if (!r.canImport) return { imported_resources: [], diagnostics: [errorDiagnostic("Resource type does not support import", `${r.type} cannot be imported.`)] };
    try {
      const found = await r.import(this.ctx(r, "read", null), req.id);
      if (!found) {
        return {
          imported_resources: [],
          diagnostics: [errorDiagnostic("Cannot import non-existent remote object", `No ${r.type} exists with the id "${req.id}".`)],
        };
      }
      const state = encodeDynamic({ ...found, [TIMEOUTS]: null }, this.resourceBlock(r.type));
      return { imported_resources: [{ type_name: r.type, state, private: Buffer.alloc(0) }], diagnostics: [] };
    } catch (e) {
      return { imported_resources: [], diagnostics: [errorDiagnostic(`Error importing ${r.type}`, messageOf(e))] };
    }
  }

  moveResourceState(req: { source_type_name: string; target_type_name: string }) {
    return {
      diagnostics: [
        errorDiagnostic("Unsupported resource move", `The ${this.provider.name} provider cannot move ${req.source_type_name} objects to ${req.target_type_name}.`),
      ],
    };
  }

  async readDataSource(req: { type_name: string; config?: WireDynamic | null }) {
    const d = this.provider.dataSources.get(req.type_name);
    if (!d) return { diagnostics: [unknownType("data source", req.type_name)] };
    if (!this.configured) return { diagnostics: [notConfigured(this.provider.name)] };
    const block = this.dataBlock(d.type);
    const config = decodeDynamic(req.config, block) ?? {};
    try {
      const result = await d.read(this.ctx(d, "read", config), withoutTimeouts(config));
      return { state: encodeDynamic({ ...result, [TIMEOUTS]: config[TIMEOUTS] ?? null }, block), diagnostics: [] };
    } catch (e) {
      return { diagnostics: [errorDiagnostic(`Error reading data source ${d.type}`, messageOf(e))] };
    }
  }

  /** StopProvider: in-flight operations see their signal aborted and wind down. */
  stopProvider() {
    this.stop.abort(new Error("Terraform asked the provider to stop"));
    return { Error: "" };
  }

  /** Releases the provider's API client (controller Shutdown). */
  async close(): Promise<void> {
    if (this.configured) await this.provider.close(this.client);
    this.configured = false;
  }

  resourceBlock(type: string): BlockJson {
    return this.schema.resource_schemas[type]!.block;
  }

  dataBlock(type: string): BlockJson {
    return this.schema.data_source_schemas[type]!.block;
  }

  private batcherFor(r: Resource<unknown>): ReadBatcher {
    let b = this.batchers.get(r.type);
    if (!b) this.batchers.set(r.type, (b = new ReadBatcher(r)));
    return b;
  }

  private validateTyped(r: Resource<unknown> | DataSource<unknown>, block: BlockJson, dv: WireDynamic | null | undefined): ProtoDiagnostic[] {
    const config = decodeDynamic(dv, block) ?? {};
    const diags = this.validate(r.attributes, r.schema.shape, withoutTimeouts(config));
    const t = config[TIMEOUTS];
    if (t && typeof t === "object" && !Array.isArray(t)) {
      for (const [op, v] of Object.entries(t)) {
        if (typeof v === "string" && parseDuration(v) === undefined) {
          diags.push(errorDiagnostic("Invalid timeout", `"${v}" is not a duration such as "30m" or "1h30m".`, [TIMEOUTS, op]));
        }
      }
    }
    return diags;
  }

  private validate(attributes: Resource<unknown>["attributes"], shape: Resource<unknown>["schema"]["shape"], config: SdkObject): ProtoDiagnostic[] {
    return validateConfig(attributes, shape, config).map((d) => errorDiagnostic(d.summary, d.detail, d.path));
  }

  private ctx(r: Resource<unknown> | DataSource<unknown>, op: TimeoutOp, obj: SdkObject | null): OpContext<unknown> {
    const t = obj?.[TIMEOUTS];
    const configured = t && typeof t === "object" && !Array.isArray(t) ? (t as SdkObject)[op] : undefined;
    const text = (typeof configured === "string" ? configured : undefined) ?? (r.timeouts as Partial<Record<TimeoutOp, string>>)[op] ?? DEFAULT_TIMEOUT;
    const timeoutMs = parseDuration(text) ?? parseDuration(DEFAULT_TIMEOUT)!;
    return { client: this.client, timeoutMs, signal: AbortSignal.any([this.stop.signal, AbortSignal.timeout(timeoutMs)]) };
  }
}

export function capabilities() {
  return { plan_destroy: false, get_provider_schema_optional: true, move_resource_state: false };
}

function withoutTimeouts(o: SdkObject): SdkObject {
  if (!(TIMEOUTS in o)) return { ...o };
  const { [TIMEOUTS]: _t, ...rest } = o;
  return rest;
}

/** State JSON stores a `dynamic` attribute as `{"value": ..., "type": ...}`; the wire decoder wants the value. */
function unwrapDynamicState(attrs: Record<string, unknown>, block: BlockJson): Record<string, unknown> {
  const out = { ...attrs };
  for (const [k, a] of Object.entries(block.attributes ?? {})) {
    const v = out[k];
    if (a.type === "dynamic" && v !== null && typeof v === "object" && !Array.isArray(v) && "value" in v && "type" in v) {
      out[k] = (v as { value: unknown }).value;
    }
  }
  return out;
}

function unknownType(kind: string, type: string): ProtoDiagnostic {
  return errorDiagnostic(`Unknown ${kind} type`, `This provider has no ${kind} type named "${type}".`);
}

function notConfigured(name: string): ProtoDiagnostic {
  return errorDiagnostic("Provider not configured", `The ${name} provider was used before ConfigureProvider.`);
}
