/**
 * The Lake port on an S3 bucket, with the same keys as the folder lake (DESIGN.md), so the
 * Glue/Athena table and the replay harness read one layout.
 *
 * Objects are stored exactly as given. Raw HTML is put as gzip bytes under `*.html.gz` with
 * Content-Type `application/gzip` and no Content-Encoding: the object *is* the .gz file, so an
 * HTTP client does not silently inflate it and analytics tools read it as stored. Encryption is
 * the bucket's default (set in the stateful stack), not chosen per object.
 */
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import type { Lake } from '#core/ports.ts';

export interface S3LakeOptions {
  bucket: string;
  /** A key prefix inside the bucket (e.g. `prospector/`); default none. */
  prefix?: string;
  /** Default: a new `S3Client({})`. */
  client?: S3Client;
}

/** Content types by key suffix, longest first; the caller's `contentType` wins. */
const CONTENT_TYPES: [suffix: string, type: string][] = [
  ['.html.gz', 'application/gzip'],
  ['.jsonl', 'application/x-ndjson'],
  ['.json', 'application/json'],
  ['.md', 'text/markdown; charset=utf-8'],
  ['.csv', 'text/csv; charset=utf-8'],
  ['.txt', 'text/plain; charset=utf-8'],
  ['.gz', 'application/gzip'],
];

/** The content type a lake key is stored with when the caller names none. */
export function contentTypeFor(key: string): string {
  return CONTENT_TYPES.find(([suffix]) => key.endsWith(suffix))?.[1] ?? 'application/octet-stream';
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.Code === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

/** The `Lake` port on S3. */
export class S3Lake implements Lake {
  readonly location: string;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #client: S3Client;

  constructor(options: S3LakeOptions) {
    const prefix = options.prefix ?? '';
    if (prefix && (!prefix.endsWith('/') || prefix.startsWith('/'))) {
      throw new Error(`S3Lake prefix must be relative and end with "/": ${JSON.stringify(prefix)}`);
    }
    this.#bucket = options.bucket;
    this.#prefix = prefix;
    this.#client = options.client ?? new S3Client({});
    this.location = `s3://${options.bucket}/${prefix}`;
  }

  /** The object key of a lake key; refuses keys the folder lake would refuse, so both hold the same keys. */
  #objectKey(key: string): string {
    if (!key || key.startsWith('/') || key.split('/').some((part) => part === '..' || part === '.' || part === '')) {
      throw new Error(`lake key is not a plain relative key: ${JSON.stringify(key)}`);
    }
    return this.#prefix + key;
  }

  async put(key: string, body: Uint8Array | string, options: { contentType?: string } = {}): Promise<void> {
    await this.#client.send(
      new PutObjectCommand({
        Bucket: this.#bucket,
        Key: this.#objectKey(key),
        Body: typeof body === 'string' ? Buffer.from(body, 'utf8') : body,
        ContentType: options.contentType ?? contentTypeFor(key),
      }),
    );
  }

  async get(key: string): Promise<Buffer | undefined> {
    try {
      const out = await this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: this.#objectKey(key) }));
      if (!out.Body) return Buffer.alloc(0);
      return Buffer.from(await out.Body.transformToByteArray());
    } catch (error) {
      if (isNotFound(error)) return undefined;
      throw error;
    }
  }

  async exists(key: string): Promise<boolean> {
    try {
      await this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#objectKey(key) }));
      return true;
    } catch (error) {
      if (isNotFound(error)) return false;
      throw error;
    }
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.#client.send(
        new ListObjectsV2Command({ Bucket: this.#bucket, Prefix: this.#prefix + prefix, ContinuationToken: token }),
      );
      for (const object of page.Contents ?? []) {
        if (object.Key) keys.push(object.Key.slice(this.#prefix.length));
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    // S3 lists in UTF-8 byte order; the port promises JavaScript's sort, as the folder lake gives.
    return keys.sort();
  }
}
