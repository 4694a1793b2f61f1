import { constants } from "node:fs";
import { mkdir, open, readFile, unlink, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { fsyncDir, writeFileAtomic } from "./atomic-write.js";

/**
 * The journal file on disk: append-only writes made durable with fdatasync, atomic replacement, removal.
 * Knows nothing of what the lines mean. Not safe for concurrent use: the caller serialises calls.
 */
export class JournalFile {
  private fh: FileHandle | undefined;

  constructor(readonly path: string) {}

  /** The whole file, or undefined when there is none. */
  async read(): Promise<string | undefined> {
    try {
      return await readFile(this.path, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
      throw e;
    }
  }

  /** Appends `text` and returns once it is on stable storage (the file's creation too, the first time). */
  async append(text: string): Promise<void> {
    if (!this.fh) {
      await mkdir(dirname(this.path), { recursive: true });
      this.fh = await open(this.path, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT, 0o600);
      await fsyncDir(dirname(this.path));
    }
    await this.fh.write(text);
    await this.fh.datasync();
  }

  /** Atomically replaces the file's content (empty text removes the file). */
  async replace(text: string): Promise<void> {
    await this.close();
    if (text === "") {
      await this.remove();
      return;
    }
    await writeFileAtomic(this.path, text);
  }

  async remove(): Promise<void> {
    await this.close();
    try {
      await unlink(this.path);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return;
      throw e;
    }
    await fsyncDir(dirname(this.path));
  }

  async close(): Promise<void> {
    const fh = this.fh;
    this.fh = undefined;
    await fh?.close();
  }
}
