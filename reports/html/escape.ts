/**
 * Escaping for HTML text, attribute values and XML. Everything that comes from a layer (names,
 * descriptions, messages, evidence strings) goes through one of these before it reaches a report.
 * Control characters are shown as the console shows them (`\x1b`, `\x00`, `\x9b`: one helper,
 * harness/control-chars.ts), so a report shows what the layer said and holds none of them raw.
 */
import { asText } from '../../harness/as-text.ts';
import { escapeControl } from '../../harness/control-chars.ts';

/** A value as text: null and undefined as nothing, objects as JSON. */
const text = (value: unknown): string => asText(value ?? '');

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text for element content or a double- or single-quoted attribute value; control characters shown escaped. */
export function escapeHtml(value: unknown): string {
  return escapeControl(text(value)).replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
}

/**
 * Text for XML 1.0 (JUnit): escapes markup, shows control characters escaped (XML 1.0 cannot
 * hold most C0 characters even as references) and replaces what else it cannot hold (lone
 * surrogates, U+FFFE/FFFF) with U+FFFD.
 */
export function escapeXml(value: unknown): string {
  return escapeHtml(stripInvalidXmlChars(escapeControl(text(value))));
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
