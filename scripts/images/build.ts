// `npm run images [-- debian|tiny ...] [--out DIR]`: builds the guest images into
// public/images/<name>/ (vmlinuz, initramfs.cpio.gz, manifest.json).
//
//   debian  Debian 12's stock kernel (the linux-image-*-amd64 that linux-image-amd64
//           depends on) + busybox-static + the virtio and ext4 modules + /init.
//   tiny    a minimal kernel built from linux-source-6.1 with images/tiny/kernel.config
//           + the same initramfs without modules.
//
// Invariants: inputs are Debian packages resolved with apt-cache and the files
// under images/; outputs are byte-identical for the same inputs (see cpio.ts,
// gzip.ts, tiny-kernel.ts). Nothing needs root except installing missing tools.

import { readFileSync, rmSync, mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { aptShowMany, stockKernelPackageName, unpackPackage, type DebPackage } from './apt.js';
import { gzip } from './gzip.js';
import { addModules, baseArchive } from './initramfs.js';
import { READY_LINE, MANIFEST_VERSION, bzImageInfo, describeFile, packageRef, type ImageManifest } from './manifest.js';
import { SOURCE_PACKAGE, tinyKernel } from './tiny-kernel.js';
import { IMAGE_TOOLS, KERNEL_TOOLS, ensureTools } from './tools.js';

export const IMAGE_NAMES = ['debian', 'tiny'] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];
export const DEFAULT_OUT = fileURLToPath(new URL('../../public/images/', import.meta.url));
export const DEFAULT_CMDLINE = 'console=ttyS0';
export const KERNEL_FILE = 'vmlinuz';
export const INITRAMFS_FILE = 'initramfs.cpio.gz';

interface ImageParts {
  name: ImageName;
  description: string;
  kernel: Uint8Array;
  release: string;
  kernelPackage: DebPackage;
  initramfs: Uint8Array;
  modules: string[];
  packages: DebPackage[];
}

function buildDebian(busybox: { pkg: DebPackage; root: string }): ImageParts {
  const { pkg, root } = unpackPackage(stockKernelPackageName());
  const release = pkg.name.replace(/^linux-image-/, '');
  const vmlinuz = join(root, 'boot', `vmlinuz-${release}`);
  if (!existsSync(vmlinuz)) throw new Error(`${pkg.name} ${pkg.version} has no boot/vmlinuz-${release}`);
  const archive = baseArchive(busybox.root);
  const modules = addModules(archive, { release, root });
  return {
    name: 'debian', description: `Debian 12 stock kernel ${release} with a busybox initramfs, the virtio modules and ext4`,
    kernel: readFileSync(vmlinuz), release, kernelPackage: pkg, initramfs: gzip(archive.toBytes()), modules,
    packages: [pkg, busybox.pkg],
  };
}

async function buildTiny(busybox: { pkg: DebPackage; root: string }): Promise<ImageParts> {
  const k = await tinyKernel();
  console.log(`images: tiny kernel ${k.release} ${k.cached ? 'from cache' : 'built'} (${k.bzImage})`);
  return {
    name: 'tiny', description: `minimal kernel ${k.release} built from ${k.source.name} ${k.source.version} (images/tiny/kernel.config) with a busybox initramfs`,
    kernel: readFileSync(k.bzImage), release: k.release, kernelPackage: k.source, initramfs: gzip(baseArchive(busybox.root).toBytes()),
    modules: [], packages: [k.source, busybox.pkg],
  };
}

/** Writes one image directory and returns its manifest. */
export function writeImage(outRoot: string, p: ImageParts): ImageManifest {
  const dir = join(outRoot, p.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, KERNEL_FILE), p.kernel);
  writeFileSync(join(dir, INITRAMFS_FILE), p.initramfs);
  const manifest: ImageManifest = {
    manifestVersion: MANIFEST_VERSION,
    name: p.name,
    description: p.description,
    kernel: { file: KERNEL_FILE, format: 'bzImage', ...bzImageInfo(p.kernel), release: p.release, package: p.kernelPackage.name, packageVersion: p.kernelPackage.version },
    initramfs: { file: INITRAMFS_FILE, format: 'cpio-newc+gzip', modules: p.modules },
    cmdline: DEFAULT_CMDLINE,
    ready: READY_LINE,
    packages: p.packages.map(packageRef),
    files: [describeFile(KERNEL_FILE, p.kernel), describeFile(INITRAMFS_FILE, p.initramfs)],
  };
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 2) + '\n');
  return manifest;
}

function parseArgs(argv: string[]): { names: ImageName[]; out: string } {
  const names: ImageName[] = [];
  let out = DEFAULT_OUT;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--out') out = resolve(argv[++i] ?? '');
    else if ((IMAGE_NAMES as readonly string[]).includes(a)) names.push(a as ImageName);
    else throw new Error(`unknown argument "${a}"; usage: npm run images [-- debian|tiny ...] [--out DIR]`);
  }
  return { names: names.length ? names : [...IMAGE_NAMES], out };
}

async function main(): Promise<void> {
  const t0 = performance.now();
  const { names, out } = parseArgs(process.argv.slice(2));
  ensureTools(names.includes('tiny') ? [...IMAGE_TOOLS, ...KERNEL_TOOLS] : IMAGE_TOOLS, 'npm run images');
  aptShowMany(['busybox-static', ...(names.includes('debian') ? ['linux-image-amd64'] : []), ...(names.includes('tiny') ? [SOURCE_PACKAGE] : [])]);
  if (names.includes('debian')) aptShowMany([stockKernelPackageName()]);
  const busybox = unpackPackage('busybox-static');
  for (const name of names) {
    const parts = name === 'debian' ? buildDebian(busybox) : await buildTiny(busybox);
    const m = writeImage(out, parts);
    for (const f of m.files) console.log(`images: ${name}/${f.name} ${f.size} bytes sha256 ${f.sha256}`);
  }
  console.log(`images: done in ${((performance.now() - t0) / 1000).toFixed(1)} s -> ${out}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: Error) => {
    console.error(`images: ${e.message}`);
    process.exit(1);
  });
}
