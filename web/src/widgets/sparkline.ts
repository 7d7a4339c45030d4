// sparkline.ts — a small live line graph on a canvas (virt-manager's VM list graphs and the
// details page's performance graphs). Values are drawn scaled to the larger of `max` and the data.
export class Sparkline {
  readonly canvas: HTMLCanvasElement;
  private values: number[] = [];

  constructor(width: number, height: number, private readonly color = '#4a9', private readonly max = 0, readonly label = '') {
    this.canvas = document.createElement('canvas');
    this.canvas.width = width * devicePixelRatio;
    this.canvas.height = height * devicePixelRatio;
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
    this.canvas.className = 'sparkline';
    if (label) this.canvas.setAttribute('aria-label', label);
  }

  /** Replaces the series and redraws; `data-points` records how many values are drawn (tests read it). */
  set(values: number[]): void {
    this.values = values;
    this.canvas.dataset.points = String(values.length);
    this.canvas.dataset.last = values.length ? String(values[values.length - 1]) : '';
    this.draw();
  }

  private draw(): void {
    const ctx = this.canvas.getContext('2d');
    if (!ctx) return;
    const { width: w, height: hgt } = this.canvas;
    ctx.clearRect(0, 0, w, hgt);
    const v = this.values;
    if (v.length < 2) return;
    const top = Math.max(this.max, ...v) || 1;
    ctx.beginPath();
    v.forEach((y, i) => {
      const px = (i / (v.length - 1)) * (w - 2) + 1;
      const py = hgt - 1 - (y / top) * (hgt - 2);
      if (i === 0) ctx.moveTo(px, py);
      else ctx.lineTo(px, py);
    });
    ctx.strokeStyle = this.color;
    ctx.lineWidth = 1.5 * devicePixelRatio;
    ctx.stroke();
    ctx.lineTo(w - 1, hgt);
    ctx.lineTo(1, hgt);
    ctx.closePath();
    ctx.globalAlpha = 0.2;
    ctx.fillStyle = this.color;
    ctx.fill();
    ctx.globalAlpha = 1;
  }
}
