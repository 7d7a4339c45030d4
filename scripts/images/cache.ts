// Where the image build keeps what it downloads and builds: outside the work tree,
// in ${XDG_CACHE_HOME:-$HOME/.cache}/wasmvirt/ (override: WASMVIRT_CACHE), so CI
// and later runs reuse .debs, unpacked packages and built kernels.
//
// Layout: debs/ (verified .deb files), unpacked/<deb basename>/ (dpkg-deb -x),
// tiny/<key>/ (built minimal kernels keyed by config + source + compiler).

import { mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export function cacheRoot(): string {
  if (process.env.WASMVIRT_CACHE) return process.env.WASMVIRT_CACHE;
  const xdg = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(xdg, 'wasmvirt');
}

/** A subdirectory of the cache, created if missing. */
export function cacheDir(...parts: string[]): string {
  const dir = join(cacheRoot(), ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
