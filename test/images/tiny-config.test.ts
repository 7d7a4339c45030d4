// The committed tiny kernel config (images/tiny/kernel.config) honours every line of
// its fragment (images/tiny/fragment.config), so nobody edits one without the other.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { unmetFragmentLines } from '../../scripts/images/tiny-config.js';
import { CONFIG_FRAGMENT, KERNEL_CONFIG, checkFixedPoint, configBody } from '../../scripts/images/tiny-kernel.js';

describe('tiny kernel config', () => {
  it('holds every option of the fragment', () => {
    expect(unmetFragmentLines(readFileSync(CONFIG_FRAGMENT, 'utf8'), readFileSync(KERNEL_CONFIG, 'utf8'))).toEqual([]);
  });

  it('reports a fragment line the config does not honour', () => {
    const config = '#\n# header\n#\nCONFIG_64BIT=y\n# CONFIG_SMP is not set\nCONFIG_IPV6=y\n';
    expect(configBody(config)).toEqual(['CONFIG_64BIT=y', '# CONFIG_SMP is not set', 'CONFIG_IPV6=y']);
    expect(unmetFragmentLines('CONFIG_64BIT=y\n# CONFIG_SMP is not set\n', config)).toEqual([]);
    expect(unmetFragmentLines('CONFIG_SMP=y\n# CONFIG_IPV6 is not set\nCONFIG_PCI=y\n', config)).toEqual([
      'CONFIG_SMP=y  (got not set)',
      '# CONFIG_IPV6 is not set  (got CONFIG_IPV6=y)',
      'CONFIG_PCI=y  (got not set)',
    ]);
  });

  it('refuses a committed config that olddefconfig would change', () => {
    const committed = '# Compiler: gcc 12\nCONFIG_64BIT=y\n# CONFIG_SMP is not set\n';
    expect(() => checkFixedPoint(committed, '# Compiler: gcc 13\nCONFIG_64BIT=y\n# CONFIG_SMP is not set\n')).not.toThrow();
    expect(() => checkFixedPoint(committed, 'CONFIG_64BIT=y\nCONFIG_SMP=y\n')).toThrow(
      /not what `make olddefconfig` keeps[\s\S]*- # CONFIG_SMP is not set[\s\S]*\+ CONFIG_SMP=y[\s\S]*npm run images:tiny-config/,
    );
  });

  it('has the options the guests rely on', () => {
    const body = new Set(configBody(readFileSync(KERNEL_CONFIG, 'utf8')));
    for (const opt of ['64BIT', 'SERIAL_8250_CONSOLE', 'BLK_DEV_INITRD', 'RD_GZIP', 'DEVTMPFS', 'PCI_MSI', 'ACPI', 'PVH', 'VIRTIO_PCI', 'VIRTIO_NET', 'EXT4_FS', 'FUTEX']) {
      expect(body.has(`CONFIG_${opt}=y`), opt).toBe(true);
    }
  });
});
