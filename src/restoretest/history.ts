import { appendFile, mkdir, readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { REPORT_FORMAT, type RunReport } from "./report.js";

/** Where runs are remembered by default, relative to the configuration directory. */
export const HISTORY_FILE = ".backplan/restore-tests.jsonl";

/** Past runs, oldest first; lines of another format version or damaged lines are skipped. */
export async function readHistory(path: string): Promise<RunReport[]> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw e;
  }
  return parseHistory(text);
}

/** Pure: one JSON report per line. */
export function parseHistory(text: string): RunReport[] {
  const out: RunReport[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      const r = JSON.parse(line) as RunReport;
      if (r.format === REPORT_FORMAT && Array.isArray(r.results)) out.push(r);
    } catch {
      // A line torn by a crash mid-append must not hide the runs before it.
    }
  }
  return out;
}

export async function appendHistory(path: string, r: RunReport): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await appendFile(path, JSON.stringify(r) + "\n");
}
