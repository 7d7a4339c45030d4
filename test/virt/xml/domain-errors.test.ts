// One negative test per domain validation rule: libvirt's error code and wording.
import { describe, expect, it } from 'vitest';
import { checkUniqueDefinition, parseDomainXML } from '../../../src/virt/conf/index.js';
import { XmlSyntaxError } from '../../../src/virt/xml/parse.js';
import { expectVirError } from './expect-error.js';

/** A valid domain with `extra` spliced into <domain> and `devices` into <devices>. */
function dom(extra = '', devices = '', head = `<name>vm1</name>`): string {
  return `<domain type='kvm'>\n${head}\n<memory unit='MiB'>64</memory>\n${extra}\n<devices>\n${devices}\n</devices>\n</domain>\n`;
}
const disk = (inner: string, attrs = `type='file' device='disk'`) => `<disk ${attrs}>${inner}</disk>`;

describe('domain validation rules', () => {
  it('the valid base document parses', () => {
    expect(parseDomainXML(dom()).name).toBe('vm1');
  });

  it('duplicate name: "already exists with uuid"', () => {
    const def = parseDomainXML(dom('<uuid>aaaaaaaa-0000-0000-0000-000000000001</uuid>'));
    const existing = [{ name: 'vm1', uuid: 'bbbbbbbb-0000-0000-0000-000000000002' }];
    expectVirError(() => checkUniqueDefinition('domain', def, existing), 'VIR_ERR_OPERATION_FAILED',
      "operation failed: domain 'vm1' already exists with uuid bbbbbbbb-0000-0000-0000-000000000002");
  });

  it('duplicate uuid under another name: "is already defined with uuid"', () => {
    const def = parseDomainXML(dom('<uuid>aaaaaaaa-0000-0000-0000-000000000001</uuid>'));
    const existing = [{ name: 'other', uuid: 'aaaaaaaa-0000-0000-0000-000000000001' }];
    expectVirError(() => checkUniqueDefinition('domain', def, existing), 'VIR_ERR_OPERATION_FAILED',
      "operation failed: domain 'other' is already defined with uuid aaaaaaaa-0000-0000-0000-000000000001");
  });

  it('same name and uuid is a redefinition, not an error', () => {
    const def = parseDomainXML(dom('<uuid>aaaaaaaa-0000-0000-0000-000000000001</uuid>'));
    expect(() => checkUniqueDefinition('domain', def, [{ name: 'vm1', uuid: def.uuid }])).not.toThrow();
  });

  it('malformed uuid', () => {
    expectVirError(() => parseDomainXML(dom('<uuid>not-a-uuid</uuid>')), 'VIR_ERR_INTERNAL_ERROR',
      'internal error: malformed uuid element');
    expectVirError(() => parseDomainXML(dom('<uuid>aaaaaaaa-0000-0000-0000-00000000000</uuid>')), 'VIR_ERR_INTERNAL_ERROR',
      'internal error: malformed uuid element');
  });

  it('vcpu current greater than the maximum', () => {
    expectVirError(() => parseDomainXML(dom(`<vcpu current='4'>2</vcpu>`)), 'VIR_ERR_CONFIG_UNSUPPORTED',
      'unsupported configuration: maxvcpus must not be less than current vcpus (4 < 2)');
  });

  it('<vcpus> entries: id out of range, missing enabled state', () => {
    expectVirError(() => parseDomainXML(dom(`<vcpu>2</vcpu><vcpus><vcpu id='2' enabled='yes'/></vcpus>`)), 'VIR_ERR_XML_ERROR',
      "XML error: vcpu id '2' is out of range of maximum vcpu count");
    expectVirError(() => parseDomainXML(dom(`<vcpu>2</vcpu><vcpus><vcpu id='1'/></vcpus>`)), 'VIR_ERR_XML_ERROR',
      'XML error: missing vcpu enabled state');
  });

  it('vcpu count that is not a number', () => {
    expectVirError(() => parseDomainXML(dom(`<vcpu>two</vcpu>`)), 'VIR_ERR_XML_ERROR',
      'XML error: maximum vcpus count must be an integer');
  });

  it('missing memory', () => {
    const xml = `<domain type='kvm'><name>nomem</name><vcpu>1</vcpu></domain>`;
    expectVirError(() => parseDomainXML(xml), 'VIR_ERR_XML_ERROR',
      'XML error: Memory size must be specified via <memory> or in the <numa> configuration');
  });

  it('maxMemory below memory', () => {
    expectVirError(() => parseDomainXML(dom(`<maxMemory slots='2' unit='MiB'>32</maxMemory>`)), 'VIR_ERR_XML_ERROR',
      'XML error: maximum memory size must be equal or greater than the actual memory size');
  });

  for (const [what, total, rw] of [
    ['bytes_sec', 'total_bytes_sec', 'read_bytes_sec'],
    ['iops_sec', 'total_iops_sec', 'write_iops_sec'],
    ['bytes_sec_max', 'total_bytes_sec_max', 'write_bytes_sec_max'],
    ['iops_sec_max', 'total_iops_sec_max', 'read_iops_sec_max'],
  ]) {
    it(`iotune total and read/write ${what} together`, () => {
      const d = disk(`<source file='/a.img'/><target dev='vda'/><iotune><${total}>10</${total}><${rw}>5</${rw}></iotune>`);
      expectVirError(() => parseDomainXML(dom('', d)), 'VIR_ERR_XML_ERROR',
        `XML error: total and read/write ${what} cannot be set at the same time`);
    });
  }

  it('iotune value that is not an integer', () => {
    const d = disk(`<source file='/a.img'/><target dev='vda'/><iotune><read_iops_sec>fast</read_iops_sec></iotune>`);
    expectVirError(() => parseDomainXML(dom('', d)), 'VIR_ERR_XML_ERROR',
      "XML error: disk iotune field 'read_iops_sec' must be an integer");
  });

  it('os boot dev together with a per-device boot order', () => {
    const d = disk(`<source file='/a.img'/><target dev='vda'/><boot order='1'/>`);
    const os = `<os><type>hvm</type><boot dev='hd'/><boot dev='cdrom'/></os>`;
    expectVirError(() => parseDomainXML(dom(os, d)), 'VIR_ERR_CONFIG_UNSUPPORTED',
      'unsupported configuration: per-device boot elements cannot be used together with os/boot elements');
  });

  it('the same boot order on two devices', () => {
    const d = disk(`<source file='/a.img'/><target dev='vda'/><boot order='1'/>`) +
      `<interface type='user'><boot order='1'/></interface>`;
    expectVirError(() => parseDomainXML(dom('', d)), 'VIR_ERR_CONFIG_UNSUPPORTED',
      "unsupported configuration: boot order '1' used for more than one device");
  });

  it('a boot order that is not a positive integer', () => {
    const d = disk(`<source file='/a.img'/><target dev='vda'/><boot order='0'/>`);
    expectVirError(() => parseDomainXML(dom('', d)), 'VIR_ERR_INTERNAL_ERROR',
      "internal error: incorrect boot order '0', expecting positive integer");
  });

  it('unknown boot device', () => {
    expectVirError(() => parseDomainXML(dom(`<os><type>hvm</type><boot dev='usbstick'/></os>`)), 'VIR_ERR_INTERNAL_ERROR',
      "internal error: unknown boot device 'usbstick'");
  });

  it("illegal '/' in a name", () => {
    expectVirError(() => parseDomainXML(dom('', '', '<name>a/b</name>')), 'VIR_ERR_XML_ERROR',
      "XML error: name a/b cannot contain '/'");
  });

  it('illegal newline in a name', () => {
    expectVirError(() => parseDomainXML(dom('', '', '<name>a\nb</name>')), 'VIR_ERR_XML_DETAIL',
      'invalid char in name: \n');
  });

  it('missing name', () => {
    expectVirError(() => parseDomainXML(dom('', '', '')), 'VIR_ERR_NO_NAME', 'missing name information');
  });

  it('title spanning lines', () => {
    expectVirError(() => parseDomainXML(dom('<title>a\nb</title>')), 'VIR_ERR_XML_ERROR',
      "XML error: Domain title can't contain newlines");
  });

  it("unknown enum value: disk device='floppyx'", () => {
    const d = disk(`<source file='/a.img'/><target dev='fda'/>`, `type='file' device='floppyx'`);
    const err = expectVirError(() => parseDomainXML(dom('', d)), 'VIR_ERR_XML_ERROR',
      "XML error: Invalid value for attribute 'device' in element 'disk': 'floppyx'.");
    expect([err.line, err.column]).toEqual([6, 1]);
  });

  it('unknown enum values elsewhere (disk bus, clock offset, vcpu placement)', () => {
    const d = disk(`<source file='/a.img'/><target dev='vda' bus='nvmex'/>`);
    expectVirError(() => parseDomainXML(dom('', d)), 'VIR_ERR_XML_ERROR',
      "XML error: Invalid value for attribute 'bus' in element 'target': 'nvmex'.");
    expectVirError(() => parseDomainXML(dom(`<clock offset='mars'/>`)), 'VIR_ERR_XML_ERROR',
      "XML error: Invalid value for attribute 'offset' in element 'clock': 'mars'.");
    expectVirError(() => parseDomainXML(dom(`<vcpu placement='anywhere'>1</vcpu>`)), 'VIR_ERR_XML_ERROR',
      "XML error: Invalid value for attribute 'placement' in element 'vcpu': 'anywhere'.");
  });

  it('unknown lifecycle action', () => {
    expectVirError(() => parseDomainXML(dom('<on_reboot>coredump-restart</on_reboot>')), 'VIR_ERR_CONFIG_UNSUPPORTED',
      'unsupported configuration: unknown on_reboot action: coredump-restart');
  });

  it('unknown disk driver format, and a known but unimplemented one', () => {
    const d = (t: string) => disk(`<driver name='qemu' type='${t}'/><source file='/a.img'/><target dev='vda'/>`);
    expectVirError(() => parseDomainXML(dom('', d('qcow3'))), 'VIR_ERR_CONFIG_UNSUPPORTED',
      "unsupported configuration: unknown driver format value 'qcow3'");
    expectVirError(() => parseDomainXML(dom('', d('vmdk'))), 'VIR_ERR_CONFIG_UNSUPPORTED',
      "unsupported configuration: disk format 'vmdk' is not supported by the wasmvirt driver");
  });

  it('disk without a target, and a disk without a source', () => {
    expectVirError(() => parseDomainXML(dom('', disk(`<source file='/a.img'/>`))), 'VIR_ERR_NO_TARGET',
      'missing target information for device /a.img');
    expectVirError(() => parseDomainXML(dom('', disk(`<target dev='vda'/>`))), 'VIR_ERR_NO_SOURCE',
      'missing source information for device vda');
  });

  it('volume source with a pool but no volume', () => {
    const d = disk(`<source pool='default'/><target dev='vda'/>`, `type='volume' device='disk'`);
    expectVirError(() => parseDomainXML(dom('', d)), 'VIR_ERR_XML_ERROR',
      "XML error: 'pool' and 'volume' must be specified together for 'pool' type source");
  });

  it('two disks with the same target', () => {
    const d = disk(`<source file='/a.img'/><target dev='vda'/>`) + disk(`<source file='/b.img'/><target dev='vda'/>`);
    expectVirError(() => parseDomainXML(dom('', d)), 'VIR_ERR_XML_ERROR',
      "XML error: target 'vda' duplicated for disk sources '/a.img' and '/b.img'");
  });

  it('bad harddisk device name', () => {
    expectVirError(() => parseDomainXML(dom('', disk(`<source file='/a.img'/><target dev='xda'/>`))),
      'VIR_ERR_INTERNAL_ERROR', 'internal error: Invalid harddisk device name: xda');
  });

  it('interface errors: bad MAC, multicast MAC, missing source network', () => {
    expectVirError(() => parseDomainXML(dom('', `<interface type='user'><mac address='52:54:00:zz:00:01'/></interface>`)),
      'VIR_ERR_XML_ERROR', "XML error: unable to parse mac address '52:54:00:zz:00:01'");
    expectVirError(() => parseDomainXML(dom('', `<interface type='user'><mac address='01:00:5e:00:00:01'/></interface>`)),
      'VIR_ERR_XML_ERROR', "XML error: expected unicast mac address, found multicast '01:00:5e:00:00:01'");
    expectVirError(() => parseDomainXML(dom('', `<interface type='network'/>`)), 'VIR_ERR_INTERNAL_ERROR',
      "internal error: No <source> 'network' attribute specified with <interface type='network'/>");
    expectVirError(() => parseDomainXML(dom('', `<interface type='bridge'><source/></interface>`)), 'VIR_ERR_INTERNAL_ERROR',
      "internal error: No <source> 'bridge' attribute specified with <interface type='bridge'/>");
  });

  it('missing required attribute', () => {
    expectVirError(() => parseDomainXML(dom('', `<memballoon/>`)), 'VIR_ERR_XML_ERROR',
      "XML error: Missing required attribute 'model' in element 'memballoon'");
  });

  it('rng without exactly one backend', () => {
    expectVirError(() => parseDomainXML(dom('', `<rng model='virtio'/>`)), 'VIR_ERR_XML_ERROR',
      'XML error: only one RNG backend is supported');
  });

  it('file character device without a path', () => {
    expectVirError(() => parseDomainXML(dom('', `<serial type='file'><target port='0'/></serial>`)), 'VIR_ERR_INTERNAL_ERROR',
      'internal error: Missing source path attribute for char device');
  });

  it('too many ISA serial ports, and a port used twice', () => {
    const five = [0, 1, 2, 3, 4].map(() => `<serial type='null'/>`).join('');
    expectVirError(() => parseDomainXML(dom('', five)), 'VIR_ERR_INTERNAL_ERROR',
      "internal error: Maximum supported number of ISA serial ports is '4'");
    const twice = `<serial type='null'><target port='1'/></serial><serial type='pty'><target port='1'/></serial>`;
    expectVirError(() => parseDomainXML(dom('', twice)), 'VIR_ERR_INTERNAL_ERROR', "internal error: target port '1' already allocated");
  });

  it('maxMemory without slots', () => {
    expectVirError(() => parseDomainXML(dom(`<maxMemory unit='GiB'>1</maxMemory>`)), 'VIR_ERR_CONFIG_UNSUPPORTED',
      'unsupported configuration: both maximum memory size and memory slot count must be specified');
  });

  it('CPU topology that does not match the vcpu count', () => {
    const xml = dom(`<vcpu>4</vcpu><cpu><topology sockets='1' cores='2' threads='1'/></cpu>`);
    expectVirError(() => parseDomainXML(xml), 'VIR_ERR_XML_DETAIL', "CPU topology doesn't match maximum vcpu count");
  });

  it('wrong root element', () => {
    expectVirError(() => parseDomainXML(`<network><name>x</name></network>`), 'VIR_ERR_XML_ERROR',
      "XML error: expecting root element of 'domain', not 'network'");
  });
});

describe('unsupported elements are refused, naming the element and its line', () => {
  const cases: Array<[string, string, string, number]> = [
    ['hostdev', '', `<hostdev mode='subsystem' type='pci'/>`, 6],
    ['numatune', `<numatune><memory mode='strict' nodeset='0'/></numatune>`, '', 4],
    ['iothreads', `<iothreads>2</iothreads>`, '', 4],
    ['sysinfo', `<sysinfo type='smbios'/>`, '', 4],
    ['watchdog', '', `<watchdog model='i6300esb'/>`, 6],
    ['sound', '', `<sound model='ich9'/>`, 6],
    ['tpm', '', `<tpm model='tpm-crb'/>`, 6],
    ['filesystem', '', `<filesystem type='mount'/>`, 6],
    ['parallel', '', `<parallel type='pty'/>`, 6],
  ];
  for (const [name, extra, devices, line] of cases) {
    it(`<${name}>`, () => {
      const err = expectVirError(() => parseDomainXML(dom(extra, devices)), 'VIR_ERR_CONFIG_UNSUPPORTED',
        `unsupported configuration: element <${name}> at line ${line} is not supported by the wasmvirt driver`);
      expect(err.domain).toBe('VIR_FROM_DOMAIN');
      expect(err.line).toBe(line);
    });
  }

  it('<qemu:commandline> (raw QEMU arguments)', () => {
    const extra = `<qemu:commandline xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'><qemu:arg value='-s'/></qemu:commandline>`;
    expectVirError(() => parseDomainXML(dom(extra)), 'VIR_ERR_CONFIG_UNSUPPORTED',
      'unsupported configuration: element <qemu:commandline> at line 4 is not supported by the wasmvirt driver');
  });

  it('<cpu><numa>', () => {
    expectVirError(() => parseDomainXML(dom(`<cpu>\n<numa><cell id='0' cpus='0' memory='64' unit='MiB'/></numa></cpu>`)),
      'VIR_ERR_CONFIG_UNSUPPORTED', 'unsupported configuration: element <numa> at line 5 is not supported by the wasmvirt driver');
  });

  it('other domain types, architectures and machines', () => {
    expectVirError(() => parseDomainXML(`<domain type='xen'><name>x</name><memory>1024</memory></domain>`),
      'VIR_ERR_CONFIG_UNSUPPORTED', "unsupported configuration: domain type 'xen' is not supported by the wasmvirt driver");
    expectVirError(() => parseDomainXML(dom(`<os><type arch='aarch64'>hvm</type></os>`)), 'VIR_ERR_CONFIG_UNSUPPORTED',
      "unsupported configuration: No guest options available for arch 'aarch64'");
    expectVirError(() => parseDomainXML(dom(`<os><type>plan9</type></os>`)), 'VIR_ERR_CONFIG_UNSUPPORTED',
      "unsupported configuration: unknown OS type 'plan9'");
  });
});

describe('malformed XML', () => {
  it('names the line and column, libxml2 style', () => {
    const xml = `<domain type='kvm'>\n  <name>x</name>\n  <devices>\n</domain>\n`;
    const err = expectVirError(() => parseDomainXML(xml), 'VIR_ERR_XML_DETAIL',
      '(domain_definition):4: Opening and ending tag mismatch: devices line 3 and domain\n</domain>\n--------^');
    expect(err).toBeInstanceOf(XmlSyntaxError);
    expect((err as XmlSyntaxError).line).toBe(4);
    expect((err as XmlSyntaxError).column).toBe(9);
  });

  it('reports an unclosed document and an empty one', () => {
    const e1 = expectVirError(() => parseDomainXML(`<domain>\n<name>x</name>`), 'VIR_ERR_XML_DETAIL',
      '(domain_definition):2: Premature end of data in tag domain line 1\n<name>x</name>\n--------------^');
    expect((e1 as XmlSyntaxError).line).toBe(2);
    expectVirError(() => parseDomainXML(''), 'VIR_ERR_XML_DETAIL', '(domain_definition):1: Document is empty\n\n^');
  });

  it("reports a bare '&' where libxml2 does, not at the end of the document", () => {
    const err = expectVirError(() => parseDomainXML(`<domain>\n  <name>a & b</name>\n</domain>`), 'VIR_ERR_XML_DETAIL',
      `(domain_definition):2: xmlParseEntityRef: no name\n  <name>a & b</name>\n${'-'.repeat(11)}^`);
    expect((err as XmlSyntaxError).line).toBe(2);
    expectVirError(() => parseDomainXML(`<domain><!-- a & b --><name>x &amp y</name></domain>`), 'VIR_ERR_XML_DETAIL',
      `(domain_definition):1: EntityRef: expecting ';'\n<domain><!-- a & b --><name>x &amp y</name></domain>\n${'-'.repeat(31)}^`);
  });

  it('reports a bad attribute', () => {
    const err = expectVirError(() => parseDomainXML(`<domain type=kvm></domain>`), 'VIR_ERR_XML_DETAIL',
      '(domain_definition):1: Unquoted attribute value\n<domain type=kvm></domain>\n-------------^');
    expect((err as XmlSyntaxError).column).toBe(14);
  });
});
