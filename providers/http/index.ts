export * from "./backoff.js";
export * from "./config-error.js";
export * from "./deadline.js";
export * from "./errors.js";
export * from "./semaphore.js";
export * from "./transport.js";
export * from "./json.js";
export * from "./wait.js";
