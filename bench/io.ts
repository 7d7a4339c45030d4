// io.ts — `npm run bench -- io [MiB]`: virtio I/O seen from inside the debian guest, in Node, through
// the whole VM path (WorkerHypervisor, a worker_thread per VM, virtio-pci, the guest's drivers).
//   blk_write_mbs  dd if=/dev/zero of=/dev/vda bs=1M count=64 oflag=direct (a raw file disk)
//   blk_read_mbs   dd if=/dev/vda of=/dev/null bs=1M count=64 iflag=direct
//   net_mbs        64 MiB from one VM to another on the default network over TCP (MTU 1500): busybox
//                  httpd serves a file from the sender's tmpfs (sendfile), busybox wget fetches it
//                  into /dev/null (64 KiB reads), as an iperf would with its large buffers.
//   io.net_nc      (a line of its own, not in the summary) the same by dd | busybox nc, 16 MiB:
//                  nc moves 1 KiB per poll/read/write, so it measures nc's syscalls, not the network.
// Times are the guest's own (/proc/uptime around the command, 10 ms steps; the guest's clock follows
// the host's), so console latency does not count. MB = 10^6 bytes, as dd reports it.
// One JSON line per measurement, then {"bench":"io","blk_read_mbs":R,"blk_write_mbs":W,"net_mbs":N}.
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { debianHasExt4, dhcp, GuestVm, guestHypervisor, HAVE_DEBIAN } from '../test/guest/guest.js';
import { emit } from './_emit.js';

const MiB = 1 << 20;

/** Runs `cmd` in the guest and returns the seconds it took by the guest's clock. */
async function timed(g: GuestVm, cmd: string, seconds = 900): Promise<number> {
  const t = performance.now();
  const out = await g.ok(`read t0 x < /proc/uptime; ${cmd}; read t1 x < /proc/uptime; echo "took $t0 $t1"`, seconds);
  const m = /took (\d+\.\d+) (\d+\.\d+)/.exec(out);
  if (!m) throw new Error(`no timing in:\n${out}`);
  emit({ bench: 'io.command', cmd, guest_seconds: round(Number(m[2]) - Number(m[1])), host_seconds: round((performance.now() - t) / 1000) });
  return Number(m[2]) - Number(m[1]);
}

const mbs = (bytes: number, s: number) => Math.round((bytes / 1e6 / s) * 10) / 10;

export async function run(args: string[]): Promise<void> {
  if (!HAVE_DEBIAN || !debianHasExt4()) throw new Error('the debian image is missing (npm run images -- debian)');
  const size = Number(args[0] ?? 64);
  const bytes = size * MiB;
  const dir = mkdtempSync(join(tmpdir(), 'wasmvirt-bench-io-'));
  const hv = await guestHypervisor(1024);
  const disk = join(dir, 'disk.raw');
  const fd = openSync(disk, 'w');
  ftruncateSync(fd, bytes + 16 * MiB);
  closeSync(fd);
  const [a, b] = await Promise.all([
    GuestVm.boot(hv, { name: 'io-a', disks: [{ path: disk, format: 'raw' }], nics: [{ mac: '52:54:00:10:00:0a', network: 'default' }] }),
    GuestVm.boot(hv, { name: 'io-b', nics: [{ mac: '52:54:00:10:00:0b', network: 'default' }] }),
  ]);
  try {
    const w = await timed(a, `dd if=/dev/zero of=/dev/vda bs=1M count=${size} oflag=direct 2>/dev/null`);
    emit({ bench: 'io.blk_write', mib: size, seconds: round(w), mbs: mbs(bytes, w), dd: 'bs=1M oflag=direct' });
    const r = await timed(a, `dd if=/dev/vda of=/dev/null bs=1M count=${size} iflag=direct 2>/dev/null`);
    emit({ bench: 'io.blk_read', mib: size, seconds: round(r), mbs: mbs(bytes, r), dd: 'bs=1M iflag=direct' });

    const [ipA, ipB] = await Promise.all([dhcp(a), dhcp(b)]);
    await a.ok(`mkdir -p /www && dd if=/dev/zero of=/www/blob bs=1M count=${size} 2>/dev/null && httpd -p 80 -h /www`);
    const n = await timed(b, `wget -q -O /dev/null http://${ipA}/blob`, 3600);
    await a.ok('killall httpd; rm /www/blob');
    emit({ bench: 'io.net', mib: size, seconds: round(n), mbs: mbs(bytes, n), how: 'httpd (sendfile) -> wget, VM to VM, MTU 1500' });

    const ncMiB = Math.min(size, 16);
    await b.ok('(sleep 99999 | nc -l -p 5001 > /dev/null 2>&1 &)');
    const nc = await timed(a, `dd if=/dev/zero bs=64k count=${ncMiB * 16} 2>/dev/null | nc ${ipB} 5001`, 3600);
    await b.ok('while pidof nc > /dev/null; do usleep 100000; done; killall sleep', 600);
    emit({ bench: 'io.net_nc', mib: ncMiB, seconds: round(nc), mbs: mbs(ncMiB * MiB, nc), how: 'dd | nc (1 KiB per syscall), VM to VM' });
    emit({ bench: 'io', blk_read_mbs: mbs(bytes, r), blk_write_mbs: mbs(bytes, w), net_mbs: mbs(bytes, n) });
  } finally {
    await Promise.all([a.destroy(), b.destroy()]);
    rmSync(dir, { recursive: true, force: true });
  }
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}
