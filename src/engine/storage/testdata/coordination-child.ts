/**
 * Test support: an engine "node" that the coordination tests SIGKILL. It opens the PostgreSQL coordination with
 * the given pin lease, pins the given hashes in one storage, enters that storage's shared lock and prints
 * `ready`, then waits inside the lock until it is killed.
 *
 *   coordination-child.ts <postgres url> <pin lease ms> <storage dir> <hash>...
 */
import { PgCoordination } from "../pg-coordination.js";

const [url, lease, storageDir, ...hashes] = process.argv.slice(2) as [string, string, string, ...string[]];
const coordination = await PgCoordination.open(url, { pinLeaseMs: Number(lease) });
const pin = await coordination.pin(storageDir);
await coordination.lock(storageDir).shared(async () => {
  await pin.add(hashes);
  process.stdout.write("ready\n");
  await new Promise(() => setInterval(() => undefined, 60_000)); // held until the kill
});
