/**
 * A loopback S3 for adapter tests: path-style PutObject, GetObject, HeadObject and
 * ListObjectsV2 over `node:http` on 127.0.0.1, objects in memory. Enough of the wire protocol
 * for the real `S3Client` (`forcePathStyle: true`): XML listings with continuation tokens, XML
 * errors (`NoSuchKey`), and `aws-chunked` upload bodies, which the SDK uses when it streams a
 * checksum as a trailer.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { S3Client } from '@aws-sdk/client-s3';

export interface StoredObject {
  body: Buffer;
  /** Headers the object was stored with, as S3 would return them. */
  contentType: string | undefined;
  contentEncoding: string | undefined;
  etag: string;
  lastModified: Date;
}

export interface FakeS3Options {
  /** Largest page ListObjectsV2 returns, whatever MaxKeys asks; default 1000 (S3's own cap). */
  pageSize?: number;
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** Decodes an `aws-chunked` body: `size[;ext]\r\n data \r\n ... 0\r\n trailers \r\n\r\n`. */
function decodeAwsChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = raw.indexOf('\r\n', at);
    if (eol < 0) throw new Error('bad aws-chunked body');
    const size = parseInt(raw.subarray(at, eol).toString('latin1').split(';')[0], 16);
    at = eol + 2;
    if (size === 0) return Buffer.concat(parts);
    parts.push(raw.subarray(at, at + size));
    at += size + 2;
  }
}

/** The fake S3 server; `objects` maps `bucket/key` to what was stored. */
export class FakeS3 {
  readonly endpoint: string;
  readonly objects = new Map<string, StoredObject>();
  readonly requests: { method: string; path: string; query: Record<string, string> }[] = [];
  readonly #server: http.Server;
  readonly #pageSize: number;

  private constructor(server: http.Server, pageSize: number) {
    this.#server = server;
    this.#pageSize = pageSize;
    this.endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  /** Starts a fake on an ephemeral loopback port. */
  static async start(options: FakeS3Options = {}): Promise<FakeS3> {
    let fake: FakeS3 | undefined;
    const server = http.createServer((req, res) => {
      void fake!.#handle(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake = new FakeS3(server, options.pageSize ?? 1000);
    return fake;
  }

  /** A real S3Client pointed at this fake. */
  client(): S3Client {
    return new S3Client({
      endpoint: this.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    });
  }

  async close(): Promise<void> {
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.endpoint);
    const [bucket, ...rest] = url.pathname.slice(1).split('/');
    const key = rest.map(decodeURIComponent).join('/');
    const query = Object.fromEntries(url.searchParams);
    this.requests.push({ method: req.method ?? '', path: url.pathname, query });
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let body: Buffer = Buffer.concat(chunks);

    const error = (status: number, code: string, message: string) => {
      res.writeHead(status, { 'content-type': 'application/xml' });
      res.end(req.method === 'HEAD' ? undefined : `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${xml(message)}</Message><Key>${xml(key)}</Key></Error>`);
    };

    if (!bucket) return error(400, 'InvalidRequest', 'path-style requests only');
    if (!key) {
      if (req.method === 'GET' && query['list-type'] === '2') return this.#list(bucket, query, res);
      return error(501, 'NotImplemented', `${req.method} on a bucket is not implemented by the fake`);
    }
    const id = `${bucket}/${key}`;
    switch (req.method) {
      case 'PUT': {
        const encodings = (req.headers['content-encoding'] ?? '').split(',').map((e) => e.trim()).filter(Boolean);
        const chunked = encodings.includes('aws-chunked') || String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-');
        if (chunked) body = decodeAwsChunked(body);
        const kept = encodings.filter((e) => e !== 'aws-chunked');
        const etag = `"${createHash('md5').update(body).digest('hex')}"`;
        this.objects.set(id, {
          body,
          contentType: req.headers['content-type'],
          contentEncoding: kept.length > 0 ? kept.join(', ') : undefined,
          etag,
          lastModified: new Date(),
        });
        res.writeHead(200, { etag });
        res.end();
        return;
      }
      case 'GET':
      case 'HEAD': {
        const object = this.objects.get(id);
        if (!object) return error(404, 'NoSuchKey', 'The specified key does not exist.');
        res.writeHead(200, {
          'content-length': String(object.body.length),
          etag: object.etag,
          'last-modified': object.lastModified.toUTCString(),
          ...(object.contentType ? { 'content-type': object.contentType } : {}),
          ...(object.contentEncoding ? { 'content-encoding': object.contentEncoding } : {}),
        });
        res.end(req.method === 'GET' ? object.body : undefined);
        return;
      }
      default:
        return error(501, 'NotImplemented', `${req.method} is not implemented by the fake`);
    }
  }

  #list(bucket: string, query: Record<string, string>, res: http.ServerResponse): void {
    const prefix = query.prefix ?? '';
    const maxKeys = Math.min(Number(query['max-keys'] ?? 1000), this.#pageSize);
    const after = query['continuation-token'] ? Buffer.from(query['continuation-token'], 'base64url').toString('utf8') : (query['start-after'] ?? '');
    // S3 orders keys by their UTF-8 bytes.
    const keys = [...this.objects.keys()]
      .filter((id) => id.startsWith(`${bucket}/`))
      .map((id) => id.slice(bucket.length + 1))
      .filter((k) => k.startsWith(prefix) && Buffer.compare(Buffer.from(k), Buffer.from(after)) > 0)
      .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const page = keys.slice(0, maxKeys);
    const truncated = keys.length > page.length;
    const contents = page
      .map((k) => {
        const o = this.objects.get(`${bucket}/${k}`)!;
        return `<Contents><Key>${xml(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xml(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
      })
      .join('');
    const next = truncated ? `<NextContinuationToken>${Buffer.from(page[page.length - 1]).toString('base64url')}</NextContinuationToken>` : '';
    res.writeHead(200, { 'content-type': 'application/xml' });
    res.end(
      `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xml(bucket)}</Name><Prefix>${xml(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${maxKeys}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${next}</ListBucketResult>`,
    );
  }
}
