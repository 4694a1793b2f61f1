/** The state package's public surface: what plan, apply and the CLI import. */
export { AddressError, formatInstanceAddress, formatResourceAddress, parseInstanceAddress, parseResourceAddress } from "./address.js";
export type { IndexKey, InstanceAddress, ModuleStep, ResourceAddress, ResourceMode } from "./address.js";
export { formatProviderConfig, parseProviderConfig, type ProviderConfig } from "./provider-config.js";
export { DEFAULT_TERRAFORM_VERSION, newLineage, State, StateError } from "./state.js";
export type {
  AttributePath,
  CheckResult,
  InstanceObject,
  InstanceState,
  JsonObject,
  JsonValue,
  OutputValue,
  PathStep,
  ResourceState,
} from "./state.js";
export { decodeStateV4, encodeStateV4 } from "./v4.js";
export { openLocalState, readLocalState, type LocalStateSession, type LocalBackendOptions } from "./local-backend.js";
export { openStateSession, readStateWithJournal, StateSession, type SessionOptions } from "./session.js";
export { DEFAULT_WORKSPACE, BackendConfigError, type Backend, type BackendFactory, type StateStorage } from "./backends/backend.js";
export { BACKEND_TYPES, supportedBackendTypes } from "./backends/registry.js";
export type { PendingCreate } from "./journal-format.js";
export { acquireLock, forceUnlock, formatLockError, LockError, readLockInfo, type LockInfo } from "./lock.js";
export { checkPlanStamp, type StampCheck, type StateStamp } from "./staleness.js";
