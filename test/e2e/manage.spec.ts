// manage.spec.ts — the management paths of the page in real Chromium with real IndexedDB: a VM
// defined from pasted XML appears; an XML error shows at its line and defines nothing; definitions
// survive a reload; an uploaded image shows progress and its volume appears with its size.
// Each test saves a screenshot under test-results/.
import { test, expect, type Page } from '@playwright/test';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

async function ready(page: Page, path = '/'): Promise<void> {
  await page.goto(path);
  await expect(page.getByTestId('status')).toHaveAttribute('data-ready', 'true', { timeout: 30_000 });
}

async function virsh(page: Page, line: string): Promise<void> {
  await page.getByTestId('virsh-terminal').click();
  await page.keyboard.type(line + '\r');
}

const vmXml = (name: string) => `<domain type='kvm'>
  <name>${name}</name>
  <memory unit='MiB'>64</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='x86_64' machine='pc'>hvm</type>
    <kernel>/images/tiny/vmlinuz</kernel>
  </os>
</domain>`;

test.describe.configure({ mode: 'serial' });

test('a VM defined from pasted XML appears in the list and survives a reload', async ({ page }) => {
  await ready(page, '/#/new');
  const name = `pasted-${Date.now()}`;
  await page.getByTestId('xml-text').fill(vmXml(name));
  await page.getByTestId('xml-apply').click();
  await expect(page).toHaveURL(new RegExp(`#/vm/${name}/overview`));
  await expect(page.getByTestId('vm-state')).toHaveText('shut off');
  await page.screenshot({ path: 'test-results/defined-vm.png' });
  await ready(page, '/');
  await expect(page.getByTestId(`vm-row-${name}`)).toBeVisible();
  await expect(page.getByTestId(`vm-state-${name}`)).toHaveText('shut off');
  await page.goto('/#/virsh');
  await virsh(page, 'list --all --name');
  await expect(page.getByTestId('virsh-terminal')).toContainText(name);
  await page.screenshot({ path: 'test-results/reloaded-list.png' });
});

test('an XML error shows at its line and defines nothing', async ({ page }) => {
  await ready(page, '/#/new');
  const name = `broken-${Date.now()}`;
  const bad = vmXml(name).replace('</os>', "</os>\n  <devices>\n    <hostdev mode='subsystem' type='pci'/>\n  </devices>");
  await page.getByTestId('xml-text').fill(bad);
  await page.getByTestId('xml-apply').click();
  const msg = page.getByTestId('xml-message');
  await expect(msg).toHaveClass(/error/);
  await expect(msg).toHaveAttribute('data-line', '10');
  await expect(msg).toContainText('hostdev');
  await expect(page.locator('.gutter .bad')).toHaveText('10');
  await page.screenshot({ path: 'test-results/xml-error.png' });
  const syntax = vmXml(name).replace('</vcpu>', '</vcpux>');
  await page.getByTestId('xml-text').fill(syntax);
  await page.getByTestId('xml-apply').click();
  await expect(msg).toHaveAttribute('data-line', '4');
  await ready(page, '/');
  await expect(page.getByTestId(`vm-row-${name}`)).toHaveCount(0);
});

test('an image upload shows progress and the volume appears with its size', async ({ page }) => {
  await ready(page, '/#/storage');
  const dir = mkdtempSync(join(tmpdir(), 'wasmvirt-upload-'));
  const file = join(dir, `image-${Date.now()}.img`);
  const data = Buffer.alloc(6 * 1024 * 1024);
  for (let i = 0; i < data.length; i += 4096) data[i] = ((i >> 12) & 255) | 1; // a non-zero byte in every 4 KiB page
  writeFileSync(file, data);
  const pool = page.getByTestId('pool-default');
  await pool.getByTestId('upload-file').setInputFiles(file);
  await pool.getByTestId('upload').click();
  await expect(pool.getByTestId('upload-status')).toContainText('uploaded', { timeout: 30_000 });
  await expect(pool.getByTestId('upload-progress')).toHaveJSProperty('value', 100);
  const name = file.split('/').pop()!;
  await expect(page.getByTestId(`vol-capacity-${name}`)).toHaveText('6.00 MiB');
  await expect(page.getByTestId(`vol-${name}`)).toContainText('6.00 MiB', { useInnerText: true });
  await expect(page.getByTestId(`vol-${name}`).locator('td').nth(3)).toHaveText('6.00 MiB'); // allocation: every chunk written
  await page.screenshot({ path: 'test-results/upload.png' });
  await ready(page, '/#/virsh');
  await virsh(page, `vol-info --pool default ${name}`);
  await expect(page.getByTestId('virsh-terminal')).toContainText('6.00 MiB');
});
