// Crash ordering: a child writing to a qcow2 image is SIGKILLed at random
// moments, several times. After each kill `qemu-img check` must find no
// errors (leaked clusters are allowed and reported), our own open-time check
// must accept the image, and everything covered by a completed flush reads back.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createImage, openImage } from '../../../src/vmm/block/images.js';
import type { Qcow2Device } from '../../../src/vmm/block/qcow2/image.js';
import { NodeStoreProvider } from '../../../src/vmm/block/store-node.js';
import { crashOp, FLUSH_EVERY } from './crash-workload.js';
import { pattern, qemuCheck, requireQemuImg, tempDir } from './helpers.js';

const MiB = 1 << 20;
const writer = fileURLToPath(new URL('./crash-writer.ts', import.meta.url));
const tmp = tempDir('crash');
afterAll(() => tmp.cleanup());
beforeAll(() => requireQemuImg());

/** Runs the writer for round `round` and SIGKILLs it `killAfterMs` after it is ready. */
function runAndKill(image: string, round: number, killAfterMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', writer, tmp.dir, image, String(round)],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    let killed = false;
    child.stderr.on('data', (d) => { err += d; });
    child.stdout.on('data', (d: Buffer) => {
      if (!killed && d.toString().includes('ready')) {
        killed = true;
        setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve();
      else reject(new Error(`writer exited with ${code} before it was killed: ${err}`));
    });
  });
}

function lastFlushed(round: number): number {
  const file = `${tmp.dir}/journal-${round}`;
  if (!existsSync(file)) return 0;
  const lines = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
  return lines.length ? Number(lines[lines.length - 1]) : 0;
}

describe.each([
  ['512-byte clusters (refcount blocks and table grow)', 'small.qcow2', 512, false],
  ['64 KiB clusters over a backing file (copy-on-write)', 'overlay.qcow2', 65536, true],
])('crash consistency: %s', (_title, image, clusterSize, withBacking) => {
  it('survives SIGKILL at random moments', async () => {
    const capacity = 8 * MiB;
    const provider = new NodeStoreProvider(tmp.dir);
    const model = new Uint8Array(capacity);
    const known = new Uint8Array(capacity).fill(1);
    if (withBacking) {
      await createImage(provider, `${image}.base`, { format: 'raw', capacity });
      const base = await openImage(provider, `${image}.base`);
      const data = pattern(capacity, 77);
      await base.write(0, data);
      await base.close();
      model.set(data);
      await createImage(provider, image, { format: 'qcow2', clusterSize, backing: { name: `${image}.base`, format: 'raw' } });
    } else {
      await createImage(provider, image, { format: 'qcow2', capacity, clusterSize });
    }
    const rounds = 4;
    for (let round = 1; round <= rounds; round++) {
      const roundId = round + (withBacking ? 100 : 0);
      await runAndKill(image, roundId, 150 + ((round * 397) % 700));
      const n = lastFlushed(roundId);
      for (let i = 0; i < n; i++) apply(model, known, crashOp(roundId, i, capacity));
      // operations after the last recorded flush may or may not have landed
      for (let i = n; i < n + 2 * FLUSH_EVERY + 1; i++) {
        const op = crashOp(roundId, i, capacity);
        known.fill(0, op.offset, op.offset + op.length);
      }
      const check = qemuCheck(`${tmp.dir}/${image}`);
      expect(check['check-errors'], JSON.stringify(check)).toBe(0);
      expect(check.corruptions ?? 0, JSON.stringify(check)).toBe(0);
      const dev = await openImage(provider, image) as Qcow2Device; // runs our own consistency check
      const freed = dev.leaks;
      const got = await dev.read(0, capacity);
      await dev.close();
      let bad = -1;
      for (let b = 0; b < capacity; b++) if (known[b] && got[b] !== model[b]) { bad = b; break; }
      expect(bad, `round ${round}: ${n} flushed ops; first flushed byte that differs`).toBe(-1);
      console.log(`crash round ${round} (${image}): killed after ${n} flushed ops, ` +
        `qemu-img check: 0 errors, ${check.leaks ?? 0} leaked clusters; reopen freed ${freed} leaked clusters`);
    }
    // Leaks are allowed: the next read-write open frees them (like `qemu-img check -r leaks`).
    const dev = await openImage(provider, image) as Qcow2Device;
    const repaired = dev.leaks;
    await dev.close();
    const after = qemuCheck(`${tmp.dir}/${image}`);
    expect(after).toMatchObject({ 'check-errors': 0, code: 0 });
    expect(after.leaks ?? 0).toBe(0);
    console.log(`${image}: ${repaired} leaked clusters freed on reopen after the last kill`);
  }, 240_000);
});

function apply(model: Uint8Array, known: Uint8Array, op: ReturnType<typeof crashOp>): void {
  if (op.kind === 'write') model.set(op.data!, op.offset);
  else model.fill(0, op.offset, op.offset + op.length);
  known.fill(1, op.offset, op.offset + op.length);
}
