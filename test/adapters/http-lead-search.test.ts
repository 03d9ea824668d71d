/** HttpLeadSearch against a loopback provider (node:http on 127.0.0.1). */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpLeadSearch } from '#adapters/http-lead-search.ts';

type Behaviour = (req: http.IncomingMessage, body: string, res: http.ServerResponse) => void;

const LEAD = {
  company_name: 'Northwind Freight',
  company_website: 'https://northwind.example',
  lead_email: 'dana@northwind.example',
  lead_name: 'Dana Reyes',
};

describe('HttpLeadSearch', () => {
  let server: http.Server;
  let url: string;
  let behaviour: Behaviour;
  const seen: { method?: string; headers: http.IncomingHttpHeaders; body: string }[] = [];

  beforeAll(async () => {
    server = http.createServer(async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const body = Buffer.concat(chunks).toString('utf8');
      seen.push({ method: req.method, headers: req.headers, body });
      behaviour(req, body, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/search_leads`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  beforeEach(() => {
    seen.length = 0;
  });

  const json = (status: number, value: unknown): Behaviour => (_req, _body, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(value));
  };

  it('POSTs the keywords with the API key header and returns the leads, extra fields dropped', async () => {
    behaviour = json(200, [{ ...LEAD, score: 0.9, internal_id: 'p-1' }]);
    const search = new HttpLeadSearch({ url, apiKey: 'k-123' });

    const leads = await search.searchLeads(['freight', 'logistics software']);

    expect(leads).toEqual([LEAD]);
    expect(seen[0].method).toBe('POST');
    expect(seen[0].headers['x-api-key']).toBe('k-123');
    expect(seen[0].headers['content-type']).toBe('application/json');
    expect(JSON.parse(seen[0].body)).toEqual({ keywords: ['freight', 'logistics software'] });
    expect(search.name).toBe(`http:${new URL(url).host}`);
  });

  it('uses a custom key header', async () => {
    behaviour = json(200, []);
    await new HttpLeadSearch({ url, apiKey: 'k', apiKeyHeader: 'authorization' }).searchLeads(['x']);

    expect(seen[0].headers.authorization).toBe('k');
  });

  it.each([500, 502, 503, 429, 408])('treats %i as SearchUnavailable (retried by the state machine)', async (status) => {
    behaviour = json(status, { error: 'busy' });

    await expect(new HttpLeadSearch({ url, apiKey: 'k' }).searchLeads(['x'])).rejects.toMatchObject({ name: 'SearchUnavailable' });
  });

  it('treats a refused key as SearchRejected, without echoing the key', async () => {
    behaviour = json(401, { error: 'invalid key' });

    const failure = new HttpLeadSearch({ url, apiKey: 'super-secret-key' }).searchLeads(['x']);

    await expect(failure).rejects.toMatchObject({ name: 'SearchRejected', status: 401 });
    await expect(failure).rejects.toThrow(/check the API key/);
    await expect(failure).rejects.not.toThrow(/super-secret-key/);
  });

  it('rejects an answer that is not a list of leads, naming the bad field', async () => {
    behaviour = json(200, [{ ...LEAD, lead_email: 42 }]);

    await expect(new HttpLeadSearch({ url, apiKey: 'k' }).searchLeads(['x'])).rejects.toMatchObject({ name: 'SearchRejected', message: expect.stringContaining('0.lead_email') });
  });

  it('rejects an answer that is not JSON', async () => {
    behaviour = (_req, _body, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>login</html>');
    };

    await expect(new HttpLeadSearch({ url, apiKey: 'k' }).searchLeads(['x'])).rejects.toMatchObject({ name: 'SearchRejected', message: expect.stringContaining('not JSON') });
  });

  it('stops reading an answer past the size cap', async () => {
    behaviour = (_req, _body, res) => {
      // Chunked, no content-length: the cap must hold while streaming.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      for (let i = 0; i < 200; i++) res.write(`${JSON.stringify(LEAD)},`);
      res.end(`${JSON.stringify(LEAD)}]`);
    };

    await expect(new HttpLeadSearch({ url, apiKey: 'k', maxBytes: 4096 }).searchLeads(['x'])).rejects.toMatchObject({
      name: 'SearchRejected',
      message: expect.stringContaining('4096-byte cap'),
    });
  });

  it('gives up on a slow provider with SearchUnavailable', async () => {
    behaviour = (_req, _body, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('[]');
      }, 500);
    };

    await expect(new HttpLeadSearch({ url, apiKey: 'k', timeoutMs: 50 }).searchLeads(['x'])).rejects.toMatchObject({
      name: 'SearchUnavailable',
      message: expect.stringContaining('within 50 ms'),
    });
  });

  it('does not follow a redirect that would carry the key elsewhere', async () => {
    behaviour = (_req, _body, res) => {
      res.writeHead(307, { location: 'http://127.0.0.2:9/steal' });
      res.end();
    };

    await expect(new HttpLeadSearch({ url, apiKey: 'k' }).searchLeads(['x'])).rejects.toMatchObject({ name: 'SearchRejected', status: 307 });
    expect(seen).toHaveLength(1);
  });

  it('reports an unreachable provider as SearchUnavailable', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    await expect(new HttpLeadSearch({ url: deadUrl, apiKey: 'k' }).searchLeads(['x'])).rejects.toMatchObject({ name: 'SearchUnavailable' });
  });
});
