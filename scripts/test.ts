// test.ts — `npm test`: every suite in turn — vitest (unit, core, virt, vmm, diff subset) and
// Playwright (test/e2e in Chromium) — then one closing line "N passed, N failed[, N skipped]".
// Exit status is non-zero if any suite fails or reports a failure.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'build', 'test-results');
mkdirSync(out, { recursive: true });

interface Counts { passed: number; failed: number; skipped: number; status: number }

function run(cmd: string, args: string[], env: Record<string, string> = {}): number {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status ?? 1;
}

function vitest(): Counts {
  const file = join(out, 'vitest.json');
  rmSync(file, { force: true });
  const status = run(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', '--reporter=default',
    '--reporter=json', `--outputFile.json=${file}`]);
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0, status: status || 1 };
  const r = JSON.parse(readFileSync(file, 'utf8'));
  // a file that fails outside any test (an import error, a failing hook) counts once
  const fileErrors = (r.testResults as { status: string; assertionResults: { status: string }[] }[])
    .filter((f) => f.status === 'failed' && !f.assertionResults.some((a) => a.status === 'failed')).length;
  return { passed: r.numPassedTests, failed: r.numFailedTests + fileErrors, skipped: r.numPendingTests + r.numTodoTests, status };
}

function playwright(): Counts {
  const file = join(out, 'playwright.json');
  rmSync(file, { force: true });
  const status = run(process.execPath, ['node_modules/@playwright/test/cli.js', 'test', '--reporter=list,json'],
    { PLAYWRIGHT_JSON_OUTPUT_NAME: file });
  if (!existsSync(file)) return { passed: 0, failed: 1, skipped: 0, status: status || 1 };
  const s = JSON.parse(readFileSync(file, 'utf8')).stats;
  return { passed: s.expected, failed: s.unexpected + s.flaky, skipped: s.skipped, status };
}

const suites = [vitest(), playwright()];
const sum = (k: keyof Counts) => suites.reduce((n, c) => n + c[k], 0);
const failed = sum('failed') + suites.filter((c) => c.status !== 0 && c.failed === 0).length;
process.stdout.write(`\n${sum('passed')} passed, ${failed} failed, ${sum('skipped')} skipped\n`);
process.exit(failed === 0 ? 0 : 1);
