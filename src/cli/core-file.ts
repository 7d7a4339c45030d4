// core-file.ts — where the Node side finds the built core (build/core.wasm), with a clear error if
// it has not been built yet.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const coreWasmPath = fileURLToPath(new URL('../../build/core.wasm', import.meta.url));

export async function compileCore(path: string = coreWasmPath): Promise<WebAssembly.Module> {
  if (!existsSync(path)) {
    throw new Error(`${path} is missing: run "npm run build:core" first`);
  }
  return WebAssembly.compile(readFileSync(path));
}
