/**
 * Turning a request body into parameters (protocol.md §2.1): JSON for `application/json` and `+json`
 * media types, PHP form decoding for urlencoded bodies, multipart text fields, and any other body read
 * as a urlencoded string. A body that is not valid JSON (or is a JSON scalar) is ignored, as the
 * reference ignores it: the method then runs with the query parameters only.
 */
import Busboy from 'busboy';
import { assemblePhpFields, decodePhpQueryYielding, INPUT_LIMITS, turn } from '../protocol/formDecoding.js';
import { isPhpArray, type PhpMap } from '../core/php.js';

/**
 * PHP's json_decode depth (512): a document may nest at most 511 arrays/objects (checked against
 * the `php` binary: 511 levels decode, 512 do not). Deeper documents are rejected, and so ignored.
 */
export const MAX_JSON_DEPTH = 511;

/**
 * Whether a JSON text nests at most `limit` arrays/objects, in one pass over its bytes before any
 * parsing (8 MB of `[` is refused at byte 512, not parsed). Exact for valid JSON; for invalid JSON
 * the answer does not matter, since JSON.parse refuses it anyway.
 */
export function jsonDepthWithin(body: Buffer, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (inString) {
      if (c === 0x5c) i++; // backslash: the next byte is escaped
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > limit) return false;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return true;
}

export function decodeJsonBody(body: Buffer): PhpMap | null {
  if (!jsonDepthWithin(body, MAX_JSON_DEPTH)) return null;
  let v: unknown;
  try {
    v = JSON.parse(body.toString('utf8'));
  } catch {
    return null;
  }
  if (!isPhpArray(v)) return null;
  if (Array.isArray(v)) {
    // A top-level list gives positional parameters 0, 1, …
    const out: PhpMap = Object.create(null) as PhpMap;
    v.forEach((x, i) => (out[String(i)] = x));
    return out;
  }
  return v as PhpMap;
}

/** Bytes of a multipart body given to the parser between two turns of the event loop. */
const MULTIPART_SLICE = 64 * 1024;

async function decodeMultipart(body: Buffer, contentType: string): Promise<PhpMap | null> {
  let bb: Busboy.Busboy;
  try {
    // PHP keeps the first max_input_vars text fields and drops the rest (rfc1867.c); with
    // max_multipart_body_parts at its default it stops reading after max_input_vars +
    // max_file_uploads (20) parts. Names and values have no length limit of their own.
    bb = Busboy({
      headers: { 'content-type': contentType },
      limits: {
        fieldSize: body.length + 1,
        fieldNameSize: body.length + 1,
        fields: INPUT_LIMITS.maxVars,
        parts: INPUT_LIMITS.maxVars + 20,
      },
    });
  } catch {
    return null;
  }
  const pairs: [string, string][] = [];
  let failed = false;
  const finished = new Promise<boolean>((resolve) => {
    bb.on('close', () => resolve(true));
    bb.on('error', () => {
      failed = true;
      resolve(false);
    });
  });
  bb.on('field', (name, value) => pairs.push([name, value]));
  bb.on('file', (_name, stream) => stream.resume()); // file parts are not parameters
  // A slice at a time, so that other requests are answered while a large body is parsed.
  for (let off = 0; off < body.length && !failed; off += MULTIPART_SLICE) {
    bb.write(body.subarray(off, off + MULTIPART_SLICE));
    if (off + MULTIPART_SLICE < body.length) await turn();
  }
  if (!failed) bb.end();
  return (await finished) ? assemblePhpFields(pairs) : null;
}

/** The media type, lower-cased, without parameters such as `; charset=utf-8`. */
export function mediaType(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

/** The body's parameters, or null when the body contributes none. */
export async function decodeBody(body: Buffer | undefined, contentType: string | undefined): Promise<PhpMap | null> {
  if (!body || body.length === 0) return null;
  const type = mediaType(contentType);
  if (type === 'application/json' || type.includes('+json')) return decodeJsonBody(body);
  if (type === 'multipart/form-data') return decodeMultipart(body, contentType!);
  const text = body.toString('utf8');
  return (await decodePhpQueryYielding(type === 'application/x-www-form-urlencoded' ? text : text.trim())).params;
}

/** Body parameters replace query parameters key by key at the top level only. */
export function mergeParams(query: PhpMap, body: PhpMap | null): PhpMap {
  if (!body) return query;
  for (const k of Object.keys(body)) query[k] = body[k];
  return query;
}
