import http from 'node:http';

export interface PacedLoadOptions {
  url: string;
  path: string;
  /** Requests per second, sent evenly (one every 1000/rate ms), whether or not earlier ones have answered. */
  rate: number;
  durationSec: number;
  /** Upper bound on sockets; a request that finds none free waits, and that wait counts in its latency. */
  maxSockets: number;
  body: (i: number) => string;
}

export interface PacedLoadResult {
  sent: number;
  ok: number;
  non2xx: number;
  errors: number;
  /** Latency in ms from when each request was due (not when it was written): no coordinated omission. */
  latency: { p50: number; p90: number; p99: number; max: number };
  achievedRate: number;
}

/**
 * An open-loop load generator: POSTs at a fixed, even rate and measures each request from its scheduled time, so
 * a stall shows up in the latencies of every request that should have been sent meanwhile. (autocannon's rate
 * limit sends each second's requests in a burst at the start of the second, which measures burst queueing.)
 */
export function pacedLoad(opts: PacedLoadOptions): Promise<PacedLoadResult> {
  const target = new URL(opts.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: opts.maxSockets });
  const total = Math.round(opts.rate * opts.durationSec);
  const latencies: number[] = [];
  let sent = 0;
  let done = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  const start = performance.now();
  const dueAt = (i: number) => start + (i * 1000) / opts.rate;
  return new Promise((resolve) => {
    const finish = () => {
      if (++done < total) return;
      agent.destroy();
      latencies.sort((a, b) => a - b);
      const at = (q: number) =>
        Math.round(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0);
      resolve({
        sent,
        ok,
        non2xx,
        errors,
        latency: { p50: at(0.5), p90: at(0.9), p99: at(0.99), max: Math.round(latencies.at(-1) ?? 0) },
        achievedRate: Math.round((ok + non2xx) / ((performance.now() - start) / 1000)),
      });
    };
    const fire = (i: number) => {
      const scheduled = dueAt(i);
      const body = opts.body(i);
      const req = http.request(
        {
          host: target.hostname,
          port: target.port,
          path: opts.path,
          method: 'POST',
          agent,
          headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            latencies.push(performance.now() - scheduled);
            if (res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300) ok++;
            else non2xx++;
            finish();
          });
        },
      );
      req.on('error', () => {
        errors++;
        finish();
      });
      req.end(body);
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && dueAt(sent) <= now) fire(sent++);
      if (sent < total) setTimeout(tick, 1);
    };
    if (total === 0)
      resolve({
        sent: 0,
        ok: 0,
        non2xx: 0,
        errors: 0,
        latency: { p50: 0, p90: 0, p99: 0, max: 0 },
        achievedRate: 0,
      });
    else tick();
  });
}
