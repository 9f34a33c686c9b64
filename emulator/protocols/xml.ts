/** Small XML helpers shared by the Query and REST-XML codecs. */
export const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&apos;');

/** The content of a document's root element (`<Root xmlns="…">inner</Root>` → `inner`). */
export function unwrapRoot(xml: string): string {
  const start = xml.indexOf('<', xml.startsWith('<?xml') ? xml.indexOf('?>') + 2 : 0);
  const openEnd = xml.indexOf('>', start);
  if (start < 0 || openEnd < 0 || xml[openEnd - 1] === '/') return '';
  const close = xml.lastIndexOf('</');
  return close > openEnd ? xml.slice(openEnd + 1, close) : '';
}
