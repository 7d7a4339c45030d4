// cli.test.ts — `wasmvirt virsh` as a user runs it in Node: exit status 0/1,
// errors on stderr as "error: …", definitions persisting in --state-dir
// between processes, and the interactive shell reading commands from stdin.
import { describe, it, expect, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { domainXml } from './harness.js';

const bin = fileURLToPath(new URL('../../bin/wasmvirt.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'wasmvirt-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function virsh(args: string[], input?: string) {
  const r = spawnSync(process.execPath, [bin, 'virsh', '--state-dir', join(dir, 'state'), ...args], {
    input, encoding: 'utf8', timeout: 60_000, env: { ...process.env, XDG_CACHE_HOME: join(dir, 'cache') },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('wasmvirt virsh (Node)', () => {
  it('runs one command per process with virsh exit codes, and definitions persist between processes', () => {
    const xml = join(dir, 'vm.xml');
    writeFileSync(xml, domainXml('cli-vm', { uuid: '0c0c0c0c-1111-4222-8333-444455556666' }));
    const def = virsh(['define', xml]);
    expect(def).toEqual({ code: 0, out: `Domain 'cli-vm' defined from ${xml}\n\n`, err: '' });
    const list = virsh(['list', '--all']);
    expect(list.code).toBe(0);
    expect(list.out).toBe(' Id   Name     State\n-------------------------\n -    cli-vm   shut off\n\n');
    const missing = virsh(['dominfo', 'nope']);
    expect(missing).toEqual({ code: 1, out: '\n', err: "error: failed to get domain 'nope'\n" });
    const quiet = virsh(['-q', 'list', '--all']);
    expect(quiet.out).toBe(' -   cli-vm   shut off\n');
    const bad = virsh(['frob']);
    expect(bad).toEqual({ code: 1, out: '', err: "error: unknown command: 'frob'\n" });
    const uri = virsh(['-c', 'wasmvirt:///session', 'uri']);
    expect(uri.out).toBe('wasmvirt:///session\n\n');
    const badUri = virsh(['-c', 'qemu:///system', 'list']);
    expect(badUri.code).toBe(1);
    expect(badUri.err).toBe('error: failed to connect to the hypervisor\nerror: no connection driver available for qemu:///system\n');
  });

  it('reads the interactive shell from stdin', () => {
    const r = virsh([], 'list --all\ndomstate cli-vm\nquit\n');
    expect(r.code).toBe(0);
    expect(r.out).toContain('Welcome to virsh, the virtualization interactive terminal.');
    expect(r.out).toContain(' -    cli-vm   shut off\n');
    expect(r.out).toContain('shut off\n');
  });
});
