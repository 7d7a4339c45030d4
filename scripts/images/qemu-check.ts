// `npm run images:check [-- debian|tiny ...] [--images DIR] [--timeout S]`:
// boots each built image under QEMU TCG (scripts/images/qemu-boot.ts) and prints
// one JSON line per image: {"image", "qemu_tcg_seconds", ...}. Exits 1 if an image
// does not reach WASMVIRT-READY, does not answer `uname -m` with x86_64, has no
// virtio RNG, or does not power off. The boot benchmark reuses qemuBoot() for
// QEMU's reference time.

import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import { DEFAULT_OUT, IMAGE_NAMES } from './build.js';
import { qemuBoot, type QemuBootResult } from './qemu-boot.js';

/** Throws unless a boot result shows a working x86-64 shell with virtio. */
export function checkBootResult(r: QemuBootResult): void {
  if (r.uname_m !== 'x86_64') throw new Error(`${r.image}: uname -m answered "${r.uname_m}", expected x86_64`);
  if (!r.rng.startsWith('virtio_rng')) throw new Error(`${r.image}: current hw_random is "${r.rng}", expected virtio_rng.N`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const names: string[] = [];
  let dir = DEFAULT_OUT;
  let timeout = 60;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--images') dir = resolve(argv[++i] ?? '');
    else if (argv[i] === '--timeout') timeout = Number(argv[++i]);
    else if ((IMAGE_NAMES as readonly string[]).includes(argv[i])) names.push(argv[i]);
    else throw new Error(`unknown argument "${argv[i]}"; usage: qemu-check [debian|tiny ...] [--images DIR] [--timeout S]`);
  }
  if (!(timeout > 0)) throw new Error('--timeout needs a positive number of seconds');
  for (const name of names.length ? names : IMAGE_NAMES) {
    const r = await qemuBoot(dir, name, timeout);
    checkBootResult(r);
    console.log(JSON.stringify(r));
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: Error) => {
    console.error(`qemu-check: ${e.message}`);
    process.exit(1);
  });
}
