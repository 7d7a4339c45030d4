// Builds the "tiny" guest kernel: Debian's linux-source-6.1 with the full
// configuration committed in images/tiny/kernel.config, `make bzImage`.
//
// Invariants: the build environment pins everything the kernel stamps into its
// image (KBUILD_BUILD_TIMESTAMP/USER/HOST/VERSION, LC_ALL), so the same config,
// source and compiler give a byte-identical bzImage. The result is cached in
// <cache>/tiny/<key>/ where key = sha256 of (config, source package version,
// compiler, build environment); a hit skips the build entirely. The committed
// config must be an `olddefconfig` fixed point for the source, or the build
// stops and says how to regenerate it (scripts/images/tiny-config.ts).

import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fetchDeb, pruneOtherVersions, resolvePackage, unpackDeb, type DebPackage } from './apt.js';
import { cacheDir } from './cache.js';

export const SOURCE_PACKAGE = 'linux-source-6.1';
export const KERNEL_CONFIG = new URL('../../images/tiny/kernel.config', import.meta.url);
export const CONFIG_FRAGMENT = new URL('../../images/tiny/fragment.config', import.meta.url);

export const BUILD_ENV: Record<string, string> = {
  KBUILD_BUILD_TIMESTAMP: 'Thu Jan  1 00:00:00 UTC 1970',
  KBUILD_BUILD_USER: 'wasmvirt',
  KBUILD_BUILD_HOST: 'wasmvirt',
  KBUILD_BUILD_VERSION: '1',
  LC_ALL: 'C',
  TZ: 'UTC',
};

export interface TinyKernel {
  bzImage: string; // path in the cache
  release: string; // `make kernelrelease`
  source: DebPackage;
  configSha256: string;
  cached: boolean;
}

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function compilerId(): string {
  return execFileSync('gcc', ['--version'], { encoding: 'utf8' }).split('\n')[0].trim();
}

/** Extracts the kernel tree of linux-source-6.1 into a fresh build directory; returns its path. */
export function extractSource(pkg: DebPackage): string {
  const deb = fetchDeb(pkg);
  const unpacked = unpackDeb(deb);
  pruneOtherVersions(pkg.name, deb.split('/').pop()!.replace(/\.deb$/, ''));
  const tarball = join(unpacked, 'usr/src/linux-source-6.1.tar.xz');
  if (!existsSync(tarball)) throw new Error(`${pkg.name} ${pkg.version} has no usr/src/linux-source-6.1.tar.xz`);
  const parent = cacheDir('build');
  const tree = join(parent, 'linux-source-6.1');
  rmSync(tree, { recursive: true, force: true });
  execFileSync('tar', ['-xf', tarball, '-C', parent]);
  if (!existsSync(join(tree, 'Makefile'))) throw new Error(`${tarball} did not unpack to ${tree}`);
  return tree;
}

/** Runs make in the tree with the pinned environment, output to `log`. */
export function make(tree: string, args: string[], log: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const out = createWriteStream(log, { flags: 'a' });
    const child = spawn('make', args, { cwd: tree, env: { ...process.env, ...BUILD_ENV }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.pipe(out, { end: false });
    child.stderr.pipe(out, { end: false });
    child.on('error', reject);
    child.on('close', (code) => {
      out.end();
      if (code === 0) resolve();
      else {
        const tail = readFileSync(log, 'utf8').split('\n').slice(-25).join('\n');
        reject(new Error(`make ${args.join(' ')} failed (exit ${code}); log ${log}:\n${tail}`));
      }
    });
  });
}

/** Lines of a .config that carry settings (the header comment names the compiler and is ignored). */
export function configBody(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => l.startsWith('CONFIG_') || /^# CONFIG_\w+ is not set$/.test(l));
  return lines.slice(start < 0 ? 0 : start).filter((l) => l !== '');
}

/** Throws, listing the differing lines, unless `produced` (after olddefconfig) equals `committed`. */
export function checkFixedPoint(committed: string, produced: string): void {
  const a = configBody(committed);
  const b = new Set(configBody(produced));
  const gone = a.filter((l) => !b.has(l));
  const added = [...b].filter((l) => !a.includes(l));
  if (gone.length || added.length) {
    throw new Error(
      `images/tiny/kernel.config is not what \`make olddefconfig\` keeps for this source/compiler:\n` +
        gone.slice(0, 10).map((l) => `  - ${l}`).join('\n') + '\n' + added.slice(0, 10).map((l) => `  + ${l}`).join('\n') +
        `\nRegenerate it with \`npm run images:tiny-config\` and review the diff.`,
    );
  }
}

/** Returns the cached tiny kernel for the committed config, building it on a miss. */
export async function tinyKernel(jobs = 2): Promise<TinyKernel> {
  const config = readFileSync(KERNEL_CONFIG, 'utf8');
  const source = resolvePackage(SOURCE_PACKAGE);
  const configSha256 = sha256(config);
  const keyInput = { config: configSha256, source: `${source.name}=${source.version}`, compiler: compilerId(), env: BUILD_ENV };
  const key = sha256(JSON.stringify(keyInput)).slice(0, 16);
  const dir = join(cacheDir('tiny'), key);
  if (existsSync(join(dir, 'bzImage'))) {
    const release = readFileSync(join(dir, 'kernelrelease'), 'utf8').trim();
    return { bzImage: join(dir, 'bzImage'), release, source, configSha256, cached: true };
  }
  const tree = extractSource(source);
  const log = join(cacheDir('tiny'), `${key}.log`);
  writeFileSync(log, '');
  writeFileSync(join(tree, '.config'), config);
  await make(tree, ['olddefconfig'], log);
  checkFixedPoint(config, readFileSync(join(tree, '.config'), 'utf8'));
  console.log(`images: building the tiny kernel (make -j${jobs} bzImage, several minutes; log ${log})`);
  await make(tree, [`-j${jobs}`, 'bzImage'], log);
  const release = execFileSync('make', ['-s', 'kernelrelease'], { cwd: tree, encoding: 'utf8', env: { ...process.env, ...BUILD_ENV } }).trim();
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  copyFileSync(join(tree, 'arch/x86/boot/bzImage'), join(tmp, 'bzImage'));
  writeFileSync(join(tmp, 'kernelrelease'), release + '\n');
  writeFileSync(join(tmp, 'key.json'), JSON.stringify(keyInput, null, 2) + '\n');
  renameSync(tmp, dir);
  rmSync(tree, { recursive: true, force: true });
  return { bzImage: join(dir, 'bzImage'), release, source, configSha256, cached: false };
}
