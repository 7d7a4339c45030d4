// Negative tests for storage pool, volume and network XML: libvirt's codes and wording.
import { describe, expect, it } from 'vitest';
import {
  checkUniqueDefinition, formatNetworkXML, parseNetworkXML, parseStoragePoolXML, parseStorageVolXML,
} from '../../../src/virt/conf/index.js';
import { expectVirError } from './expect-error.js';

const pool = (inner: string, type = `type='dir'`) => `<pool ${type}>${inner}</pool>`;
const vol = (inner: string) => `<volume>${inner}</volume>`;
const net = (inner: string) => `<network>${inner}</network>`;

describe('storage pool XML errors', () => {
  it('missing type', () => {
    expectVirError(() => parseStoragePoolXML(pool('<name>p</name>', '')), 'VIR_ERR_XML_ERROR',
      "XML error: Missing required attribute 'type' in element 'pool'");
  });
  it('unknown type, and a libvirt type wasmvirt lacks', () => {
    expectVirError(() => parseStoragePoolXML(pool('<name>p</name>', `type='dirx'`)), 'VIR_ERR_XML_ERROR',
      "XML error: Invalid value for attribute 'type' in element 'pool': 'dirx'.");
    expectVirError(() => parseStoragePoolXML(pool('<name>p</name>', `type='logical'`)), 'VIR_ERR_CONFIG_UNSUPPORTED',
      "unsupported configuration: storage pool type 'logical' is not supported by the wasmvirt driver");
  });
  it('missing name, name with a slash', () => {
    expectVirError(() => parseStoragePoolXML(pool('<target><path>/p</path></target>')), 'VIR_ERR_XML_ERROR',
      'XML error: missing pool source name element');
    expectVirError(() => parseStoragePoolXML(pool('<name>a/b</name><target><path>/p</path></target>')), 'VIR_ERR_XML_ERROR',
      "XML error: name a/b cannot contain '/'");
  });
  it('malformed uuid', () => {
    expectVirError(() => parseStoragePoolXML(pool('<name>p</name><uuid>zz</uuid><target><path>/p</path></target>')),
      'VIR_ERR_XML_ERROR', 'XML error: malformed uuid element');
  });
  it('missing target path', () => {
    expectVirError(() => parseStoragePoolXML(pool('<name>p</name>')), 'VIR_ERR_XML_ERROR',
      'XML error: missing storage pool target path');
  });
  it('malformed permissions', () => {
    expectVirError(() => parseStoragePoolXML(pool('<name>p</name><target><path>/p</path><permissions><mode>0999</mode></permissions></target>')),
      'VIR_ERR_XML_ERROR', 'XML error: malformed octal mode');
  });
  it('duplicate pool name', () => {
    const def = parseStoragePoolXML(pool('<name>p</name><target><path>/p</path></target>'));
    expectVirError(() => checkUniqueDefinition('pool', def, [{ name: 'p', uuid: '00000000-0000-0000-0000-000000000009' }]),
      'VIR_ERR_OPERATION_FAILED', "operation failed: pool 'p' already exists with uuid 00000000-0000-0000-0000-000000000009");
  });
  it('generates a uuid when absent and sanitises the path', () => {
    const def = parseStoragePoolXML(pool('<name>p</name><target><path>/a//b/</path></target>'));
    expect(def.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(def.target.path).toBe('/a/b');
  });
});

describe('storage volume XML errors', () => {
  it('missing name', () => {
    expectVirError(() => parseStorageVolXML(vol('<capacity>1</capacity>')), 'VIR_ERR_XML_ERROR',
      'XML error: missing volume name element');
  });
  it('missing capacity', () => {
    expectVirError(() => parseStorageVolXML(vol('<name>v</name>')), 'VIR_ERR_XML_ERROR', 'XML error: missing capacity element');
  });
  it('malformed capacity, unknown unit', () => {
    expectVirError(() => parseStorageVolXML(vol('<name>v</name><capacity>big</capacity>')), 'VIR_ERR_XML_ERROR',
      'XML error: malformed capacity element');
    expectVirError(() => parseStorageVolXML(vol(`<name>v</name><capacity unit='Q'>1</capacity>`)), 'VIR_ERR_INVALID_ARG',
      "invalid argument: unknown suffix 'Q'");
  });
  it('unknown and unsupported formats', () => {
    expectVirError(() => parseStorageVolXML(vol(`<name>v</name><capacity>1</capacity><target><format type='qcow9'/></target>`)),
      'VIR_ERR_CONFIG_UNSUPPORTED', 'unsupported configuration: unknown volume format type qcow9');
    expectVirError(() => parseStorageVolXML(vol(`<name>v</name><capacity>1</capacity><allocation>x</allocation>`)),
      'VIR_ERR_XML_ERROR', 'XML error: malformed capacity element');
    expectVirError(() => parseStorageVolXML(vol(`<name>v</name><capacity>1</capacity><target><format type='vmdk'/></target>`)),
      'VIR_ERR_CONFIG_UNSUPPORTED', "unsupported configuration: volume format 'vmdk' is not supported by the wasmvirt driver");
  });
  it('unknown qcow2 feature', () => {
    const x = vol(`<name>v</name><capacity>1</capacity><target><format type='qcow2'/><features><zstd/></features></target>`);
    expectVirError(() => parseStorageVolXML(x), 'VIR_ERR_CONFIG_UNSUPPORTED', 'unsupported configuration: unsupported feature zstd');
  });
  it('lazy_refcounts with compat 0.10', () => {
    const x = vol(`<name>v</name><capacity>1</capacity><target><format type='qcow2'/><compat>0.10</compat><features><lazy_refcounts/></features></target>`);
    expectVirError(() => parseStorageVolXML(x), 'VIR_ERR_CONFIG_UNSUPPORTED',
      'unsupported configuration: lazy_refcounts not supported with compat level 0.10');
  });
  it('a backing store makes capacity optional and needs a path; the format defaults to raw', () => {
    const def = parseStorageVolXML(vol('<name>v</name><backingStore><path>/base.img</path></backingStore>'));
    expect(def.target.format).toBe('raw');
    expect(def.backingStore).toEqual({ path: '/base.img', format: undefined });
    expectVirError(() => parseStorageVolXML(vol('<name>v</name><backingStore/>')), 'VIR_ERR_XML_ERROR',
      'XML error: missing backing store path');
  });
});

describe('network XML errors', () => {
  const ip = (inner: string, attrs = `address='192.168.100.1' netmask='255.255.255.0'`) => `<ip ${attrs}>${inner}</ip>`;
  it('missing name, name with a slash', () => {
    expectVirError(() => parseNetworkXML(net('')), 'VIR_ERR_NO_NAME', 'missing name information');
    expectVirError(() => parseNetworkXML(net('<name>a/b</name>')), 'VIR_ERR_XML_DETAIL', 'invalid char in name: /');
  });
  it('malformed uuid', () => {
    expectVirError(() => parseNetworkXML(net('<name>n</name><uuid>1234</uuid>')), 'VIR_ERR_INTERNAL_ERROR',
      'internal error: malformed uuid element');
  });
  it('unknown forward mode', () => {
    expectVirError(() => parseNetworkXML(net(`<name>n</name><forward mode='none'/>`)), 'VIR_ERR_CONFIG_UNSUPPORTED',
      "unsupported configuration: unknown forwarding type 'none'");
  });
  it('ip with both prefix and netmask, bad address, missing address', () => {
    expectVirError(() => parseNetworkXML(net(`<name>n</name>${ip('', `address='10.0.0.1' prefix='24' netmask='255.0.0.0'`)}`)),
      'VIR_ERR_CONFIG_UNSUPPORTED', "unsupported configuration: Network 'n' IP address cannot have both a prefix and a netmask");
    expectVirError(() => parseNetworkXML(net(`<name>n</name>${ip('', `address='10.0.0.300'`)}`)),
      'VIR_ERR_XML_ERROR', "XML error: Invalid address '10.0.0.300' in network 'n'");
    expectVirError(() => parseNetworkXML(net(`<name>n</name>${ip('', `address='10.0.0.1' prefix='33'`)}`)),
      'VIR_ERR_CONFIG_UNSUPPORTED', "unsupported configuration: Invalid IPv4 prefix '33' in network 'n'");
    expectVirError(() => parseNetworkXML(net(`<name>n</name>${ip('', `prefix='24'`)}`)),
      'VIR_ERR_XML_ERROR', "XML error: Missing required address attribute in network 'n'");
  });
  it('dhcp range outside the subnet, and reversed', () => {
    expectVirError(() => parseNetworkXML(net(`<name>n</name>${ip(`<dhcp><range start='192.168.100.2' end='192.168.101.9'/></dhcp>`)}`)),
      'VIR_ERR_INTERNAL_ERROR',
      'internal error: range 192.168.100.2 - 192.168.101.9 is not entirely within network 192.168.100.1/24');
    expectVirError(() => parseNetworkXML(net(`<name>n</name>${ip(`<dhcp><range start='192.168.100.9' end='192.168.100.2'/></dhcp>`)}`)),
      'VIR_ERR_INTERNAL_ERROR', 'internal error: range 192.168.100.9 - 192.168.100.2 is reversed ');
    expectVirError(() => parseNetworkXML(net(`<name>n</name>${ip(`<dhcp><range start='192.168.100.0' end='192.168.100.9'/></dhcp>`)}`)),
      'VIR_ERR_INTERNAL_ERROR',
      'internal error: start of range 192.168.100.0 - 192.168.100.9 in network 192.168.100.1/24 is the network address');
  });
  it('dhcp host without mac or name, and with a bad ip', () => {
    expectVirError(() => parseNetworkXML(net(`<name>n</name>${ip(`<dhcp><host ip='192.168.100.5'/></dhcp>`)}`)),
      'VIR_ERR_XML_ERROR', "XML error: Static host definition in IPv4 network 'n' must have mac or name attribute");
    expectVirError(() => parseNetworkXML(net(`<name>n</name>${ip(`<dhcp><host name='h' ip='x'/></dhcp>`)}`)),
      'VIR_ERR_XML_ERROR', "XML error: Invalid IP address in static host definition for network 'n'");
  });
  it('natural prefix when neither netmask nor prefix is given (not written back)', () => {
    const def = parseNetworkXML(net(`<name>n</name><ip address='172.16.0.1'/><ip address='10.1.2.3'/>`));
    expect(def.ips.map((i) => i.prefix)).toEqual([16, 8]);
    expect(formatNetworkXML(def)).toContain(`<ip address='172.16.0.1'/>`);
  });
  it('dns host without hostname', () => {
    expectVirError(() => parseNetworkXML(net(`<name>n</name><dns><host ip='10.0.0.2'/></dns>`)),
      'VIR_ERR_XML_DETAIL', "Missing hostname in network 'n' DNS HOST record");
    expectVirError(() => parseNetworkXML(net(`<name>n</name><dns><host><hostname>h</hostname></host></dns>`)),
      'VIR_ERR_XML_DETAIL', "Missing IP address in network 'n' DNS HOST record");
  });
  it('bad bridge MAC', () => {
    expectVirError(() => parseNetworkXML(net(`<name>n</name><mac address='01:00:00:00:00:01'/>`)),
      'VIR_ERR_XML_ERROR', "XML error: Invalid multicast bridge mac address '01:00:00:00:00:01' in network 'n'");
  });
  it('fills bridge name, MAC and STP defaults as the network driver does', () => {
    const def = parseNetworkXML(net('<name>n</name>'), { usedBridges: ['virbr0', 'virbr1'] });
    expect(def.bridge).toEqual({ name: 'virbr2', stp: 'on', delay: 0 });
    expect(def.mac).toMatch(/^52:54:00(:[0-9a-f]{2}){3}$/);
    expect(def.forward).toBeUndefined();
  });
  it('shows the live connection count unless formatting --inactive', () => {
    const def = { ...parseNetworkXML(net('<name>n</name><bridge name="virbr9"/>')), connections: 2 };
    expect(formatNetworkXML(def).startsWith(`<network connections='2'>\n  <name>n</name>`)).toBe(true);
    expect(formatNetworkXML(def, { inactive: true }).startsWith('<network>\n')).toBe(true);
  });
  it('duplicate network uuid', () => {
    const def = parseNetworkXML(net('<name>n</name><uuid>00000000-0000-0000-0000-000000000007</uuid>'));
    expectVirError(() => checkUniqueDefinition('network', def, [{ name: 'm', uuid: def.uuid }]), 'VIR_ERR_OPERATION_FAILED',
      "operation failed: network 'm' is already defined with uuid 00000000-0000-0000-0000-000000000007");
  });
});
