// smoke-web.ts — Web Worker entry of the smoke path (started by web/src/main.ts).
import { runSmoke } from './smoke.js';
import type { SmokeRequest } from './smoke-protocol.js';

self.onmessage = async (ev: MessageEvent<SmokeRequest>) => {
  (self as unknown as Worker).postMessage(await runSmoke(ev.data));
};
