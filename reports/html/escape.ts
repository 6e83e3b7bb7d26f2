/**
 * Escaping for HTML text, attribute values and XML. Everything that comes from a layer (names,
 * descriptions, messages, evidence strings) goes through one of these before it reaches a report.
 */

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
import { asText } from '../../harness/as-text.ts';

/** Text for element content or a double- or single-quoted attribute value. */
export function escapeHtml(value: unknown): string {
  return asText(value ?? '').replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * Text for XML 1.0 (JUnit): escapes markup and drops the characters XML 1.0 cannot hold at all
 * (control characters other than tab, newline and carriage return; lone surrogates; U+FFFE/FFFF).
 */
export function escapeXml(value: unknown): string {
  return escapeHtml(stripInvalidXmlChars(asText(value ?? '')));
}

/** Attribute values: as escapeXml, and line breaks kept as character references (attribute normalisation would turn them into spaces). */
export function escapeXmlAttr(value: unknown): string {
  return escapeXml(value).replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
}

const INVALID_XML =
  // eslint-disable-next-line no-control-regex
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

export function stripInvalidXmlChars(s: string): string {
  return s.replace(INVALID_XML, '\uFFFD');
}
