// Child process of crash.test.ts: opens an image and applies the crash
// workload until it is SIGKILLed, flushing every FLUSH_EVERY operations and
// recording (fsync'd) the number of operations each completed flush covers.
// Stops by itself after 30 s in case the parent is gone.
// Usage: node --import tsx crash-writer.ts DIR IMAGE ROUND
import { appendFileSync, closeSync, fsyncSync, openSync } from 'node:fs';
import { openImage } from '../../../src/vmm/block/images.js';
import { NodeStoreProvider } from '../../../src/vmm/block/store-node.js';
import { crashOp, FLUSH_EVERY } from './crash-workload.js';

const [dir, image, roundArg] = process.argv.slice(2);
const round = Number(roundArg);
const journal = `${dir}/journal-${round}`;

function record(n: number): void {
  appendFileSync(journal, `${n}\n`);
  const fd = openSync(journal, 'r');
  fsyncSync(fd);
  closeSync(fd);
}

const deadline = Date.now() + 30_000;
const dev = await openImage(new NodeStoreProvider(dir), image);
process.stdout.write('ready\n');
for (let i = 0; Date.now() < deadline; i++) {
  const op = crashOp(round, i, dev.capacity);
  if (op.kind === 'write') await dev.write(op.offset, op.data!);
  else await dev.writeZeroes(op.offset, op.length, { unmap: true });
  if ((i + 1) % FLUSH_EVERY === 0) {
    await dev.flush();
    record(i + 1);
  }
}
await dev.close();
