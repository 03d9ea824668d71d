/**
 * Import: what `prospector replies import PATH` reads. PATH is an `.eml` file, a folder of them
 * (and of mbox files), or an mbox. Each mail comes back as its raw bytes with a name a person can
 * find it by (`replies/a.eml`, `inbox.mbox#3`); a mail over the size cap comes back as an error
 * for that mail alone, so one bad message never stops an import.
 *
 * mbox: messages start at a line `From ` at the start of the file or after an empty line (mboxo
 * and mboxrd); mboxrd's `>From ` quoting is undone. Lines are read as a stream, so a large mbox is
 * never held whole in memory, and a message's lines stop being kept once it is over the cap.
 */
import { createReadStream } from 'node:fs';
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { NotFoundError, ValidationError } from '../errors.ts';
import { MailTooLargeError } from './errors.ts';
import { DEFAULT_MAX_MAIL_BYTES } from './parse.ts';

/** One mail read from PATH, or why it could not be. */
export type MailItem = { source: string; raw: Buffer } | { source: string; error: MailTooLargeError };

export interface ImportOptions {
  /** per mail; default `DEFAULT_MAX_MAIL_BYTES` */
  maxBytes?: number;
  /** mails read from one PATH at most (a guard against a mistaken path): default 10,000 */
  maxMessages?: number;
}

const MAIL_EXTENSIONS = /\.(eml|mbox|mbx)$/i;

/** Reads every mail under PATH, in name order; see the module comment. */
export async function readMailSource(path: string, options: ImportOptions = {}): Promise<MailItem[]> {
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_MAIL_BYTES;
  const maxMessages = options.maxMessages ?? 10_000;
  const info = await stat(path).catch(() => null);
  if (!info) throw new NotFoundError(`replies import: ${path} does not exist`);
  const items: MailItem[] = [];
  const files = info.isDirectory()
    ? (await readdir(path, { withFileTypes: true })).filter((e) => e.isFile() && MAIL_EXTENSIONS.test(e.name)).map((e) => join(path, e.name)).sort()
    : [path];
  if (files.length === 0) throw new ValidationError('replies import', [{ path, message: 'the folder holds no .eml or .mbox file' }]);
  for (const file of files) {
    if (items.length > maxMessages) break;
    const kind = await fileKind(file);
    if (kind === 'mbox') {
      for await (const item of splitMbox(file, maxBytes)) {
        items.push(item);
        if (items.length > maxMessages) break;
      }
    } else {
      const size = (await stat(file)).size;
      items.push(size > maxBytes ? { source: file, error: new MailTooLargeError(file, size, maxBytes) } : { source: file, raw: await readFile(file) });
    }
  }
  if (items.length > maxMessages) {
    throw new ValidationError('replies import', [{ path, message: `more than ${maxMessages} mails; import a smaller folder or mbox` }]);
  }
  return items;
}

/** An mbox starts with a `From ` line; anything else is read as one mail. */
async function fileKind(file: string): Promise<'mbox' | 'eml'> {
  const handle = await open(file, 'r');
  try {
    const { buffer, bytesRead } = await handle.read(Buffer.alloc(5), 0, 5, 0);
    return buffer.subarray(0, bytesRead).toString('latin1') === 'From ' ? 'mbox' : 'eml';
  } finally {
    await handle.close();
  }
}

/** Splits an mbox file into mails (see the module comment). */
export async function* splitMbox(file: string, maxBytes: number = DEFAULT_MAX_MAIL_BYTES): AsyncGenerator<MailItem> {
  const name = basename(file);
  let lines: Buffer[] = [];
  let bytes = 0;
  let index = 0;
  let started = false;
  let previousEmpty = true;
  const finish = (): MailItem | null => {
    if (!started) return null;
    index += 1;
    const source = `${file}#${index}`;
    // the empty line before the next `From ` belongs to the mbox, not to the mail
    while (lines.length > 0 && isEmpty(lines[lines.length - 1])) {
      bytes -= lines[lines.length - 1].length;
      lines.pop();
    }
    const item: MailItem = bytes > maxBytes ? { source, error: new MailTooLargeError(`${name}#${index}`, bytes, maxBytes) } : { source, raw: Buffer.concat(lines) };
    lines = [];
    bytes = 0;
    return item;
  };
  for await (const line of readLines(file)) {
    if (previousEmpty && line.subarray(0, 5).toString('latin1') === 'From ') {
      const item = finish();
      if (item) yield item;
      started = true;
      previousEmpty = false;
      continue;
    }
    previousEmpty = isEmpty(line);
    if (!started) continue;
    const kept = /^>+From /.test(line.subarray(0, 80).toString('latin1')) ? line.subarray(1) : line;
    bytes += kept.length;
    if (bytes <= maxBytes) lines.push(kept);
  }
  const last = finish();
  if (last) yield last;
}

function isEmpty(line: Buffer): boolean {
  return line.length === 0 || (line.length === 1 && line[0] === 0x0a) || (line.length === 2 && line[0] === 0x0d && line[1] === 0x0a);
}

/** Lines of a file as bytes, each with its line end (so CRLF mails keep their bytes). */
async function* readLines(file: string): AsyncGenerator<Buffer> {
  let rest = Buffer.alloc(0);
  for await (const chunk of createReadStream(file, { highWaterMark: 64 * 1024 })) {
    let buffer = rest.length ? Buffer.concat([rest, chunk as Buffer]) : (chunk as Buffer);
    let start = 0;
    for (let i = buffer.indexOf(0x0a, start); i !== -1; i = buffer.indexOf(0x0a, start)) {
      yield buffer.subarray(start, i + 1);
      start = i + 1;
    }
    rest = Buffer.from(buffer.subarray(start));
    buffer = Buffer.alloc(0);
  }
  if (rest.length) yield rest;
}
