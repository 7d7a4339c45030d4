/*
 * format.ts — XmlElement tree -> text, in libvirt's output layout.
 *
 * libvirt formats with virBuffer: two spaces of indentation per level, each
 * element on its own line, attributes in single quotes (type='kvm'; foreign
 * subtrees copied through libxml2, e.g. metadata, use double quotes), empty
 * elements self-closed as "<acpi/>", text-only elements on one line
 * ("<name>vm1</name>"), and the text escaped by virBufferEscapeString():
 * & < > " ' become &amp; &lt; &gt; &quot; &apos;. The document ends with a
 * newline. Whitespace-only text between child elements is dropped and the
 * children re-indented; text in mixed content is kept, trimmed of the
 * indentation around it.
 *
 * Invariant: parseXml(formatXml(e)) gives back the same elements, attributes
 * and non-whitespace text.
 */
import type { XmlElement, XmlNode } from './node.js';

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) =>
    c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;');
}

/** libxml2's attribute escaping (xmlNodeDump): & < > " are escaped, ' is not. */
export function escapeXmlDoubleQuoted(s: string): string {
  return s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));
}

function openTag(e: XmlElement, dq: boolean): string {
  let s = `<${e.name}`;
  for (const a of e.attrs) s += dq ? ` ${a.name}="${escapeXmlDoubleQuoted(a.value)}"` : ` ${a.name}='${escapeXml(a.value)}'`;
  return s;
}

function nodeText(n: XmlNode, dq = false): string {
  if (n.kind === 'text') {
    if (n.cdata) return `<![CDATA[${n.text}]]>`;
    return dq ? n.text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;')) : escapeXml(n.text);
  }
  if (n.kind === 'comment') return `<!--${n.text}-->`;
  return '';
}

/** Format one element (and its subtree) at the given indentation depth; ends with '\n'. */
export function formatElement(e: XmlElement, depth = 0, out: string[] = [], inDump = false): string[] {
  const pad = '  '.repeat(depth);
  const dq = inDump || !!e.libxml2Dump;
  const significant = e.children.filter((c) => !(c.kind === 'text' && !c.cdata && c.text.trim() === ''));
  if (significant.length === 0) {
    out.push(`${pad}${openTag(e, dq)}/>\n`);
    return out;
  }
  if (significant.every((c) => c.kind === 'text')) {
    // Text-only content is written exactly (whitespace matters in e.g. <description>).
    out.push(`${pad}${openTag(e, dq)}>${e.children.map((c) => nodeText(c, dq)).join('')}</${e.name}>\n`);
    return out;
  }
  out.push(`${pad}${openTag(e, dq)}>\n`);
  for (const c of significant) {
    if (c.kind === 'element') formatElement(c, depth + 1, out, dq);
    else out.push(`${pad}  ${c.kind === 'text' && !c.cdata ? nodeText({ kind: 'text', text: c.text.trim() }, dq) : nodeText(c, dq)}\n`);
  }
  out.push(`${pad}</${e.name}>\n`);
  return out;
}

/** Format a whole document (no XML declaration, as `virsh dumpxml` prints). */
export function formatXml(root: XmlElement): string {
  return formatElement(root).join('');
}
