// smoke.spec.ts — the page loads crossOriginIsolated, a Web Worker instantiates core.wasm on a
// shared memory, and the core's version shows in the xterm.js terminal of the virsh tab.
import { test, expect } from '@playwright/test';
import { readFileSync } from 'node:fs';

function builtCoreVersion(): string {
  const bytes = readFileSync(new URL('../../build/core.wasm', import.meta.url));
  const mod = new WebAssembly.Module(bytes);
  const memory = new WebAssembly.Memory({ initial: 64, maximum: 64, shared: true });
  const imports = Object.fromEntries(WebAssembly.Module.imports(mod).filter((i) => i.kind === 'function').map((i) => [i.name, () => 0]));
  const exp = new WebAssembly.Instance(mod, { env: { ...imports, memory, abort() {} } }).exports as { core_version(): number };
  const v = exp.core_version();
  return `${Math.floor(v / 1e6)}.${Math.floor((v % 1e6) / 1e3)}.${v % 1e3}`;
}

test('page is crossOriginIsolated and the worker reports the core version in the terminal', async ({ page }) => {
  await page.goto('/#/virsh');
  expect(await page.evaluate(() => globalThis.crossOriginIsolated)).toBe(true);
  const version = builtCoreVersion();
  await expect(page.getByTestId('status')).toContainText(`core ${version}`);
  await expect(page.getByTestId('virsh-terminal')).toContainText(`wasmvirt core ${version} running in a Web Worker`, { timeout: 30_000 });
  await page.screenshot({ path: 'test-results/smoke.png' });
});
