// golden.test.ts — virsh transcripts compared with golden files, as libvirt's
// tests/virshtest.c does: test/virt/golden/NAME.in holds shell lines, NAME.out
// what virsh prints for them (stdout and stderr interleaved, each line echoed
// after a "virsh # " prompt so the transcript reads like a session).
//
// Lines starting with "#!" drive the fake guest instead of virsh:
//   #!settle                  let pending guest reactions (power button, reboot) happen
//   #!poweroff DOM | #!reset DOM | #!crash DOM    the guest does it
//   #!noacpi DOM              the guest ignores the ACPI power button
//   #!cpu DOM NS              the guest has used NS ns of CPU time
//   #!blk DOM DEV RDREQ RDBYTES WRREQ WRBYTES     disk counters
//   #!net DOM DEV RXBYTES RXPKTS TXBYTES TXPKTS   interface counters
//   #!lease NET MAC [HOSTNAME]   the network's DHCP server hands out a lease
//   #!arp NET MAC IP             the network's gateway learns IP → MAC (its neighbour table)
// Regenerate after a reviewed change with UPDATE_GOLDEN=1.
import { describe, it, expect, vi, afterEach } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { makeEnv, session, type Env, type Session } from './harness.js';
import { settle } from './fake-hypervisor.js';
import { FILES } from './golden-files.js';

const dir = join(fileURLToPath(new URL('.', import.meta.url)), 'golden');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

afterEach(() => {
  vi.useRealTimers();
});

async function directive(env: Env, s: Session, line: string): Promise<void> {
  const [cmd, ...a] = line.slice(2).trim().split(/\s+/);
  if (cmd === 'settle') return settle();
  const conn = await s.vsh.conn();
  if (cmd === 'lease') {
    conn.networks.dhcpRequest(conn.networks.lookupByName(a[0]), a[1], a[2]);
    return;
  }
  if (cmd === 'arp') {
    env.hv.neighbours.set(a[0], [...(env.hv.neighbours.get(a[0]) ?? []), { mac: a[1], ip: a[2] }]);
    return;
  }
  const vm = env.hv.vm(a[0]);
  switch (cmd) {
    case 'poweroff': vm.guestPoweroff(); break;
    case 'reset': vm.guestReset(); break;
    case 'crash': vm.crash(); break;
    case 'noacpi': vm.acpi = false; break;
    case 'cpu': vm.cpuTimeNs = Number(a[1]); break;
    case 'blk': Object.assign(vm.stats_.block[a[1]], { rdReq: +a[2], rdBytes: +a[3], wrReq: +a[4], wrBytes: +a[5] }); break;
    case 'net': Object.assign(vm.stats_.net[a[1]], { rxBytes: +a[2], rxPackets: +a[3], txBytes: +a[4], txPackets: +a[5] }); break;
    default: throw new Error(`unknown directive ${line}`);
  }
  await settle();
}

export async function transcript(name: string): Promise<string> {
  const env = makeEnv();
  for (const [k, v] of Object.entries(FILES)) env.files.set(k, v);
  const s = session(env);
  const lines = readFileSync(join(dir, `${name}.in`), 'utf8').split('\n').filter((l) => l.trim() !== '');
  let out = '';
  for (const line of lines) {
    if (line.startsWith('#!')) {
      await directive(env, s, line);
      continue;
    }
    out += `virsh # ${line}\n`;
    s.clear();
    await s.vsh.runLine(line);
    out += s.output();
  }
  await s.vsh.close();
  return out;
}

const cases = readdirSync(dir).filter((f) => f.endsWith('.in')).map((f) => f.slice(0, -3)).sort();

describe('virsh golden transcripts', () => {
  for (const name of cases) {
    it(name, async () => {
      // Lease expiry times print in local time: pin the clock and the zone.
      vi.useFakeTimers({ now: new Date('2026-01-02T03:04:05Z'), toFake: ['Date'] });
      process.env.TZ = 'UTC';
      const got = await transcript(name);
      const file = join(dir, `${name}.out`);
      if (UPDATE) writeFileSync(file, got);
      expect(got).toBe(readFileSync(file, 'utf8'));
    });
  }
});
