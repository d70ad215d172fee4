// What an XML-RPC error repeats of the request: at most EXCERPT_BYTES of any one piece of it (a
// name, a tag, the parser's own message quoting the body), then how much was left out. A 0.9 MB
// body of unclosed tags used to come back as a 2.4 MB error (#11 item 13).

export const EXCERPT_BYTES = 200;

const encoder = new TextEncoder();

/** `text` if it is at most `max` UTF-8 bytes, else its first `max` bytes (whole characters) + "… [N more bytes]". */
export function excerpt(text: string, max = EXCERPT_BYTES): string {
  // Cheap test first: a string of n UTF-16 units is at most 3n UTF-8 bytes.
  if (text.length * 3 <= max) return text;
  const total = encoder.encode(text).length;
  if (total <= max) return text;
  let bytes = 0;
  let end = 0;
  for (const ch of text) {
    const size = encoder.encode(ch).length;
    if (bytes + size > max) break;
    bytes += size;
    end += ch.length;
  }
  return `${text.slice(0, end)}… [${total - bytes} more bytes]`;
}
