/*
 * node.ts — the StateStore in a directory (Node): the twin of /etc/libvirt/qemu
 * and friends. Layout: <dir>/<kind>/<uuid>.json, one JSON ConfigRecord each.
 *
 * Invariants:
 *  - Atomic writes: the record is written to a temporary file in the same
 *    directory, fsync'd, then renamed over the old one (rename is atomic on
 *    POSIX), and the directory is fsync'd.
 *  - Writers in several processes serialise on <dir>/.lock (mkdir is atomic);
 *    a lock older than LOCK_STALE_MS is taken as left by a dead process.
 *  - onChange() watches the kind directories (fs.watch, not keeping the
 *    process alive) and reports records written by other processes.
 *  - Files that do not parse as records are skipped with a warning, never
 *    deleted: bad input loses nothing.
 */
import { promises as fs, watch, type FSWatcher } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  type ConfigKind, type ConfigRecord, type ConfigWrite, type StateStore, checkPut, checkRemove,
} from './types.js';

const KINDS: ConfigKind[] = ['domain', 'network', 'pool'];
const LOCK_STALE_MS = 30_000;
const LOCK_WAIT_MS = 10_000;

/** ${XDG_DATA_HOME:-~/.local/share}/wasmvirt */
export function defaultStateDir(env: Record<string, string | undefined> = process.env): string {
  const base = env.XDG_DATA_HOME && env.XDG_DATA_HOME !== '' ? env.XDG_DATA_HOME : join(env.HOME ?? homedir(), '.local', 'share');
  return join(base, 'wasmvirt');
}

export class DirStateStore implements StateStore {
  readonly description: string;
  private readonly watchers: FSWatcher[] = [];
  /** "kind/uuid@version" of our own writes, so the watcher does not report them. */
  private readonly own = new Set<string>();

  private constructor(readonly dir: string) {
    this.description = `dir:${dir}`;
  }

  static async open(dir: string): Promise<DirStateStore> {
    for (const k of KINDS) await fs.mkdir(join(dir, k), { recursive: true });
    return new DirStateStore(dir);
  }

  private file(kind: ConfigKind, uuid: string): string {
    if (!/^[0-9a-f-]{36}$/.test(uuid)) throw new Error(`invalid uuid '${uuid}' for a state file`);
    return join(this.dir, kind, `${uuid}.json`);
  }

  async list(kind: ConfigKind): Promise<ConfigRecord[]> {
    const names = (await fs.readdir(join(this.dir, kind))).filter((n) => n.endsWith('.json')).sort();
    const out: ConfigRecord[] = [];
    for (const n of names) {
      const r = await this.read(join(this.dir, kind, n));
      if (r && r.kind === kind) out.push(r);
    }
    return out;
  }

  async get(kind: ConfigKind, uuid: string): Promise<ConfigRecord | undefined> {
    return this.read(this.file(kind, uuid));
  }

  private async read(path: string): Promise<ConfigRecord | undefined> {
    let text: string;
    try {
      text = await fs.readFile(path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    try {
      const r = JSON.parse(text) as ConfigRecord;
      if (typeof r.uuid !== 'string' || typeof r.name !== 'string' || typeof r.xml !== 'string') throw new Error('missing fields');
      return r;
    } catch (e) {
      process.emitWarning(`wasmvirt: ignoring unreadable state file ${path}: ${(e as Error).message}`);
      return undefined;
    }
  }

  async put(rec: ConfigWrite, expectedVersion: number): Promise<number> {
    return this.locked(async () => {
      const version = checkPut(await this.list(rec.kind), rec, expectedVersion);
      const full: ConfigRecord = { ...rec, version };
      this.own.add(`${rec.kind}/${rec.uuid}@${version}`);
      await atomicWrite(this.file(rec.kind, rec.uuid), JSON.stringify(full, null, 2) + '\n');
      return version;
    });
  }

  async remove(kind: ConfigKind, uuid: string, expectedVersion: number): Promise<void> {
    await this.locked(async () => {
      checkRemove(await this.get(kind, uuid), kind, uuid, expectedVersion);
      this.own.add(`${kind}/${uuid}@0`);
      await fs.unlink(this.file(kind, uuid));
      await fsyncDir(join(this.dir, kind));
    });
  }

  onChange(listener: (kind: ConfigKind, uuid: string) => void): () => void {
    const mine: FSWatcher[] = [];
    for (const kind of KINDS) {
      const w = watch(join(this.dir, kind), { persistent: false }, (_ev, name) => {
        const m = /^([0-9a-f-]{36})\.json$/.exec(String(name ?? ''));
        if (!m) return;
        void this.get(kind, m[1]).then((r) => {
          const key = `${kind}/${m[1]}@${r?.version ?? 0}`;
          if (!this.own.has(key)) listener(kind, m[1]);
        }, () => undefined);
      });
      w.on('error', () => undefined);
      mine.push(w);
    }
    this.watchers.push(...mine);
    return () => mine.forEach((w) => w.close());
  }

  async close(): Promise<void> {
    this.watchers.forEach((w) => w.close());
    this.watchers.length = 0;
  }

  private async locked<T>(fn: () => Promise<T>): Promise<T> {
    const lock = join(this.dir, '.lock');
    const deadline = Date.now() + LOCK_WAIT_MS;
    for (;;) {
      try {
        await fs.mkdir(lock);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const st = await fs.stat(lock).catch(() => undefined);
        if (st && Date.now() - st.mtimeMs > LOCK_STALE_MS) {
          await fs.rmdir(lock).catch(() => undefined);
          continue;
        }
        if (Date.now() > deadline) throw new Error(`state directory ${this.dir} is locked (${lock})`);
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    try {
      return await fn();
    } finally {
      await fs.rmdir(lock).catch(() => undefined);
    }
  }
}

/** Write-to-temporary, fsync, rename, fsync the directory. */
export async function atomicWrite(path: string, data: string): Promise<void> {
  const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fh = await fs.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(data, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.rename(tmp, path);
  } catch (e) {
    await fs.unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(join(path, '..'));
}

async function fsyncDir(dir: string): Promise<void> {
  const fh = await fs.open(dir, 'r').catch(() => undefined);
  if (!fh) return;
  try {
    await fh.sync();
  } catch {
    /* some filesystems refuse fsync on a directory */
  } finally {
    await fh.close();
  }
}
