/**
 * One engine-like writer for the concurrency test of the PostgreSQL metadata store, run as its own process:
 *
 *   node --import tsx test/support/metadata-writer.ts URL WRITER_ID COUNT
 *
 * Each step creates a document of its own that is never written again (`WRITER_ID-STEP`: a row the change feed
 * hands out once, so a reader that skipped it would never see it), updates one of its recent ones every third
 * step and deletes one every seventh; every fifth step it increments the shared counter document `shared` by
 * read-modify-write, retrying on MetadataConflictError as an engine's caller would. Then prints `written`, waits for a line on stdin (the other writers are done too),
 * refreshes and prints one JSON line: how many increments it made and everything it sees.
 */
import { once } from "node:events";
import { MetadataConflictError } from "../../src/engine/store/metadata-store.js";
import { PgMetadataStore } from "../../src/engine/store/pg-store.js";

interface Thing {
  uuid: string;
  n: number;
  by: string;
}

const [url, id, countText] = process.argv.slice(2) as [string, string, string];
const store = PgMetadataStore.open(url);
const things = store.collection<Thing>("thing");
const counters = store.collection<{ uuid: string; n: number }>("counter");
let increments = 0;
let conflicts = 0;
for (let i = 0; i < Number(countText); i++) {
  things.put({ uuid: `${id}-${i}`, n: i, by: id });
  if (i % 3 === 1 && things.has(`${id}-${i - 1}`)) things.put({ uuid: `${id}-${i - 1}`, n: -i, by: id });
  if (i % 7 === 3) things.delete(`${id}-${i - 2}`);
  if (i % 5 === 0) {
    for (;;) {
      const c = counters.get("shared") ?? { uuid: "shared", n: 0 };
      try {
        counters.put({ ...c, n: c.n + 1 });
        increments++;
        break;
      } catch (e) {
        if (!(e instanceof MetadataConflictError)) throw e;
        conflicts++; // the store has refreshed: read again
      }
    }
  }
  if (i % 10 === 0) store.refresh();
}
process.stdout.write("written\n");
await once(process.stdin, "data");
store.refresh();
process.stdout.write(`${JSON.stringify({ increments, conflicts, things: things.all(), counter: counters.get("shared") })}\n`);
store.close();
