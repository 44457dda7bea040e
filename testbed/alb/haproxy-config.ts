import path from 'node:path';
import type { AlbConfig } from './alb-config.js';

/** Target slots in the HAProxy backend: registering more targets than this at once is refused. */
export const TARGET_SLOTS_MAX = 64;
/** Frontend connection limit; the client's 1,024-connection pool fits with room for probes. */
export const FRONTEND_CONNECTIONS_MAX = 4_096;
export const BACKEND = 'targets';
/** Map key whose presence makes the frontend answer 503 itself: no target can take traffic. */
export const NO_TARGETS_KEY = 'no-routable-target';

/** Key of the admission map holding the queue bound in force (the control plane lowers it under overload). */
export const QUEUE_MAX_KEY = 'queue_requests_max';

export interface HaproxyFiles { config: string; socket: string; targetsMap: string; admissionMap: string; error502: string }

export function haproxyFiles(dir: string): HaproxyFiles {
  return {
    config: path.join(dir, 'haproxy.cfg'), socket: path.join(dir, 'haproxy-admin.sock'),
    targetsMap: path.join(dir, 'haproxy-targets.map'), admissionMap: path.join(dir, 'haproxy-admission.map'), error502: path.join(dir, 'haproxy-502.http'),
  };
}

// HAProxy answers 503 when it cannot connect to the chosen server; an ALB answers 502 (the target
// refused or reset). "No target at all" (ALB 503) is decided by the control plane instead.
export const ERROR_502 = 'HTTP/1.1 502 Bad Gateway\r\ncontent-type: text/plain\r\nserver: awselb-emulator\r\ncache-control: no-cache\r\nconnection: close\r\n\r\n502 Bad Gateway\n';

export type HaproxyLimits = Pick<AlbConfig, 'idle_timeout_ms' | 'slow_start_ms' | 'target_requests_max' | 'queue_requests_max' | 'queue_timeout_ms'>;

const ALB_503 = 'status 503 content-type text/plain string "503 Service Temporarily Unavailable" hdr server awselb-emulator';

/**
 * The ALB's data plane: round robin over servers the control plane marks ready, no retries (an ALB
 * does not resend a request to another target), 504 when a target is slower than the idle timeout.
 *
 * One deliberate difference from an ALB: a bounded queue. Each target gets at most
 * `target_requests_max` requests at once; the rest wait here (FIFO, dropped if their client goes),
 * at most `queue_requests_max` of them and for at most `queue_timeout_ms`; beyond that 503 at once.
 * Under sustained overload the control plane cuts that bound (overload-detector.ts) through the
 * admission map.
 * Without it every request went straight to a task, and on a saturated 2-core machine what the task
 * could not read yet waited, uncounted, in socket buffers: after a failover the tasks served
 * requests seconds old whose clients had given up (az-loss: 0 ok/s with 4,000 in flight, measured).
 * On AWS the task's listen backlog and the ALB's connection limits play that part.
 */
export function renderHaproxyConfig(o: HaproxyLimits & { files: HaproxyFiles; listen_port: number }): string {
  const { files } = o;
  return `global
  stats socket ${files.socket} mode 600 level admin
  nbthread 1
  maxconn ${FRONTEND_CONNECTIONS_MAX}
defaults
  mode http
  timeout connect 1s
  timeout client ${o.idle_timeout_ms}ms
  timeout http-keep-alive ${o.idle_timeout_ms}ms
  timeout server ${o.idle_timeout_ms}ms
  timeout queue ${o.queue_timeout_ms}ms
  option abortonclose
  retries 0
frontend alb
  bind 127.0.0.1:${o.listen_port}
  maxconn ${FRONTEND_CONNECTIONS_MAX}
  option forwardfor
  http-request set-header X-Forwarded-Proto http
  http-request return ${ALB_503} if { str(${NO_TARGETS_KEY}),map(${files.targetsMap}) -m found }
  # The queue bound in force: queue_requests_max, cut by the control plane under sustained overload.
  http-request set-var(txn.queue_max) str(${QUEUE_MAX_KEY}),map_str_int(${files.admissionMap},${o.queue_requests_max})
  http-request return ${ALB_503} hdr x-testbed-alb queue-full if { queue(${BACKEND}),sub(txn.queue_max) ge 0 }
  default_backend ${BACKEND}
backend ${BACKEND}
  balance roundrobin
  errorfile 503 ${files.error502}
  # Emulator-only: lets tests see which target served a request.
  http-response set-header x-testbed-target %[srv_name,map(${files.targetsMap},unknown)]
  server-template t 1-${TARGET_SLOTS_MAX} 127.0.0.1:1 disabled maxconn ${o.target_requests_max}${o.slow_start_ms > 0 ? ` slowstart ${o.slow_start_ms}ms` : ''}
`;
}
