import type { Diagnostic } from "../config/diagnostics.js";
import { parseExpression } from "../config/hcl/parser.js";
import { finalizeVariable, type GivenVariable } from "../lang/variable.js";
import { unmark } from "../lang/value.js";
import type { SdkObject } from "../sdk/value.js";
import { isWhollyKnown as sdkWhollyKnown } from "../sdk/value.js";
import { decodeBody } from "./decode-body.js";
import { expandInstances } from "./instance.js";
import { providerAddressOf, type EvaluationGraph, type NodeInfo, type ProviderClients } from "./evaluation.js";
import type { Plan } from "./plan.js";
import type { ConfiguredProvider, ProviderRegistry } from "./providers.js";
import { toJson, toSdk } from "./values.js";

/** What both plan and apply runs are given. */
export interface RunInputs {
  registry: ProviderRegistry;
  /** Root input variable values: raw text and expressions as collected, or values (from a saved plan). */
  variables: ReadonlyMap<string, GivenVariable>;
  env: Readonly<Record<string, string | undefined>>;
  /** The selected workspace (`terraform.workspace`); default "default". */
  workspace?: string;
}

/**
 * The graph visits plan and apply share: input variables (root values or module inputs, with their validation
 * rules), locals, and provider configuration. Subclasses add resources and outputs.
 */
export abstract class RunBase {
  readonly variableRecord: Plan["variables"] = {};
  /** Module calls (`module.a.module.b`) whose count / for_each was unknown or invalid: they have no instances. */
  protected readonly unexpandedCalls = new Set<string>();

  constructor(
    protected readonly base: RunInputs,
    protected readonly eg: EvaluationGraph,
    protected readonly providers: ProviderClients,
    protected readonly diags: Diagnostic[],
  ) {}

  /**
   * Visits one node of the evaluation graph (the walk calls it once its dependencies are done), once for each
   * instance of its module (the template itself outside repeated modules).
   */
  async visit(node: string): Promise<void> {
    const info = this.eg.nodes.get(node)!;
    const mods = info.mod.instances;
    if (!this.concurrentInstances || mods.length < 2) {
      for (const mod of mods) await this.visitInstance(node, mod === info.mod ? info : { ...info, mod });
      return;
    }
    // Every instance runs to its end even when another fails, as the instances of a counted resource do.
    const results = await Promise.allSettled(mods.map((mod) => this.visitInstance(node, { ...info, mod })));
    const failed = results.find((r) => r.status === "rejected");
    if (failed) throw failed.reason;
  }

  /**
   * Whether the module instances of a node are visited at once (apply: their provider calls overlap, bounded by
   * its parallelism) or one after the other (plan: changes come out in a stable order).
   */
  protected readonly concurrentInstances: boolean = false;

  private visitInstance(node: string, info: NodeInfo): Promise<void> | void {
    switch (info.kind) {
      case "var":
        return this.visitVariable(info);
      case "local":
        return this.visitLocal(info);
      case "provider":
        return this.visitProvider(node, info);
      case "resource":
        return this.visitResource(node, info);
      case "output":
        return this.visitOutput(info);
      case "call":
        return this.visitCall(info);
    }
  }

  protected abstract visitResource(node: string, info: Extract<NodeInfo, { kind: "resource" }>): Promise<void>;
  protected abstract visitOutput(info: Extract<NodeInfo, { kind: "output" }>): Promise<void> | void;

  /** Called once a provider configuration has its client. */
  protected providerConfigured(_configured: ConfiguredProvider): void {}

  /** Expands a module call of one parent instance into its child instances (none when count/for_each is invalid). */
  protected visitCall(info: Extract<NodeInfo, { kind: "call" }>): void {
    const call = info.call;
    const repetition = call.count ? "count" : call.forEach ? "for_each" : "single";
    const keys = repetition === "single" ? [{}] : expandInstances(call, info.mod, this.diags);
    if (!keys) {
      this.unexpandedCalls.add(`${info.mod.nodePrefix}module.${call.name}`);
      return;
    }
    // Outside repeated modules the template is the one instance, so unrepeated trees keep a single scope each.
    const instances = keys.map((k) => (repetition === "single" && info.mod === info.child.parent ? info.child : info.child.instantiate(info.mod, k)));
    info.mod.calls.set(call.name, { repetition, instances });
    for (const m of instances) {
      info.child.instances.push(m);
      this.eg.modules.set(m.prefix, m);
    }
  }

  protected visitLocal(info: Extract<NodeInfo, { kind: "local" }>): void {
    info.mod.locals.set(info.name, info.mod.evaluate(info.expr, this.diags));
  }

  protected visitVariable(info: Extract<NodeInfo, { kind: "var" }>): void {
    const v = info.variable;
    let given: GivenVariable | undefined;
    if (info.mod.parent && info.call) {
      const input = info.call.inputs.get(v.name);
      if (input) given = { value: { kind: "value", value: info.mod.parent.evaluate(input.expr, this.diags, info.mod.parent.scope(info.mod.repetition)) }, origin: `module "${info.call.name}"`, range: input.expr.range };
    } else {
      given = this.base.variables.get(v.name);
    }
    const final = finalizeVariable(
      { name: v.name, ...(v.type ? { type: v.type } : {}), ...(v.default ? { default: v.default } : {}), sensitive: v.sensitive, nullable: v.nullable, declRange: v.declRange },
      given,
      { parseExpression: (src, filename) => parseExpression(src, filename), ...(info.mod.parent ? { moduleName: `module "${info.mod.path.join(".")}"` } : {}) },
    );
    this.diags.push(...final.diagnostics);
    info.mod.vars.set(v.name, final.value);
    for (const rule of v.validations) {
      const ok = info.mod.evaluate(rule.condition, this.diags);
      const [b] = unmark(ok);
      if (b === false) {
        const [msg] = unmark(info.mod.evaluate(rule.errorMessage, this.diags));
        this.diags.push({ severity: "error", summary: "Invalid value for variable", detail: `${typeof msg === "string" ? msg : "validation failed"}\n\nThis was checked by the validation rule at ${rule.range.filename}:${rule.range.start.line},${rule.range.start.column}.`, subject: v.declRange });
      }
    }
    if (!info.mod.parent) {
      const [plain, sensitive] = unmark(final.value);
      this.variableRecord[v.name] = { value: toJson(plain), sensitive: sensitive || v.sensitive };
    }
  }

  protected async visitProvider(node: string, info: Extract<NodeInfo, { kind: "provider" }>): Promise<void> {
    const provider = this.base.registry.bySource(info.source);
    if (!provider) return;
    const config = info.config
      ? (toSdk(decodeBody(info.config.config, { attributes: provider.attributes, shape: provider.schema.shape }, info.mod.scope(), this.diags, `provider "${info.name}"`)) as SdkObject)
      : Object.fromEntries(Object.keys(provider.attributes).map((k) => [k, null]));
    if (!sdkWhollyKnown(config)) {
      this.diags.push({ severity: "error", summary: "Provider configuration unknown", detail: `The configuration of provider "${info.key}" depends on values known only after apply.`, ...(info.config ? { subject: info.config.declRange } : {}) });
      return;
    }
    let client: unknown;
    try {
      client = await provider.configure(config, this.base.env);
    } catch (e) {
      this.diags.push({ severity: "error", summary: `Invalid provider configuration for "${info.key}"`, detail: e instanceof Error ? e.message : String(e), ...(info.config ? { subject: info.config.declRange } : {}) });
      return;
    }
    const configured = { provider, client, address: providerAddressOf(info) };
    this.providers.set(node, configured);
    this.providerConfigured(configured);
  }

}
