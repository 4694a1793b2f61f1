/**
 * Test helper process: opens the local state in argv[2] and creates argv[3] instances `x.y[i]`, argv[4] at a
 * time, each as pending-create then set. After each step is durable it prints `pending i` / `ack i`. The
 * crash-recovery test SIGKILLs it part way through.
 */
import { openLocalState } from "../local-backend.js";

const [dir, countArg = "1000", parallelArg = "8", foldArg = "500"] = process.argv.slice(2);
if (!dir) throw new Error("usage: journal-writer DIR [COUNT] [PARALLELISM] [FOLD_EVERY]");
const count = Number(countArg);
const session = await openLocalState({ dir, foldEveryEntries: Number(foldArg), foldIntervalMs: 0 });
const P = 'provider["registry.terraform.io/backplan/zstack"]';
let next = 0;
async function worker(): Promise<void> {
  while (next < count) {
    const i = next++;
    await session.recordPendingCreate(`x.y[${i}]`, { id: `uuid-${i}` });
    process.stdout.write(`pending ${i}\n`);
    await session.setInstance(
      `x.y[${i}]`,
      { schemaVersion: 0, attributes: { id: `uuid-${i}`, index: i, payload: "p".repeat(200) }, sensitiveAttributes: [], dependencies: [] },
      { provider: P },
    );
    process.stdout.write(`ack ${i}\n`);
  }
}
await Promise.all(Array.from({ length: Number(parallelArg) }, () => worker()));
await session.close();
process.stdout.write("done\n");
