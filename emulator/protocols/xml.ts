/** Small XML helpers shared by the Query and REST-XML codecs. */
export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** Characters XML 1.0 does not allow, not even as a character reference: C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF. */
const NOT_XML_CHAR = /[^\t\n\r\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Escaped text that is always well-formed XML: characters XML 1.0 forbids become U+FFFD. For what echoes a
 * caller's input (an error message naming `RoleName=\uFFFF`): botocore's expat refuses the whole document
 * (ResponseParserError: not well-formed (invalid token)) and the modeled error is lost.
 */
export const escapeXmlText = (s: string): string => escapeXml(s).replace(NOT_XML_CHAR, '\uFFFD');

/** The content of a document's root element (`<Root xmlns="…">inner</Root>` → `inner`). */
export function unwrapRoot(xml: string): string {
  const start = xml.indexOf('<', xml.startsWith('<?xml') ? xml.indexOf('?>') + 2 : 0);
  const openEnd = xml.indexOf('>', start);
  if (start < 0 || openEnd < 0 || xml[openEnd - 1] === '/') return '';
  const close = xml.lastIndexOf('</');
  return close > openEnd ? xml.slice(openEnd + 1, close) : '';
}
