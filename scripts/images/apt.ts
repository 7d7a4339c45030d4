// Debian package access for the image build: resolve versions with apt-cache,
// fetch .debs with `apt-get download` into the cache, unpack with `dpkg-deb -x`.
//
// Invariants: nothing here needs root. A cached .deb is used only if its sha256
// matches the SHA256 field apt-cache reports for that exact version; an unpacked
// tree is published by renaming a finished temporary directory, so an
// interrupted run never leaves a half-extracted tree that a later run trusts.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { cacheDir } from './cache.js';

export interface DebPackage {
  name: string;
  version: string;
  arch: string;
  sha256: string;
  filename: string; // path in the archive, from apt-cache show
}

function run(cmd: string, args: string[], cwd?: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(err.stderr || err.message).trim()}`);
  }
}

let listsUpdated = false;
const shown = new Map<string, Map<string, string>>();

/** Fetches, in one apt-cache call (each call re-reads the package lists: seconds), the
 * candidate stanzas of the names not seen yet. As root, an unknown package triggers one
 * `apt-get update` (fresh machines have no package lists). */
export function aptShowMany(names: string[]): void {
  const want = [...new Set(names)].filter((n) => !shown.has(n));
  if (want.length === 0) return;
  let text = '';
  try {
    text = run('apt-cache', ['show', '--no-all-versions', ...want]);
  } catch (e) {
    if (process.getuid?.() === 0 && !listsUpdated) {
      listsUpdated = true;
      console.log(`images: apt-cache does not know ${want.join(' ')}; running apt-get update`);
      run('apt-get', ['update', '-q']);
      return aptShowMany(want);
    }
    throw new Error(`Debian packages ${want.join(', ')}: not all known to apt-cache; run \`apt-get update\` first. (${(e as Error).message})`);
  }
  for (const stanza of text.split(/\n\n+/)) {
    const fields = new Map<string, string>();
    for (const line of stanza.split('\n')) {
      const m = /^([A-Za-z0-9-]+): ?(.*)$/.exec(line);
      if (m) fields.set(m[1], m[2]);
    }
    const name = fields.get('Package');
    if (name && !shown.has(name)) shown.set(name, fields);
  }
}

/** The fields of the candidate version of `name` (apt-cache show, one stanza). */
export function aptShow(name: string): Map<string, string> {
  aptShowMany([name]);
  const fields = shown.get(name);
  if (!fields?.get('Version')) throw new Error(`apt-cache show ${name}: no candidate version; run \`apt-get update\``);
  return fields;
}

/** Resolves the candidate version of a package. */
export function resolvePackage(name: string): DebPackage {
  const f = aptShow(name);
  const need = (k: string): string => {
    const v = f.get(k);
    if (!v) throw new Error(`apt-cache show ${name}: missing ${k} field`);
    return v;
  };
  return { name, version: need('Version'), arch: need('Architecture'), sha256: need('SHA256'), filename: need('Filename') };
}

/** The linux-image-6.1.0-*-amd64 package that the meta package linux-image-amd64 depends on. */
export function stockKernelPackageName(): string {
  const depends = aptShow('linux-image-amd64').get('Depends') ?? '';
  const m = /\b(linux-image-\d[\w.+-]*-amd64)\b/.exec(depends);
  if (!m) throw new Error(`linux-image-amd64 does not depend on a linux-image-*-amd64 package (Depends: "${depends}")`);
  return m[1];
}

function sha256File(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** Returns the path of the verified .deb for `pkg` in the cache, downloading it if needed. */
export function fetchDeb(pkg: DebPackage): string {
  const dir = cacheDir('debs');
  const base = pkg.filename.split('/').pop()!;
  const path = join(dir, base);
  if (existsSync(path) && sha256File(path) === pkg.sha256) return path;
  rmSync(path, { force: true });
  const before = new Set(readdirSync(dir));
  run('apt-get', ['download', '-q', `${pkg.name}=${pkg.version}`], dir);
  const got = readdirSync(dir).filter((f) => !before.has(f) && f.startsWith(`${pkg.name}_`) && f.endsWith('.deb'));
  if (got.length !== 1) throw new Error(`apt-get download ${pkg.name}=${pkg.version} left ${got.length} new .deb files in ${dir}`);
  if (got[0] !== base) renameSync(join(dir, got[0]), path);
  const sum = sha256File(path);
  if (sum !== pkg.sha256) {
    rmSync(path);
    throw new Error(`${base}: sha256 ${sum} does not match apt's ${pkg.sha256}`);
  }
  return path;
}

/** Unpacks a .deb (dpkg-deb -x) into the cache once; returns the tree's root. */
export function unpackDeb(debPath: string): string {
  const base = debPath.split('/').pop()!.replace(/\.deb$/, '');
  const root = join(cacheDir('unpacked'), base);
  if (existsSync(root)) return root;
  const tmp = `${root}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  run('dpkg-deb', ['-x', debPath, tmp]);
  renameSync(tmp, root);
  return root;
}

/** Resolve, fetch and unpack in one step; older cached versions of the package are removed. */
export function unpackPackage(name: string): { pkg: DebPackage; root: string } {
  const pkg = resolvePackage(name);
  const deb = fetchDeb(pkg);
  const root = unpackDeb(deb);
  pruneOtherVersions(name, deb.split('/').pop()!.replace(/\.deb$/, ''));
  return { pkg, root };
}

/** Deletes cached .debs and unpacked trees of `name` other than `keep` (a deb basename sans .deb). */
export function pruneOtherVersions(name: string, keep: string): void {
  for (const [dir, suffix] of [[cacheDir('debs'), '.deb'], [cacheDir('unpacked'), '']] as const) {
    for (const f of readdirSync(dir)) {
      if (f.startsWith(`${name}_`) && f.endsWith(suffix) && f !== keep + suffix && !f.includes('.tmp-')) {
        rmSync(join(dir, f), { recursive: true, force: true });
      }
    }
  }
}
