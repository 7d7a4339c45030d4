// The generic XML layer: positions, namespaces, escaping, libvirt layout, and
// the VirError message format.
import { describe, expect, it } from 'vitest';
import { VirError, formatVirErrorMessage, virErrorNumber } from '../../../src/virt/error.js';
import { el, formatXml, parseXml } from '../../../src/virt/xml/index.js';

describe('parseXml', () => {
  const doc = parseXml(`<?xml version="1.0"?>\n<a x="1">\n  <b:c xmlns:b="urn:b" y='2'>t&amp;u</b:c>\n    <d/>\n</a>`);

  it('records line and column of each element', () => {
    expect([doc.line, doc.column]).toEqual([2, 1]);
    const c = doc.elements()[0];
    expect([c.name, c.line, c.column]).toEqual(['b:c', 3, 3]);
    expect([doc.child('d')!.line, doc.child('d')!.column]).toEqual([4, 5]);
  });

  it('accepts a byte-order mark, CRLF line ends, comments and CDATA', () => {
    const d = parseXml('\ufeff<a>\r\n<!-- note -->\r\n<b><![CDATA[x < y]]></b>\r\n</a>');
    expect(d.child('b')!.textContent).toBe('x < y');
    expect(d.child('b')!.line).toBe(3);
    expect(formatXml(d)).toBe('<a>\n  <!-- note -->\n  <b><![CDATA[x < y]]></b>\n</a>\n');
  });

  it('keeps attributes in order, decodes entities, resolves namespaces', () => {
    const c = doc.child('b:c')!;
    expect(c.attrs).toEqual([{ name: 'xmlns:b', value: 'urn:b' }, { name: 'y', value: '2' }]);
    expect(c.textContent).toBe('t&u');
    expect(c.namespaceURI()).toBe('urn:b');
    expect(c.localName).toBe('c');
    expect(doc.namespaceURI()).toBeUndefined();
  });
});

describe('formatXml (libvirt layout)', () => {
  it('indents by two, quotes attributes with single quotes, self-closes empty elements', () => {
    const x = el('domain', { type: 'kvm' }, [el('name', {}, ['vm']), el('features', {}, [el('acpi')])]);
    expect(formatXml(x)).toBe(`<domain type='kvm'>\n  <name>vm</name>\n  <features>\n    <acpi/>\n  </features>\n</domain>\n`);
  });

  it('escapes as virBufferEscapeString', () => {
    const x = el('a', { v: `<'"&>` }, [`x<y & 'z' "w"`]);
    expect(formatXml(x)).toBe(`<a v='&lt;&apos;&quot;&amp;&gt;'>x&lt;y &amp; &apos;z&apos; &quot;w&quot;</a>\n`);
    expect(parseXml(formatXml(x)).attr('v')).toBe(`<'"&>`);
  });

  it('re-indents parsed documents and keeps text-only content exactly', () => {
    const x = parseXml(`<a>\n\n      <b>  keep  me </b><c/></a>`);
    expect(formatXml(x)).toBe(`<a>\n  <b>  keep  me </b>\n  <c/>\n</a>\n`);
  });
});

describe('VirError', () => {
  it('formats messages as virErrorMsg does', () => {
    expect(new VirError('VIR_ERR_XML_ERROR', 'bad').message).toBe('XML error: bad');
    expect(new VirError('VIR_ERR_NO_DOMAIN', "no domain with matching name 'x'").message)
      .toBe("Domain not found: no domain with matching name 'x'");
    expect(new VirError('VIR_ERR_OPERATION_INVALID', 'domain is not running').message)
      .toBe('Requested operation is not valid: domain is not running');
    expect(new VirError('VIR_ERR_NO_NAME').message).toBe('missing name information');
    expect(formatVirErrorMessage('VIR_ERR_XML_DETAIL', 'raw text')).toBe('raw text');
  });

  it('keeps libvirt numeric codes and the error domain', () => {
    expect(virErrorNumber('VIR_ERR_INTERNAL_ERROR')).toBe(1);
    expect(virErrorNumber('VIR_ERR_XML_ERROR')).toBe(27);
    expect(virErrorNumber('VIR_ERR_NO_DOMAIN')).toBe(42);
    expect(virErrorNumber('VIR_ERR_OPERATION_INVALID')).toBe(55);
    expect(virErrorNumber('VIR_ERR_CONFIG_UNSUPPORTED')).toBe(67);
    const e = new VirError('VIR_ERR_INVALID_ARG', 'x', 'VIR_FROM_DOMAIN');
    expect([e.number, e.domain, e.detail, e instanceof Error]).toEqual([8, 'VIR_FROM_DOMAIN', 'x', true]);
  });
});
