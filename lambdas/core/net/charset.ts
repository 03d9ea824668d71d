/**
 * Choosing a body's character decoder the way browsers do (byte-order mark, Content-Type,
 * `<meta>`, else UTF-8), shared by the fetcher and by cleanup, which decodes the raw bytes
 * stored in the lake again.
 */

// What bytes 0x80-0x9F mean in windows-1252 (WHATWG index); the five unassigned bytes map to
// the C1 control of the same number, as the WHATWG decoder maps them.
const WINDOWS_1252_HIGH = '\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f' +
  '\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178';

// Node 20's TextDecoder decodes windows-1252 (the label latin1 and iso-8859-1 also map to) as
// ISO-8859-1: 0x80-0x9F come out as C1 control characters instead of curly quotes, dashes and
// the euro sign (nodejs/node#56542). Checked once, so a fixed runtime uses its own decoder.
const WINDOWS_1252_BROKEN = new TextDecoder('windows-1252').decode(Uint8Array.of(0x80, 0x93)) !== '\u20ac\u201c';

/** A windows-1252 TextDecoder that maps 0x80-0x9F per the WHATWG index on runtimes that do not. */
class Windows1252Decoder extends TextDecoder {
  constructor() {
    super('windows-1252');
  }

  override decode(...args: Parameters<TextDecoder['decode']>): string {
    return super.decode(...args).replace(/[\u0080-\u009f]/g, (c) => WINDOWS_1252_HIGH[c.charCodeAt(0) - 0x80]);
  }
}

/** A TextDecoder for a charset label, or undefined for an unknown or unusable one. */
export function decoderFor(label: string | undefined): TextDecoder | undefined {
  if (!label) return undefined;
  try {
    const decoder = new TextDecoder(label.trim().toLowerCase());
    // WHATWG `replacement` would turn the whole page into U+FFFD.
    if (decoder.encoding === 'replacement') return undefined;
    return decoder.encoding === 'windows-1252' && WINDOWS_1252_BROKEN ? new Windows1252Decoder() : decoder;
  } catch {
    return undefined;
  }
}

// The WHATWG order: byte-order mark, Content-Type header, `<meta>` in the first 2 KB, else
// UTF-8; an unknown label falls through to the next source.
/** The TextDecoder for a body, and whether it is UTF-16 (where NUL bytes are legitimate). */
export function pickDecoder(contentType: string, body: Buffer): { decoder: TextDecoder; utf16: boolean } {
  let label: string | undefined;
  if (body[0] === 0xef && body[1] === 0xbb && body[2] === 0xbf) label = 'utf-8';
  else if (body[0] === 0xfe && body[1] === 0xff) label = 'utf-16be';
  else if (body[0] === 0xff && body[1] === 0xfe) label = 'utf-16le';
  let decoder = decoderFor(label) ?? decoderFor(/;\s*charset\s*=\s*["']?([^"';\s]+)/i.exec(contentType)?.[1]);
  if (!decoder) {
    const head = body.subarray(0, 2048).toString('latin1');
    const meta = /<meta\b[^>]*?charset\s*=\s*["']?\s*([A-Za-z0-9_:.+-]+)/i.exec(head)?.[1];
    decoder = decoderFor(meta);
    // A meta tag claiming UTF-16 is necessarily wrong (it was readable as ASCII): use UTF-8.
    if (decoder?.encoding.startsWith('utf-16')) decoder = undefined;
  }
  decoder ??= new TextDecoder('utf-8');
  return { decoder, utf16: decoder.encoding.startsWith('utf-16') };
}

