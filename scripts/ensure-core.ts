// ensure-core.ts — build core.wasm when it is missing or older than any core-wasm source file.
// Used by `npm start` and `npm test` so a fresh clone works without a separate build step.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const outputs = ['build/core.wasm'].map((p) => join(root, p));

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

export function coreIsStale(): boolean {
  if (!outputs.every(existsSync)) return true;
  const built = Math.min(...outputs.map((p) => statSync(p).mtimeMs));
  return newestSource(join(root, 'core-wasm')) > built;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (coreIsStale()) {
    console.log('building core.wasm …');
    execFileSync('npm', ['run', '--silent', 'build:core'], { cwd: root, stdio: 'inherit' });
  }
}
