// vm-performance.ts — the performance graphs of the details window over the last minutes:
// CPU usage, host memory used, disk read/write and network receive/transmit rates.
import { h, formatBytes } from '../dom.js';
import { Sparkline } from '../widgets/sparkline.js';
import type { Session, Sample } from '../session.js';
import type { DomainObj } from '../../../src/virt/driver/domain-obj.js';

const GRAPHS: [string, (s: Sample) => number, (v: number) => string, number][] = [
  ['CPU usage', (s) => s.cpuPct, (v) => `${v.toFixed(0)} %`, 100],
  ['Memory (host)', (s) => s.memKiB * 1024, formatBytes, 0],
  ['Disk read', (s) => s.diskRdBps, (v) => `${formatBytes(v)}/s`, 0],
  ['Disk write', (s) => s.diskWrBps, (v) => `${formatBytes(v)}/s`, 0],
  ['Network receive', (s) => s.netRxBps, (v) => `${formatBytes(v)}/s`, 0],
  ['Network transmit', (s) => s.netTxBps, (v) => `${formatBytes(v)}/s`, 0],
];

export function performanceTab(el: HTMLElement, session: Session, dom: DomainObj): () => void {
  const items = GRAPHS.map(([title, pick, fmt, max]) => {
    const line = new Sparkline(420, 70, '#5b9', max, title);
    const value = h('span', { class: 'muted' });
    el.append(h('div', { class: 'perf-graph', 'data-testid': `perf-${title}` }, h('h3', {}, title, ' ', value), line.canvas));
    return { line, value, pick, fmt };
  });
  const render = () => {
    const samples = session.samples(dom);
    for (const g of items) {
      const series = samples.map(g.pick);
      g.line.set(series);
      g.value.textContent = series.length ? g.fmt(series[series.length - 1]!) : 'not running';
    }
  };
  render();
  return session.subscribe(render);
}
