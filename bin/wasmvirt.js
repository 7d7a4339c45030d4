#!/usr/bin/env node
// wasmvirt — Node CLI entry. Registers tsx so the TypeScript sources run as they are, then hands
// argv to src/cli/main.ts and exits with the status it returns.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
