import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSampleWeb, type SampleWeb } from '../../local/sample-web/server.ts';

function get(web: SampleWeb, host: string, path: string): Promise<{ status: number; body: string }> {
  return new Promise((done, fail) => {
    const req = request({ host: web.host, port: web.port, path, headers: { Host: host } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c) => (body += c));
      res.on('end', () => done({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', fail);
    req.end();
  });
}

describe('the sample web, version 1 and version 2', () => {
  let v1: SampleWeb;
  let v2: SampleWeb;
  beforeAll(async () => {
    v1 = await startSampleWeb();
    v2 = await startSampleWeb({ version: 2 });
  });
  afterAll(async () => {
    await Promise.all([v1.close(), v2.close()]);
  });

  it('serves the edits only in version 2, a removed page as 404, and unedited sites the same', async () => {
    expect((await get(v1, 'meridian-supply.example', '/careers')).body).not.toContain('VP of Finance');
    expect((await get(v2, 'meridian-supply.example', '/careers')).body).toContain('VP of Finance');
    expect((await get(v1, 'cascade-freightworks.example', '/careers')).status).toBe(200);
    expect((await get(v2, 'cascade-freightworks.example', '/careers')).status).toBe(404);
    expect((await get(v2, 'granite-state-fabrication.example', '/')).body).toContain('© 2027');
    expect((await get(v2, 'pipewright.example', '/pricing')).body).toBe((await get(v1, 'pipewright.example', '/pricing')).body);
    // the overlay's list of removed pages is never served
    expect((await get(v2, 'cascade-freightworks.example', '/.removed.json')).status).toBe(404);
  });
});
