// boot.spec.ts — VMs boot in Chromium, each in its Web Worker on the page's shared pool: the
// default VM (defined on the first visit, booted by the `?vm=NAME&console` link `npm start` prints)
// answers `uname -a` typed into its xterm.js console, and a Break from "Send key" then h shows the
// kernel's Magic SysRq help; the wheel scrolls its console back to the boot log's first line; the
// overview's graphs move while it runs; it takes a DHCP lease under its own name (its kernel command
// line's ip=), listed under Networks; a second tab cannot start it; its details show the uptime
// and kvm_stat's exit statistics; a mark written to its /dev/vda (a qcow2 volume in IndexedDB)
// survives a page reload and a fresh boot; a VM defined from pasted XML starts. Each test saves a
// screenshot. The tests share one page (and so one IndexedDB), in order.
import { test, expect, type BrowserContext, type Page } from '@playwright/test';
import { existsSync } from 'node:fs';

const haveImages = existsSync(new URL('../../public/images/debian/manifest.json', import.meta.url))
  && existsSync(new URL('../../public/images/tiny/manifest.json', import.meta.url));
const BOOT_MS = 180_000;
const PROMPT = 'wasmvirt:~# ';

test.describe.configure({ mode: 'serial', timeout: 6 * 60_000 });
test.skip(!haveImages, 'the guest images are missing: npm run images');

let context: BrowserContext;
let page: Page;

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext();
  page = await context.newPage();
});
test.afterAll(async () => context.close());

async function ready(p: Page, path: string): Promise<void> {
  await p.goto(path);
  await expect(p.getByTestId('status')).toHaveAttribute('data-ready', 'true', { timeout: 60_000 });
}

/** Moves inside the app (a hash change): a navigation to another URL would reload the page and end its VMs. */
async function go(hash: string): Promise<void> {
  await page.evaluate((h) => { location.hash = h; }, hash);
}

/** Types a line into the console and waits for `expected` (text the typed line itself cannot show). */
async function run(line: string, expected: string | RegExp, timeout = 60_000): Promise<void> {
  await page.getByTestId('console').click();
  await page.keyboard.type(line + '\r');
  await expect(page.getByTestId('console')).toContainText(expected, { timeout });
}

async function bootedToShell(): Promise<void> {
  await expect(page.getByTestId('console')).toContainText('WASMVIRT-READY', { timeout: BOOT_MS });
  await expect(page.getByTestId('console')).toContainText(PROMPT, { timeout: 30_000 });
}

test('the default VM boots from the start link and answers uname -a on its console', async () => {
  await ready(page, '/?vm=debian&console');
  await expect(page.getByTestId('vm-state')).toHaveText('running', { timeout: 30_000 });
  await bootedToShell();
  await run('uname -a', /Linux debian \S+-amd64 .* x86_64 GNU\/Linux/); // the hostname is the VM's (ip=::::debian:eth0:dhcp)
  await page.screenshot({ path: 'test-results/default-vm-console.png' });
  // the focused console's cursor blinks by a class toggled twice a second, not by a CSS animation
  // (which Chromium runs on the main thread, restyling the page in every frame)
  expect(await page.evaluate(() => document.getAnimations().filter((a) => a instanceof CSSAnimation).length)).toBe(0);
  const cursorColour = (off: boolean) => page.waitForFunction((off) => {
    const term = document.querySelector('[data-testid=console] .xterm');
    const cursor = term?.querySelector('.xterm-cursor');
    return cursor && term!.classList.contains('cursor-off') === off ? getComputedStyle(cursor).backgroundColor : undefined;
  }, off, { polling: 50, timeout: 5000 }).then((h) => h.jsonValue());
  expect(await cursorColour(true)).not.toBe(await cursorColour(false));
});

test('Send key → Break, then h: the guest kernel answers with its Magic SysRq help', async () => {
  await page.getByTestId('send-key').selectOption('break');
  await expect(page.getByTestId('console-status')).toContainText('BREAK sent');
  await page.keyboard.type('h');
  await expect(page.getByTestId('console')).toContainText(/sysrq: HELP : loglevel\(0-9\)/, { timeout: 30_000 });
  await run("echo still-''here", 'still-here'); // the shell never saw the h
  await page.screenshot({ path: 'test-results/console-sysrq-help.png' });
});

test('the console keeps the boot log in its scrollback: the wheel scrolls back to its first line', async () => {
  const consoleView = page.getByTestId('console');
  const slider = consoleView.locator('.scrollbar.vertical .slider');
  const sliderTop = async () => Number.parseFloat(await slider.evaluate((e) => (e as HTMLElement).style.top));
  await expect(consoleView).not.toContainText('Linux version');
  expect(await sliderTop()).toBeGreaterThan(0); // the scrollbar followed the output down
  await consoleView.hover();
  await expect.poll(async () => { // a wheel event scrolls a few lines: turn it until the log's start shows
    await page.mouse.wheel(0, -2000);
    return consoleView.innerText();
  }, { timeout: 60_000, intervals: [50] }).toMatch(/Linux version \S+-amd64/);
  await expect.poll(sliderTop).toBe(0);
  await page.screenshot({ path: 'test-results/console-scrollback.png' });
  await run("echo back-''down", 'back-down'); // typing scrolls back to the prompt
  await expect(consoleView).not.toContainText('Linux version');
});

test('the console rows show scrolled output in order (rows are reused as output scrolls)', async () => {
  await run('seq 1 400', `399400${PROMPT}`); // the console's text runs its rows together
  const rows = (await page.locator('[data-testid=console] .xterm-rows > div').allTextContents()).map((r) => r.trimEnd());
  const last = rows.lastIndexOf('400');
  expect(rows[last + 1]).toBe(PROMPT.trimEnd());
  const numbers = rows.slice(0, last + 1);
  expect(numbers).toEqual(numbers.map((_, i) => String(400 - last + i)));
  expect(numbers.length).toBeGreaterThan(10);
});

test('the overview graphs move while the VM runs', async () => {
  await go('#/overview');
  const cpu = page.getByTestId('vm-row-debian').locator('canvas.sparkline').first();
  await expect(cpu).toHaveAttribute('data-points', /^[1-9]/, { timeout: 20_000 });
  const first = Number(await cpu.getAttribute('data-points'));
  await expect.poll(async () => Number(await cpu.getAttribute('data-points')), { timeout: 20_000 }).toBeGreaterThan(first + 1);
  await expect.poll(async () => Number(await page.getByTestId('host-summary').getAttribute('data-used-bytes')), { timeout: 5_000 }).toBeGreaterThan(0);
  await page.screenshot({ path: 'test-results/overview-graphs.png' });
});

test('the VM takes a DHCP lease under its name from the default network, listed under Networks', async () => {
  await go('#/networks');
  // the guest's /init left udhcpc running since the boot; the page looks at the leases every 2 s
  const lease = page.getByTestId('leases-default').locator('tr[data-testid^=lease-]');
  await expect(lease).toHaveCount(1, { timeout: 30_000 });
  await expect(lease.locator('td').nth(2)).toHaveText(/^192\.168\.122\.\d+\/24$/);
  await expect(lease.locator('td').nth(3)).toHaveText('debian');
  const address = (await lease.locator('td').nth(2).textContent())!.split('/')[0]!;
  await page.screenshot({ path: 'test-results/network-leases.png' });
  await go('#/vm/debian/devices'); // the interface's address, as virsh domifaddr gives it
  await expect(page.getByTestId('devices')).toContainText(`${address}/24`, { timeout: 5_000 });
  await go('#/vm/debian/console');
  await run('ip -4 -o addr show dev eth0', `inet ${address}/24`);
});

test('a second tab cannot start the VM that runs in the first', async () => {
  const other = await context.newPage();
  await ready(other, '/#/vm/debian/overview');
  await other.getByTestId('action-start').click();
  await expect(other.getByRole('alert')).toContainText(/in use by another wasmvirt tab/, { timeout: 30_000 });
  await other.screenshot({ path: 'test-results/second-tab-refused.png' });
  await other.close();
  await go('#/vm/debian/overview');
  await expect(page.getByTestId('vm-state')).toHaveText('running');
});

test('the VM overview shows its uptime since the start and its exit statistics (kvm_stat)', async () => {
  await go('#/vm/debian/overview');
  // the VM started minutes ago (boot, the tests above): the uptime counts from its start, not from the tab's opening
  const uptime = await page.getByTestId('vm-overview').locator('tr[data-key=Uptime] td').textContent();
  expect(uptime).toMatch(/^\d\d:\d\d:\d\d$/);
  const [hh, mm, ss] = uptime!.split(':').map(Number);
  expect(hh! * 3600 + mm! * 60 + ss!).toBeGreaterThan(10);
  // an idle Linux halts between timer ticks and runs its serial console by port I/O
  const exits = page.getByTestId('vm-exits');
  for (const event of ['exits_hlt', 'exits_io', 'irq_injections']) {
    await expect.poll(async () => Number(await exits.locator(`tr[data-event=${event}]`).getAttribute('data-total')), { timeout: 10_000 })
      .toBeGreaterThan(0);
  }
  // after the next sample the Current column holds a rate
  await expect(exits.locator('tr[data-event=exits_hlt] td').nth(2)).toHaveText(/^\d+$/, { timeout: 10_000 });
  await page.screenshot({ path: 'test-results/vm-overview-exits.png', fullPage: true });
});

test('a mark written to /dev/vda survives a page reload and a fresh boot', async () => {
  const mark = `wasmvirt-mark-${Date.now()}`;
  const split = `${mark.slice(0, 8)}''${mark.slice(8)}`; // the echoed command line does not contain the mark
  await go('#/vm/debian/console');
  await run(`echo ${split} | dd of=/dev/vda bs=512 conv=sync,fsync && echo wrote-''ok`, 'wrote-ok');
  await run('poweroff -f', /./);
  await expect(page.getByTestId('vm-state')).toHaveText('shut off', { timeout: 60_000 });
  await go('#/vm/debian/overview');
  await expect(page.getByTestId('vm-overview').locator('tr[data-key="Last stop"] td')).toHaveText(/^the guest powered off/);
  await ready(page, '/#/vm/debian/console');
  await expect(page.getByTestId('vm-state')).toHaveText('shut off');
  await page.getByTestId('action-start').click();
  await bootedToShell();
  await run('dd if=/dev/vda bs=512 count=1 2>/dev/null | head -n 1', mark);
  await page.screenshot({ path: 'test-results/disk-survives-reload.png' });
  await page.getByTestId('action-destroy').click();
  await expect(page.getByTestId('vm-state')).toHaveText('shut off', { timeout: 30_000 });
});

test('a VM defined from pasted XML starts and boots', async () => {
  await ready(page, '/#/new');
  await page.getByTestId('xml-text').fill(`<domain type='kvm'>
  <name>pasted</name>
  <memory unit='MiB'>128</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>/images/tiny/vmlinuz</kernel>
    <initrd>/images/tiny/initramfs.cpio.gz</initrd>
    <cmdline>console=ttyS0</cmdline>
  </os>
  <devices><serial type='pty'/></devices>
</domain>`);
  await page.getByTestId('xml-apply').click();
  await expect(page).toHaveURL(/#\/vm\/pasted\/overview/);
  await page.getByTestId('action-start').click();
  await page.getByTestId('tab-console').click();
  await bootedToShell();
  await run('echo cmdline=$(cat /proc/cmdline)', 'cmdline=console=ttyS0');
  await page.screenshot({ path: 'test-results/pasted-vm-console.png' });
});
