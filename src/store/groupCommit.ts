/**
 * Group commit for a SQLite file served by one process.
 *
 * With `synchronous=FULL` every commit waits for its own fsync of the write-ahead log, inside the
 * COMMIT, on the one thread that serves every request: a write-heavy load is one fsync per request
 * with nothing else done meanwhile. Instead, the connection runs with `synchronous=NORMAL` (commits
 * are written to the WAL but not synced; checkpoints still sync, so the database stays consistent),
 * and every HTTP answer waits, before it leaves, until the WAL is synced past every write made before
 * it. The sync runs off the main thread (libuv's pool), one at a time, and covers every commit made
 * before it started, so concurrent writers share one fsync.
 *
 * What a client sees stays what FULL gives it: no answer leaves before the writes it follows are on
 * disk — neither the answer to a write, nor an answer that could show a write (a read is answered
 * only after the syncs of the writes before it too).
 */
import { open, type FileHandle } from 'node:fs/promises';

export class GroupCommit {
  /** writes made (statements that may have changed the WAL), counted */
  private written = 0;
  /** writes known to be on disk */
  private synced = 0;
  private inflight: { upTo: number; done: Promise<void> } | undefined;
  private queued: Promise<void> | undefined;
  private handle: Promise<FileHandle | undefined> | undefined;

  constructor(private readonly walFile: string) {}

  /** Called after every statement that may have written to the WAL (its write() has returned). */
  wrote(): void {
    this.written++;
  }

  /** Resolves once every write made so far is on disk; undefined when they already are (no waiting). */
  durable(): Promise<void> | undefined {
    const target = this.written;
    if (this.synced >= target) return undefined;
    if (this.inflight) {
      if (this.inflight.upTo >= target) return this.inflight.done;
      // The running sync may have started before these writes: one more after it, shared by all who wait.
      this.queued ??= this.inflight.done.then(
        () => this.afterQueue(target),
        () => this.afterQueue(target),
      );
      return this.queued;
    }
    return this.start();
  }

  private afterQueue(target: number): Promise<void> {
    this.queued = undefined;
    if (this.synced >= target) return Promise.resolve();
    if (this.inflight && this.inflight.upTo >= target) return this.inflight.done;
    return this.start();
  }

  private start(): Promise<void> {
    const upTo = this.written;
    const done = this.sync().then(
      () => {
        if (upTo > this.synced) this.synced = upTo;
        if (this.inflight?.upTo === upTo) this.inflight = undefined;
      },
      (e: unknown) => {
        if (this.inflight?.upTo === upTo) this.inflight = undefined;
        throw e;
      },
    );
    this.inflight = { upTo, done };
    return done;
  }

  protected async sync(): Promise<void> {
    // SQLite keeps the WAL file while a connection is open; it exists once anything was written.
    this.handle ??= open(this.walFile, 'r+').catch((e: NodeJS.ErrnoException) => {
      this.handle = undefined;
      if (e.code === 'ENOENT') return undefined;
      throw e;
    });
    const h = await this.handle;
    if (h) await h.datasync();
  }

  /** Syncs what is left and lets the file go (before the connection closes). */
  async close(): Promise<void> {
    await this.durable();
    const h = await this.handle;
    this.handle = undefined;
    await h?.close();
  }
}
