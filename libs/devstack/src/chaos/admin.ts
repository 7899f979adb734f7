import type { ChaosToggles as ServiceChaosToggles } from '@ordermesh/platform';
/**
 * Client of each service's chaos admin API (`/admin/chaos`, bearer ADMIN_TOKEN) and of its fault counters on
 * `/metrics`. A service without the API (404) is reported, not fatal: the run then injects only kills and restarts.
 */
/** What a PUT sends: any subset of the toggles (the services' own type). */
export type ChaosToggles = Partial<ServiceChaosToggles>;

export interface ChaosState {
  service: string;
  enabled: boolean;
  toggles: ChaosToggles;
  defaults: ChaosToggles;
  supported: string[];
}

export class ChaosApiMissingError extends Error {
  readonly code = 'CHAOS.API_MISSING';
}

export class ChaosAdmin {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
  ) {}

  get(): Promise<ChaosState> {
    return this.call('GET');
  }

  /** Sets only the toggles this service supports (the payment-only ones are dropped elsewhere). */
  async set(toggles: ChaosToggles): Promise<ChaosState> {
    const state = await this.get();
    const body = Object.fromEntries(Object.entries(toggles).filter(([k]) => state.supported.includes(k)));
    return this.call('PUT', body);
  }

  reset(): Promise<ChaosState> {
    return this.call('DELETE');
  }

  private async call(method: 'GET' | 'PUT' | 'DELETE', body?: unknown): Promise<ChaosState> {
    const res = await fetch(`${this.baseUrl}/admin/chaos`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5_000),
    });
    if (res.status === 404)
      throw new ChaosApiMissingError(`${this.baseUrl}/admin/chaos: 404 (no chaos admin API)`);
    const text = await res.text();
    if (!res.ok)
      throw new Error(`${method} ${this.baseUrl}/admin/chaos: HTTP ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as ChaosState;
  }
}

/** Sums `ordermesh_chaos_faults_injected_total` per `fault` label from a Prometheus text exposition. */
export function parseFaultCounters(exposition: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of exposition.split('\n')) {
    if (!line.startsWith('ordermesh_chaos_faults_injected_total')) continue;
    const m = /^ordermesh_chaos_faults_injected_total(?:\{([^}]*)\})?\s+([0-9.eE+-]+)/.exec(line);
    if (!m) continue;
    const fault = /(?:^|,)\s*fault="([^"]*)"/.exec(m[1] ?? '')?.[1] ?? 'unknown';
    out[fault] = (out[fault] ?? 0) + Number(m[2]);
  }
  return out;
}

export async function scrapeFaults(baseUrl: string): Promise<Record<string, number> | null> {
  try {
    const res = await fetch(`${baseUrl}/metrics`, { signal: AbortSignal.timeout(2_000) });
    return res.ok ? parseFaultCounters(await res.text()) : null;
  } catch {
    return null;
  }
}
