/**
 * Windows-1252 as the WHATWG Encoding Standard defines it (what browsers do, and what the
 * labels latin1 and iso-8859-1 mean on the web). Node 20's TextDecoder maps 0x80-0x9F to C1
 * controls instead (nodejs/node#56542); the fetcher must not lose curly quotes, dashes and the
 * euro sign of pages that declare these charsets.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuardedWeb, pickDecoder } from '#adapters/guarded-web.ts';
import { encodeCp1252, installTripwire, type Tripwire } from './support.ts';

// The WHATWG index for 0x80-0x9F; 0x81, 0x8D, 0x8F, 0x90 and 0x9D map to the same C1 code point.
const HIGH = [
  0x20ac, 0x81, 0x201a, 0x0192, 0x201e, 0x2026, 0x2020, 0x2021, 0x02c6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8d, 0x017d, 0x8f,
  0x90, 0x2018, 0x2019, 0x201c, 0x201d, 0x2022, 0x2013, 0x2014, 0x02dc, 0x2122, 0x0161, 0x203a, 0x0153, 0x9d, 0x017e, 0x0178,
];

describe('windows-1252 decoding', () => {
  it.each(['windows-1252', 'cp1252', 'latin1', 'ISO-8859-1', 'us-ascii'])('maps every byte per the WHATWG index for the label %s', (label) => {
    const { decoder } = pickDecoder(`text/html; charset=${label}`, Buffer.alloc(0));
    expect(decoder.encoding).toBe('windows-1252');
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const decoded = [...decoder.decode(all)].map((c) => c.codePointAt(0));
    expect(decoded).toEqual(Array.from({ length: 256 }, (_, i) => (i >= 0x80 && i <= 0x9f ? HIGH[i - 0x80] : i)));
  });

  it('does the same for a charset found in a <meta> tag', () => {
    const body = Buffer.concat([Buffer.from('<meta charset="windows-1252"><p>'), encodeCp1252('“Café” — €5')]);
    const { decoder } = pickDecoder('text/html', body);
    expect(decoder.decode(body)).toContain('“Café” — €5');
  });

  describe('through the fetcher', () => {
    let server: Server;
    let port: number;
    let tripwire: Tripwire;
    beforeAll(async () => {
      tripwire = installTripwire();
      server = createServer((_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/html; charset=windows-1252' });
        res.end(encodeCp1252('<p>“Smart quotes” – and the euro: €12 … Œuvre</p>'));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(async () => {
      tripwire.restore();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('returns the page text with the windows-1252 characters intact', async () => {
      const web = new GuardedWeb({ allow: [{ address: '127.0.0.1', port }], offline: true, hostDelayMs: 0, resolve: async () => [] });
      const res = await web.fetch(`http://127.0.0.1:${port}/`);
      expect(res.charset).toBe('windows-1252');
      expect(res.text).toBe('<p>“Smart quotes” – and the euro: €12 … Œuvre</p>');
      expect(tripwire.refused).toEqual([]);
    });
  });
});
