// Boots a built guest image under Debian's QEMU (TCG, direct kernel boot) and
// checks it the way a person would: wait for "WASMVIRT-READY <uptime>" on the
// serial console, wait for the shell prompt ("wasmvirt:<cwd># ", PS1 set by /init),
// type `uname -m` (expect x86_64) and read the current hardware RNG (expect the
// virtio one: the virtio-pci stack and its drivers work), then `poweroff -f`
// (ACPI power-off must end QEMU). Exactly one READY line may appear.
//
// Invariants: QEMU always runs under coreutils `timeout`, so nothing outlives the
// check; the image's files are verified against its manifest first, and a
// missing image or QEMU fails with a message saying what to install or run.
// qemu_tcg_seconds is wall time from spawning QEMU to the READY line.

import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ImageManifest } from './manifest.js';

export const QEMU = 'qemu-system-x86_64';

export interface QemuBootResult {
  image: string;
  qemu_tcg_seconds: number;
  guest_uptime_seconds: number;
  uname_m: string;
  rng: string;
  poweroff: boolean;
}

export function qemuAvailable(): boolean {
  return spawnSync('sh', ['-c', `command -v ${QEMU}`], { stdio: 'ignore' }).status === 0;
}

/** Reads an image's manifest and checks its files' sizes and sha256; throws naming what is wrong. */
export function loadImage(imagesDir: string, name: string): { dir: string; manifest: ImageManifest } {
  const dir = join(imagesDir, name);
  const path = join(dir, 'manifest.json');
  if (!existsSync(path)) throw new Error(`image "${name}" is missing (${path} not found): run \`npm run images\` first`);
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as ImageManifest;
  for (const f of manifest.files) {
    const file = join(dir, f.name);
    if (!existsSync(file)) throw new Error(`image "${name}": ${file} is missing: run \`npm run images\``);
    const data = readFileSync(file);
    const sum = createHash('sha256').update(data).digest('hex');
    if (data.length !== f.size || sum !== f.sha256) throw new Error(`image "${name}": ${f.name} does not match manifest.json (size/sha256): run \`npm run images\``);
  }
  return { dir, manifest };
}

/** Boots one image; resolves with the measurements or rejects with the console tail. */
export function qemuBoot(imagesDir: string, name: string, timeoutSeconds = 60): Promise<QemuBootResult> {
  if (!qemuAvailable()) return Promise.reject(new Error(`${QEMU} not found: apt-get install qemu-system-x86`));
  const { dir, manifest } = loadImage(imagesDir, name);
  const args = ['-k', '5', String(timeoutSeconds), QEMU, '-accel', 'tcg', '-m', '256', '-no-reboot', '-nodefaults', '-display', 'none',
    '-serial', 'stdio', '-device', 'virtio-rng-pci', '-kernel', join(dir, manifest.kernel.file),
    '-initrd', join(dir, manifest.initramfs.file), '-append', manifest.cmdline];
  const t0 = performance.now();
  const child = spawn('timeout', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let all = '';
  let readyAt = -1;
  let uptime = NaN;
  let step: 'ready' | 'prompt' | 'answer' | 'poweroff' = 'ready';
  const result: Partial<QemuBootResult> = { image: name };
  return new Promise((resolve, reject) => {
    const fail = (why: string): void => {
      child.kill('SIGTERM') /* to `timeout`, which passes it on to QEMU (SIGKILL would orphan QEMU) */;
      reject(new Error(`${name}: ${why}\n--- console tail ---\n${all.slice(-3000)}`));
    };
    const onData = (chunk: Buffer): void => {
      out += chunk.toString('latin1');
      all += chunk.toString('latin1');
      if (step === 'ready') {
        const m = /^WASMVIRT-READY (\d+(?:\.\d+)?)\r?\n/m.exec(out);
        if (!m) return;
        readyAt = performance.now();
        uptime = Number(m[1]);
        out = out.slice(m.index);
        step = 'prompt';
      }
      const plain = out.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
      if (step === 'prompt' && /wasmvirt:\S*# /.test(plain)) {
        step = 'answer';
        out = '';
        child.stdin.write('echo "M=$(uname -m) R=$(cat /sys/class/misc/hw_random/rng_current)"\n');
        return;
      }
      if (step === 'answer') {
        const m = /^M=(\S*) R=(\S*)\r?\n/m.exec(plain);
        if (!m) return;
        result.uname_m = m[1];
        result.rng = m[2];
        step = 'poweroff';
        child.stdin.write('poweroff -f\n');
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => (all += c.toString('latin1')));
    child.on('error', (e) => fail(`cannot run timeout/${QEMU}: ${e.message}`));
    child.on('close', (code) => {
      if (step !== 'poweroff') return fail(code === 124 ? `timed out after ${timeoutSeconds} s waiting for ${step}` : `QEMU exited (${code}) while waiting for ${step}`);
      if (code !== 0) return fail(`QEMU did not end cleanly after poweroff -f (exit ${code})`);
      const readyLines = all.match(/^WASMVIRT-READY /gm)?.length ?? 0;
      if (readyLines !== 1) return fail(`expected exactly one WASMVIRT-READY line, saw ${readyLines}`);
      resolve({
        image: name,
        qemu_tcg_seconds: Math.round((readyAt - t0) / 10) / 100,
        guest_uptime_seconds: uptime,
        uname_m: result.uname_m!,
        rng: result.rng!,
        poweroff: true,
      });
    });
  });
}
