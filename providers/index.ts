import type { Provider } from "../src/sdk/index.js";
import { csbsProvider } from "./csbs/provider.js";
import { zstackProvider } from "./zstack/provider.js";

/** The providers built into backplan, for the CLI and the bridge: `zstack` and `csbs`. */
export function builtinProviders(): Provider[] {
  return [zstackProvider, csbsProvider];
}

export { csbsProvider, zstackProvider };
