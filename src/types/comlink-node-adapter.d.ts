// comlink-node-adapter.d.ts — types for comlink's Node adapter, whose .mjs path has no .d.mts.
declare module 'comlink/dist/esm/node-adapter.mjs' {
  import type { Endpoint } from 'comlink';
  export default function nodeEndpoint(nep: unknown): Endpoint;
}
