// libvirt's scaled integers: every unit spelling, rounding to KiB, overflow and
// unknown suffixes (virScaleInteger / virDomainParseMemory).
import { describe, expect, it } from 'vitest';
import { VirError } from '../../../src/virt/error.js';
import { bytesToKiB, scaleInteger, unitScale } from '../../../src/virt/conf/units.js';
import { formatDomainXML, parseDomainXML } from '../../../src/virt/conf/index.js';

const KiB = 1024n;
const cases: Array<[string, bigint]> = [
  ['b', 1n], ['byte', 1n], ['bytes', 1n], ['B', 1n],
  ['k', KiB], ['K', KiB], ['KiB', KiB], ['kib', KiB], ['KB', 1000n], ['kb', 1000n],
  ['M', KiB ** 2n], ['MiB', KiB ** 2n], ['MB', 1000n ** 2n],
  ['G', KiB ** 3n], ['GiB', KiB ** 3n], ['GB', 1000n ** 3n],
  ['T', KiB ** 4n], ['TiB', KiB ** 4n], ['TB', 1000n ** 4n],
  ['P', KiB ** 5n], ['PiB', KiB ** 5n], ['PB', 1000n ** 5n],
  ['E', KiB ** 6n], ['EiB', KiB ** 6n], ['EB', 1000n ** 6n],
];

describe('unit scaling', () => {
  for (const [suffix, scale] of cases) {
    it(`'${suffix}' scales by ${scale}`, () => expect(unitScale(suffix, 1024n)).toBe(scale));
  }

  it('uses the default scale when no unit is given', () => {
    expect(unitScale(undefined, 1024n)).toBe(1024n);
    expect(unitScale('', 1n)).toBe(1n);
  });

  it('refuses unknown suffixes with libvirt wording', () => {
    for (const bad of ['x', 'KiBs', 'Mi', 'kilobytes', 'ZiB']) {
      const e = (() => { try { unitScale(bad, 1n); } catch (err) { return err; } })() as VirError;
      expect(e).toBeInstanceOf(VirError);
      expect(e.code).toBe('VIR_ERR_INVALID_ARG');
      expect(e.message).toBe(`invalid argument: unknown suffix '${bad}'`);
    }
  });

  it('refuses values that overflow the limit', () => {
    expect(() => scaleInteger(20000000n, 'T', 1n, (1n << 63n) - 1n)).toThrow('numerical overflow: value too large: 20000000T');
    expect(scaleInteger(8n, 'EiB', 1n, (1n << 64n) - 1n)).toBe(8n * 1024n ** 6n);
  });

  it('rounds bytes up to whole KiB', () => {
    expect(bytesToKiB(0n)).toBe(0);
    expect(bytesToKiB(1n)).toBe(1);
    expect(bytesToKiB(1024n)).toBe(1);
    expect(bytesToKiB(1025n)).toBe(2);
  });
});

describe('domain memory units', () => {
  const dom = (mem: string, cur = '') =>
    parseDomainXML(`<domain type='kvm'><name>u</name>${mem}${cur}</domain>`);

  it('converts every unit to KiB', () => {
    expect(dom(`<memory unit='b'>1048576</memory>`).memory).toBe(1024);
    expect(dom(`<memory unit='bytes'>1000</memory>`).memory).toBe(1);
    expect(dom(`<memory unit='KB'>1024</memory>`).memory).toBe(1000);
    expect(dom(`<memory unit='k'>77</memory>`).memory).toBe(77);
    expect(dom(`<memory unit='KiB'>77</memory>`).memory).toBe(77);
    expect(dom(`<memory unit='MB'>1</memory>`).memory).toBe(977);
    expect(dom(`<memory unit='M'>1</memory>`).memory).toBe(1024);
    expect(dom(`<memory unit='MiB'>3</memory>`).memory).toBe(3072);
    expect(dom(`<memory unit='GB'>1</memory>`).memory).toBe(976563);
    expect(dom(`<memory unit='G'>1</memory>`).memory).toBe(1048576);
    expect(dom(`<memory unit='GiB'>2</memory>`).memory).toBe(2097152);
    expect(dom(`<memory unit='TB'>1</memory>`).memory).toBe(976562500);
    expect(dom(`<memory unit='T'>1</memory>`).memory).toBe(1073741824);
    expect(dom(`<memory unit='TiB'>1</memory>`).memory).toBe(1073741824);
    expect(dom(`<memory>5</memory>`).memory).toBe(5);
  });

  it('clamps currentMemory to memory, and fills it in when absent', () => {
    expect(dom(`<memory unit='MiB'>512</memory>`, `<currentMemory unit='GiB'>1</currentMemory>`).currentMemory).toBe(524288);
    expect(dom(`<memory unit='MiB'>512</memory>`).currentMemory).toBe(524288);
    expect(dom(`<memory unit='MiB'>512</memory>`, `<currentMemory unit='MiB'>256</currentMemory>`).currentMemory).toBe(262144);
    expect(dom(`<memory unit='MiB'>512</memory>`, `<currentMemory>0</currentMemory>`).currentMemory).toBe(524288);
  });

  it('formats sizes in KiB', () => {
    const xml = formatDomainXML(dom(`<memory unit='GiB'>1</memory>`), { inactive: true });
    expect(xml).toContain(`<memory unit='KiB'>1048576</memory>`);
    expect(xml).toContain(`<currentMemory unit='KiB'>1048576</currentMemory>`);
  });

  it('refuses an unknown memory unit', () => {
    expect(() => dom(`<memory unit='GiBs'>1</memory>`)).toThrow("invalid argument: unknown suffix 'GiBs'");
  });

  it('refuses memory that is not a number', () => {
    expect(() => dom(`<memory>lots</memory>`)).toThrow("XML error: Invalid value 'lots' for element or attribute './memory[1]'");
  });
});
