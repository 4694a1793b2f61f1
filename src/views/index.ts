/** How results look: the public surface of src/views (pure renderers over a Plan and plain state JSON). */
export { renderPlanText, planFooter, renderOutputChanges, DEFAULT_WIDTH, type PlanTextOptions } from "./plan-text.js";
export {
  applySummary,
  applyCountsFromPlan,
  formatElapsed,
  importDoneLine,
  importPreparingLine,
  importStartLine,
  progressDone,
  progressFailed,
  progressStart,
  progressStill,
  refreshLine,
  type ApplyCounts,
  type ApplyOperation,
  type ProgressSubject,
} from "./apply-text.js";
export { planJson, plannedValues, PLAN_FORMAT_VERSION, type PlanJson, type PlanJsonOptions, type RelevantAttribute } from "./plan-json.js";
export { configurationJson } from "./config-json.js";
export { relevantAttributes } from "./relevant-attributes.js";
export { shownDrift } from "./relevant-drift.js";
export { GENERATED_HEADER, renderGeneratedConfig, type GeneratedResource } from "./generated-config.js";
export { terraformShapedPlan, terraformShapedState } from "./terraform-shape.js";
export { stateValues, providerNameOf, type StateValues, type V4StateJson, type V4InstanceJson, type V4PathStep, type ValuesOptions } from "./state-json.js";
export { renderPlanMarkdown, commentMarker, type PlanMarkdownOptions } from "./plan-markdown.js";
export { planSummary, SUMMARY_FORMAT_VERSION, type PlanSummary } from "./plan-summary.js";
export { reviewCounts, reviewPlanLine, terraformPlanLine, type ReviewCounts } from "./counts.js";
export { GITHUB_COMMENT_LIMIT } from "./markdown.js";
export { colorWanted, stripAnsi } from "./style.js";
export { SENSITIVE_TEXT } from "./encoding.js";
export { renderDriftText, coverageLine, driftHeadline, type DriftTextOptions } from "./drift-text.js";
export { renderDriftMarkdown, driftMarker, type DriftMarkdownOptions } from "./drift-markdown.js";
export { driftWebhookPayload, type DriftWebhookPayload } from "./drift-json.js";
