// bench.ts — `npm run bench -- NAME [ARGS]`: runs bench/NAME.ts, whose exported run(args) prints
// JSON lines, the last one the summary {"bench":NAME,...}. `npm run bench` alone lists them.
import { readdirSync } from 'node:fs';

const benchDir = new URL('../bench/', import.meta.url);
const available = readdirSync(benchDir)
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name || !available.includes(name)) {
  process.stderr.write(`${name ? `unknown benchmark '${name}'\n` : ''}usage: npm run bench -- NAME\nbenchmarks: ${available.join(', ')}\n`);
  process.exit(name ? 1 : 0);
}
const mod = (await import(new URL(`${name}.ts`, benchDir).href)) as { run(args: string[]): Promise<void> };
await mod.run(args);
