import type { Config } from "../../config/model.js";
import type { Plan } from "../../plan/plan.js";
import type { ProviderRegistry } from "../../plan/providers.js";
import { parseProviderConfig } from "../../state/provider-config.js";
import type { State } from "../../state/state.js";
import { decodeStateV4 } from "../../state/v4.js";
import { configurationJson, planJson, relevantAttributes, stateValues, terraformShapedPlan, terraformShapedState, type PlanJson } from "../../views/index.js";
import { TERRAFORM_LANGUAGE_VERSION } from "../../config/core-version.js";
import { viewStateJson } from "./state-view.js";

/**
 * The plan JSON `plan -json` and `show -json PLANFILE` print: Terraform's document, with values in Terraform's
 * encoding (see `terraformShapedPlan`) and `prior_state` from the refreshed state the plan recorded, as Terraform
 * takes it from its plan file. A plan saved before plans recorded it uses `fallbackPrior` (the current state when it
 * is still the one the plan was made from); `config` is the configuration the plan was made from, if at hand.
 */
export function planJsonDocument(
  plan: Plan,
  options: { registry: ProviderRegistry; config?: Config; showSensitive: boolean; fallbackPrior?: State },
): PlanJson {
  const { registry, config } = options;
  const prior = plan.priorState !== undefined ? decodeStateV4(JSON.stringify(plan.priorState), "the plan's prior state") : options.fallbackPrior;
  const source = (provider: string) => parseProviderConfig(provider)?.source;
  const priorState = prior && stateValues(terraformShapedState(viewStateJson(prior, registry), registry, source), { showSensitive: options.showSensitive });
  return planJson(terraformShapedPlan(plan, registry), {
    version: TERRAFORM_LANGUAGE_VERSION,
    showSensitive: options.showSensitive,
    ...(priorState ? { priorState } : {}),
    ...(config ? { configuration: configurationJson(config, registry), relevantAttributes: plan.relevantAttributes ?? relevantAttributes(config, plan, registry) } : {}),
  });
}
