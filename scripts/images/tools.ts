// Host tools the image build needs, and the Debian packages that provide them.
//
// Invariant: before any download or build starts, every tool of the requested
// step is present. When some are missing, root installs them with apt-get;
// anyone else gets the exact apt-get command and a failure, never a half build.

import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Tool {
  pkg: string; // Debian package
  check: { cmd: string } | { file: string };
}

/** Tools for unpacking Debian packages and writing the images. */
export const IMAGE_TOOLS: Tool[] = [
  { pkg: 'apt', check: { cmd: 'apt-get' } },
  { pkg: 'dpkg', check: { cmd: 'dpkg-deb' } },
  { pkg: 'xz-utils', check: { cmd: 'xz' } },
];

/** Tools for building the minimal kernel from linux-source-6.1 (objtool needs libelf; with
 * modules and module signing off, the build needs no OpenSSL headers). */
export const KERNEL_TOOLS: Tool[] = [
  { pkg: 'make', check: { cmd: 'make' } },
  { pkg: 'gcc', check: { cmd: 'gcc' } },
  { pkg: 'libc6-dev', check: { file: '/usr/include/stdio.h' } },
  { pkg: 'flex', check: { cmd: 'flex' } },
  { pkg: 'bison', check: { cmd: 'bison' } },
  { pkg: 'bc', check: { cmd: 'bc' } },
  { pkg: 'libelf-dev', check: { file: '/usr/include/gelf.h' } },
  { pkg: 'xz-utils', check: { cmd: 'xz' } },
  { pkg: 'tar', check: { cmd: 'tar' } },
];

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function present(t: Tool): boolean {
  return 'cmd' in t.check ? hasCommand(t.check.cmd) : existsSync(t.check.file);
}

/** Installs (as root) or names (otherwise) the packages of missing tools. */
export function ensureTools(tools: Tool[], what: string, isRoot = process.getuid?.() === 0): void {
  const missing = [...new Set(tools.filter((t) => !present(t)).map((t) => t.pkg))].sort();
  if (missing.length === 0) return;
  const command = `apt-get install -y ${missing.join(' ')}`;
  if (!isRoot) {
    throw new Error(`${what} needs Debian packages that are not installed: ${missing.join(', ')}.\nRun as root:\n  apt-get update && ${command}`);
  }
  console.log(`images: installing ${missing.join(' ')} for ${what}`);
  execFileSync('apt-get', ['update', '-q'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-q', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
  const still = tools.filter((t) => !present(t)).map((t) => t.pkg);
  if (still.length) throw new Error(`${what}: still missing after apt-get install: ${still.join(', ')}`);
}
