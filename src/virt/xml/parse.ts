/*
 * parse.ts — XML text -> XmlElement tree with source positions (saxes underneath).
 *
 * Mirrors libvirt's virXMLParse(): a document that is not well-formed raises
 * VIR_ERR_XML_DETAIL with libxml2's layout,
 *   "(domain_definition):LINE: MESSAGE\nSOURCE LINE\n-----^"
 * (the caret line points at the column), and the error also carries `line` and
 * `column` fields. Whitespace-only text between elements is kept (the conf layer
 * ignores it); comments and CDATA are kept as nodes; the XML declaration, DOCTYPE
 * and processing instructions are dropped.
 *
 * Invariant: exactly one root element is returned, or a VirError is thrown.
 */
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { VirError, type VirErrorDomain } from '../error.js';
import { XmlElement } from './node.js';

/** A well-formedness error, carrying where it happened (1-based). */
export class XmlSyntaxError extends VirError {
  declare line: number;
  declare column: number;
  constructor(detail: string, line: number, column: number, domain: VirErrorDomain) {
    super('VIR_ERR_XML_DETAIL', detail, domain);
    this.line = line;
    this.column = column;
  }
}

export interface XmlParseOptions {
  /** Name shown in errors, as libvirt's "(domain_definition)". */
  url?: string;
  domain?: VirErrorDomain;
}

export function parseXml(text: string, opts: XmlParseOptions = {}): XmlElement {
  const url = opts.url ?? '(xml_definition)';
  const domain = opts.domain ?? 'VIR_FROM_XML';
  const parser = new SaxesParser({ xmlns: false, position: true });
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  let startLine = 1;
  let startColumn = 1;
  let failure: { msg: string; line: number; column: number } | null = null;

  // Elements closed at the current parser position: when a close tag does not
  // match, saxes closes the open elements before reporting, and the innermost
  // of them is the one libxml2 names in its message.
  let closedHere: { el: XmlElement; at: string }[] = [];
  const here = () => `${parser.line}:${parser.column}`;

  const fail = (err: Error) => {
    if (failure) return;
    const raw = err.message.replace(/^(?:[^:\n]*:)?\d+:\d+: /, '');
    const atEnd = /^(unclosed tag|document must contain)/.test(raw);
    const open = [...stack, ...closedHere.filter((c) => c.at === here()).map((c) => c.el).reverse()];
    failure = {
      msg: libxml2Wording(raw, open, text, parser.line),
      line: parser.line,
      column: atEnd ? parser.column + 1 : parser.column,
    };
  };
  parser.on('error', fail);
  parser.on('opentagstart', (tag: { name: string }) => {
    startLine = parser.line;
    startColumn = Math.max(1, parser.column - tag.name.length - 1);
  });
  parser.on('opentag', (tag: SaxesTagPlain) => {
    const attrs = Object.entries(tag.attributes).map(([name, value]) => ({ name, value: String(value) }));
    const e = new XmlElement(tag.name, attrs, [], startLine, startColumn);
    const parent = stack[stack.length - 1];
    if (parent) parent.appendChild(e);
    else if (!root) root = e;
    stack.push(e);
  });
  parser.on('closetag', () => {
    const e = stack.pop();
    const at = here();
    closedHere = closedHere.filter((c) => c.at === at);
    if (e) closedHere.push({ el: e, at });
  });
  parser.on('text', (t: string) => {
    const parent = stack[stack.length - 1];
    if (parent) parent.appendChild({ kind: 'text', text: t });
  });
  parser.on('cdata', (t: string) => {
    const parent = stack[stack.length - 1];
    if (parent) parent.appendChild({ kind: 'text', text: t, cdata: true });
  });
  parser.on('comment', (t: string) => {
    const parent = stack[stack.length - 1];
    if (parent) parent.appendChild({ kind: 'comment', text: t });
  });

  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1); // a UTF-8 byte-order mark is not content
  try {
    parser.write(text);
    if (!failure) parser.close();
  } catch (e) {
    fail(e as Error);
  }
  // saxes reads a bare '&' as the start of an entity name up to the end of the
  // input; libxml2 stops right there. Report the earlier of the two problems.
  const amp = findBadAmpersand(text);
  if (amp) {
    const f = failure as { line: number; column: number } | null;
    if (!f || amp.line < f.line || (amp.line === f.line && amp.column <= f.column)) failure = amp;
  }
  if (failure) {
    const f: { msg: string; line: number; column: number } = failure;
    throw syntaxError(text, url, domain, f.msg, f.line, f.column);
  }
  if (!root) throw syntaxError(text, url, domain, 'Document is empty', 1, 1);
  return root;
}

/** First '&' in content or attributes that does not start an entity reference, outside comments/CDATA/PIs. */
function findBadAmpersand(text: string): { msg: string; line: number; column: number } | null {
  let i = 0;
  for (;;) {
    const amp = text.indexOf('&', i);
    if (amp < 0) return null;
    const skip = /<!--[\s\S]*?(?:-->|$)|<!\[CDATA\[[\s\S]*?(?:\]\]>|$)|<\?[\s\S]*?(?:\?>|$)/g;
    skip.lastIndex = i;
    let m: RegExpExecArray | null;
    let inside = false;
    while ((m = skip.exec(text)) && m.index < amp) {
      if (m.index + m[0].length > amp) { inside = true; i = m.index + m[0].length; break; }
      if (m[0].length === 0) skip.lastIndex++;
    }
    if (inside) continue;
    const rest = text.slice(amp + 1, amp + 64);
    if (/^(#[0-9]+|#x[0-9a-fA-F]+|[A-Za-z_:][A-Za-z0-9_.:-]*);/.test(rest)) {
      i = amp + 1;
      continue;
    }
    const before = text.slice(0, amp + 1);
    const line = before.split('\n').length;
    const column = amp + 2 - (before.lastIndexOf('\n') + 1);
    const named = /^[A-Za-z_:]/.test(rest) || rest.startsWith('#');
    return { msg: named ? "EntityRef: expecting ';'" : 'xmlParseEntityRef: no name', line, column };
  }
}

/** Rephrase saxes' messages the way libxml2 words the common cases. */
function libxml2Wording(msg: string, stack: XmlElement[], text: string, line: number): string {
  const top = stack[stack.length - 1];
  if (msg === 'unexpected close tag.' && top) {
    const src = text.split('\n')[line - 1] ?? '';
    const m = /<\/([^\s>]*)[^<]*$/.exec(src);
    return `Opening and ending tag mismatch: ${top.name} line ${top.line} and ${m ? m[1] : '?'}`;
  }
  const unclosed = /^unclosed tag: (.*)$/.exec(msg);
  if (unclosed) {
    const open = stack.find((e) => e.name === unclosed[1]) ?? top;
    return `Premature end of data in tag ${unclosed[1]} line ${open ? open.line : line}`;
  }
  if (msg === 'document must contain a root element.') return 'Document is empty';
  if (msg === 'documents may contain only one root.') return 'Extra content at the end of the document';
  const dup = /^duplicate attribute: (.*)\.$/.exec(msg);
  if (dup) return `Attribute ${dup[1]} redefined`;
  return msg.charAt(0).toUpperCase() + msg.slice(1).replace(/\.$/, '');
}

function syntaxError(text: string, url: string, domain: VirErrorDomain, msg: string, line: number, column: number) {
  const src = (text.split('\n')[line - 1] ?? '').replace(/\r$/, '');
  const caret = '-'.repeat(Math.max(0, column - 1)) + '^';
  return new XmlSyntaxError(`${url}:${line}: ${msg}\n${src}\n${caret}`, line, column, domain);
}
