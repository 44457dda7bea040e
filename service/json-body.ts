import type http from 'node:http';
import { ApiError } from './errors.js';

/**
 * Reads a request's JSON body for the lean payment route, refusing as express.json (body-parser,
 * strict) did for the other routes: the same codes for the same input. Returns undefined when the
 * request carries no JSON body at all (the route answers 415 after authentication, as before).
 */
export async function readJsonBody(req: http.IncomingMessage, bodyBytesMax: number): Promise<unknown> {
  const type = req.headers['content-type'];
  const hasBody = req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
  if (!hasBody || type === undefined || mediaType(type) !== 'application/json') return undefined;
  const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(type)?.[1]?.toLowerCase();
  if (charset !== undefined && charset !== 'utf-8') throw new ApiError('unsupported_media_type', 'body must be UTF-8 JSON');
  const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (encoding !== 'identity') throw new ApiError('unsupported_media_type', 'body must be UTF-8 JSON, not content-encoded');
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > bodyBytesMax) throw tooLarge(bodyBytesMax);
  const text = (await readAll(req, bodyBytesMax)).toString('utf8');
  const first = /\S/.exec(text)?.[0];
  if (first === undefined) return {};
  // Strict, as body-parser's: only an object or an array is a JSON body.
  if (first !== '{' && first !== '[') throw new ApiError('malformed_json', 'request body is not valid JSON');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new ApiError('malformed_json', 'request body is not valid JSON');
  }
}

function mediaType(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

const tooLarge = (bodyBytesMax: number) => new ApiError('body_too_large', `request body exceeds ${bodyBytesMax} bytes`);

function readAll(req: http.IncomingMessage, bodyBytesMax: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let bytes = 0;
    const onData = (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > bodyBytesMax) { cleanup(); reject(tooLarge(bodyBytesMax)); return; }
      chunks.push(chunk);
    };
    const onEnd = () => { cleanup(); resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, bytes)); };
    const onAborted = () => { cleanup(); reject(new ApiError('malformed_json', 'request body was incomplete')); };
    const cleanup = () => { req.off('data', onData); req.off('end', onEnd); req.off('aborted', onAborted); req.off('error', onAborted); };
    req.on('data', onData); req.once('end', onEnd); req.once('aborted', onAborted); req.once('error', onAborted);
  });
}
