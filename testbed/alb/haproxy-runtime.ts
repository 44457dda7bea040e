import net from 'node:net';

const COMMAND_TIMEOUT_MS = 2_000;
const RESPONSE_BYTES_MAX = 4 * 1024 * 1024;

/** HAProxy's runtime API over its admin socket: one connection per batch of `;`-joined commands. */
export async function haproxyCommand(socket: string, commands: string[]): Promise<string> {
  if (commands.length === 0) return '';
  for (const c of commands) if (/[;\n]/.test(c)) throw new Error(`haproxy command may not contain ';' or a newline: ${c}`);
  return new Promise((resolve, reject) => {
    const conn = net.connect(socket);
    const chunks: Buffer[] = [];
    let size = 0;
    conn.setTimeout(COMMAND_TIMEOUT_MS, () => conn.destroy(new Error(`haproxy runtime API: no answer within ${COMMAND_TIMEOUT_MS} ms`)));
    conn.on('connect', () => conn.end(commands.join('; ') + '\n'));
    conn.on('data', (c: Buffer) => {
      size += c.length;
      if (size > RESPONSE_BYTES_MAX) conn.destroy(new Error('haproxy runtime API: answer too large'));
      else chunks.push(c);
    });
    conn.on('error', reject);
    conn.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

export interface ServerStats { slot: string; requests: number; errors_5xx: number; by_class: Record<string, number> }

/**
 * The backend: requests waiting for a target now, and requests its targets have answered so far
 * (`req_tot`; `lbtot` counts only first picks, not requests that waited in the queue).
 */
export interface BackendStats { queued: number; served: number }

/** `show stat` rows of the frontend, the backend and each server slot, as numbers. */
export function parseShowStat(csv: string): { frontend: Record<string, number>; backend: BackendStats; servers: ServerStats[] } {
  const lines = csv.split('\n').filter((l) => l.length > 0);
  const header = (lines[0] ?? '').replace(/^# /, '').split(',');
  const col = (row: string[], name: string) => Number(row[header.indexOf(name)] || 0);
  const classes = (row: string[]) => Object.fromEntries(['1xx', '2xx', '3xx', '4xx', '5xx'].map((c) => [c, col(row, `hrsp_${c}`)]));
  let frontend: Record<string, number> = {};
  let backend: BackendStats = { queued: 0, served: 0 };
  const servers: ServerStats[] = [];
  for (const line of lines.slice(1)) {
    const row = line.split(',');
    if (row[1] === 'FRONTEND') frontend = { requests: col(row, 'req_tot'), ...classes(row) };
    else if (row[1] === 'BACKEND') backend = { queued: col(row, 'qcur'), served: col(row, 'req_tot') };
    else servers.push({ slot: row[1]!, requests: col(row, 'req_tot'), errors_5xx: col(row, 'hrsp_5xx'), by_class: classes(row) });
  }
  return { frontend, backend, servers };
}
