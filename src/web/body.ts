import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { WebError } from './errors.js';

/** Decisions carry a comment at most; more than this is not a decision. */
const MAX_BODY_BYTES = 64 * 1024;

/** Reads a JSON body (an empty one is `{}`) and checks it against `schema`; a WebError says what is wrong. */
export async function readBody<S extends z.ZodType>(req: IncomingMessage, schema: S): Promise<z.infer<S>> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new WebError(413, 'REQUEST_TOO_LARGE', `The body is over ${MAX_BODY_BYTES} bytes.`);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (text !== '' && type !== 'application/json') {
    throw new WebError(415, 'UNSUPPORTED_MEDIA_TYPE', `The body is ${type || 'untyped'}, not application/json.`);
  }
  let value: unknown = {};
  try {
    if (text !== '') value = JSON.parse(text);
  } catch {
    throw new WebError(400, 'INVALID_ARGUMENT', 'The body is not JSON.');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.length ? `${issue.path.join('.')}: ` : '';
    throw new WebError(400, 'INVALID_ARGUMENT', `Bad body: ${where}${issue?.message ?? 'invalid'}`);
  }
  return parsed.data;
}
