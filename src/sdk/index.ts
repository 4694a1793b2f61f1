export * from "./attribute.js";
export * from "./define.js";
export * from "./duration.js";
export * from "./plan-change.js";
export * from "./schema-json.js";
export * from "./tftype.js";
export * from "./validate.js";
export * from "./value.js";
