// `npm run images:tiny-config`: regenerates images/tiny/kernel.config from
// `make tinyconfig` plus the fragment images/tiny/fragment.config, on Debian's
// linux-source-6.1.
//
// Invariant: every line of the fragment holds in the result (Kconfig silently
// drops an option whose dependencies are off; that is reported as an error
// naming the option instead of producing a kernel that lacks it).

import { copyFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolvePackage } from './apt.js';
import { cacheDir } from './cache.js';
import { CONFIG_FRAGMENT, KERNEL_CONFIG, SOURCE_PACKAGE, configBody, extractSource, make } from './tiny-kernel.js';
import { IMAGE_TOOLS, KERNEL_TOOLS, ensureTools } from './tools.js';

/** Fragment lines that the produced config does not honour. */
export function unmetFragmentLines(fragment: string, config: string): string[] {
  const have = new Set(configBody(config));
  const set = new Map<string, string>();
  for (const l of configBody(config)) {
    const m = /^(CONFIG_\w+)=/.exec(l);
    if (m) set.set(m[1], l);
  }
  const unmet: string[] = [];
  for (const line of fragment.split('\n')) {
    const off = /^# (CONFIG_\w+) is not set$/.exec(line);
    if (off) {
      if (set.has(off[1])) unmet.push(`${line}  (got ${set.get(off[1])})`);
    } else if (line.startsWith('CONFIG_') && !have.has(line)) {
      const name = line.split('=')[0];
      unmet.push(`${line}  (got ${set.get(name) ?? 'not set'})`);
    }
  }
  return unmet;
}

async function main(): Promise<void> {
  ensureTools([...IMAGE_TOOLS, ...KERNEL_TOOLS], 'the tiny kernel config');
  const tree = extractSource(resolvePackage(SOURCE_PACKAGE));
  const log = join(cacheDir('tiny'), 'tiny-config.log');
  writeFileSync(log, '');
  copyFileSync(CONFIG_FRAGMENT, join(tree, 'kernel/configs/wasmvirt.config'));
  await make(tree, ['tinyconfig', 'wasmvirt.config'], log);
  const config = readFileSync(join(tree, '.config'), 'utf8');
  const unmet = unmetFragmentLines(readFileSync(CONFIG_FRAGMENT, 'utf8'), config);
  if (unmet.length) throw new Error(`fragment options not honoured (enable their dependencies too):\n  ${unmet.join('\n  ')}`);
  writeFileSync(KERNEL_CONFIG, config);
  rmSync(tree, { recursive: true, force: true });
  console.log(`wrote ${fileURLToPath(KERNEL_CONFIG)} (${configBody(config).length} lines)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((e: Error) => {
    console.error(`images:tiny-config: ${e.message}`);
    process.exit(1);
  });
}
