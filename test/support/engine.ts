import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEngine, type RunningEngine } from "../../src/engine/server.js";
import type { EngineOptions } from "../../src/engine/context.js";

export interface TestEngine extends RunningEngine {
  dataDir: string;
  /** Closes the engine and removes its data dir. */
  dispose(): Promise<void>;
}

/**
 * Starts a real engine on 127.0.0.1 with a free port and a fresh data dir under the OS temp dir.
 * Pass `dataDir` to reopen an existing one (restart tests); it is then not removed by `dispose`.
 */
export async function startTestEngine(opts: Partial<EngineOptions> = {}): Promise<TestEngine> {
  const owned = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), "backplan-engine-"));
  const engine = await startEngine({ port: 0, host: "127.0.0.1", ...opts, dataDir });
  return Object.assign(engine, {
    dataDir,
    async dispose() {
      await engine.close();
      if (owned) rmSync(dataDir, { recursive: true, force: true });
    },
  });
}
