import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { consumerLag, createKafka } from '@ordermesh/platform';
import { DevStackConfig, loadDevStackConfig } from '../config';
import { freePort } from '../net';
import { RunningStack, ServiceProcess, startStack, waitForHttpOk } from '../stack';
import { verifySystem, VerifyReport } from '../verify';
import { CONSUMED_TOPICS } from '../verify/world';
import { SERVICES, ServiceName, workspaceRoot } from '../workspace';
import { ChaosAdmin, ChaosApiMissingError, ChaosToggles, scrapeFaults } from './admin';
import { Prng } from './prng';

export interface ChaosOptions {
  orders: number;
  /** Orders placed per second, steadily. */
  rate: number;
  seed: number;
  kill: boolean;
  brokerRestart: boolean;
  /** false: do not touch /admin/chaos (only kills and broker restarts). */
  toggles: boolean;
  reservationTtlMs: number;
  quiescenceTimeoutMs: number;
  skus: number;
  /** Share of orders that get a cancel request / a fulfil request. */
  cancelRate: number;
  fulfilRate: number;
  /** Share of orders from customers the mock gateway always declines. */
  declinedCustomerRate: number;
  /** crashAfterCommitRate while --kill (services exit right after a consumer commit). */
  crashRate: number;
  dataDir?: string;
  keepData: boolean;
  ports: Partial<Record<'postgres' | 'kafka' | ServiceName, number>>;
  log: (line: string) => void;
}

export const DEFAULT_CHAOS_OPTIONS: Omit<ChaosOptions, 'log'> = {
  orders: 1_000,
  rate: 50,
  seed: 42,
  kill: false,
  brokerRestart: false,
  toggles: true,
  reservationTtlMs: 30_000,
  quiescenceTimeoutMs: 120_000,
  skus: 20,
  cancelRate: 0.08,
  fulfilRate: 0.35,
  declinedCustomerRate: 0.04,
  crashRate: 0.0003,
  keepData: false,
  ports: {},
};

/** Customers the mock payment gateway always declines (README, mock gateway). */
const DECLINING_CUSTOMERS = [
  '00000000-0000-4000-8000-000000000402',
  '00000000-0000-4000-8000-000000000403',
  '00000000-0000-4000-8000-000000000666',
];

interface Counter {
  requested: number;
  accepted: number;
  refused: number;
  failed: number;
}
const counter = (): Counter => ({ requested: 0, accepted: 0, refused: 0, failed: 0 });

export interface ChaosFigures {
  seed: number;
  /** The broker the run met ("embedded broker", "Apache Kafka 4.4.0"). */
  broker: string;
  ordersRequested: number;
  ordersPlaced: number;
  placeFailures: number;
  placeFailureReasons: Record<string, number>;
  byStatus: Record<string, number>;
  cancellationReasons: Record<string, number>;
  cancels: Counter;
  fulfils: Counter;
  kills: number;
  crashRestarts: number;
  brokerRestarts: number;
  relayPauses: number;
  toggles: 'applied' | 'unavailable' | 'off';
  faultsInjected: Record<string, number>;
  loadSeconds: number;
  placedPerSecond: number;
  /** Orders placed per second of load plus the time to quiescence: the rate at which sagas were completed. */
  settledPerSecond: number;
  quiescent: boolean;
  quiescenceSeconds: number;
  totalSeconds: number;
  verifyOk: boolean;
  violations: Record<string, number>;
  ok: boolean;
}

export interface ChaosResult {
  figures: ChaosFigures;
  verify: VerifyReport | null;
  dataDir: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs one chaos experiment end to end; never throws for a violated invariant (that is in the result). */
export async function runChaos(opts: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const log = opts.log;
  const root = workspaceRoot();
  const dataDir = opts.dataDir ?? path.join('.data', 'chaos', new Date().toISOString().replace(/[:.]/g, '-'));
  const absData = path.resolve(root, dataDir);
  mkdirSync(path.join(absData, 'logs'), { recursive: true });
  const base = loadDevStackConfig();
  const adminToken = randomBytes(16).toString('hex');
  const config: DevStackConfig = {
    ...base,
    dataDir: absData,
    postgresPort: opts.ports.postgres ?? (await freePort()),
    // The broker kind (ORDERMESH_KAFKA) and its JDK come from the environment; its ports are the run's own.
    kafka: {
      ...base.kafka,
      port: opts.ports.kafka ?? (await freePort()),
      controllerPort: await freePort(),
    },
    ports: {
      order: opts.ports.order ?? (await freePort()),
      inventory: opts.ports.inventory ?? (await freePort()),
      payment: opts.ports.payment ?? (await freePort()),
    },
    logLevel: 'warn',
    chaosEnabled: true,
    adminToken,
    tracesExporter: 'none',
  };
  const logFds = Object.fromEntries(
    SERVICES.map((s) => [s, openSync(path.join(absData, 'logs', `${s}.log`), 'a')]),
  ) as Record<ServiceName, number>;
  const common = {
    OUTBOX_POLL_INTERVAL_MS: '200',
    CONSUMER_RETRY_BASE_MS: '50',
    CONSUMER_RETRY_MAX_MS: '1000',
  };
  log(`chaos: data in ${path.relative(root, absData) || absData}; services log to its logs/ folder`);
  const stack = await startStack(config, (line) => log(line), {
    serviceEnv: {
      order: common,
      payment: common,
      inventory: {
        ...common,
        RESERVATION_TTL_MS: String(opts.reservationTtlMs),
        EXPIRY_SWEEP_INTERVAL_MS: '500',
      },
    },
    output: (name) => logFds[name],
  });

  const prng = new Prng(opts.seed);
  const faults = new FaultTally();
  const supervisor = new Supervisor(stack, log, faults);
  const toggles = new ToggleControl(stack, adminToken, opts, log);
  supervisor.onReady = (name) => toggles.apply(name);
  const figures: ChaosFigures = {
    seed: opts.seed,
    broker: stack.broker.label,
    ordersRequested: opts.orders,
    ordersPlaced: 0,
    placeFailures: 0,
    placeFailureReasons: {},
    byStatus: {},
    cancellationReasons: {},
    cancels: counter(),
    fulfils: counter(),
    kills: 0,
    crashRestarts: 0,
    brokerRestarts: 0,
    relayPauses: 0,
    toggles: opts.toggles ? 'applied' : 'off',
    faultsInjected: {},
    loadSeconds: 0,
    placedPerSecond: 0,
    settledPerSecond: 0,
    quiescent: false,
    quiescenceSeconds: 0,
    totalSeconds: 0,
    verifyOk: false,
    violations: {},
    ok: false,
  };
  let verify: VerifyReport | null = null;
  const scraper = setInterval(() => void faults.scrape(stack.services), 1_000);
  try {
    for (const s of stack.services) supervisor.watch(s);
    await Promise.all(stack.services.map((s) => supervisor.ready(s)));
    log(`chaos: stack up in ${((Date.now() - started) / 1000).toFixed(1)}s`);

    const skus = await seedProducts(stack, prng.fork('products'), opts);
    if (opts.toggles) {
      for (const s of SERVICES) await toggles.apply(s);
      if (!toggles.available) figures.toggles = 'unavailable';
    }

    // Faults on a schedule laid out over the planned load duration, drawn from their own PRNG stream.
    const plannedMs = (opts.orders / opts.rate) * 1000;
    const faultPrng = prng.fork('faults');
    const loadStart = Date.now();
    const scheduled: Promise<void>[] = [];
    const at = (fraction: number, fn: () => Promise<void>) =>
      scheduled.push(
        sleep(Math.max(0, loadStart + fraction * plannedMs - Date.now())).then(fn, (err: unknown) =>
          log(`chaos: scheduled fault failed: ${(err as Error).message}`),
        ),
      );
    if (opts.kill) {
      const kills = Math.max(2, Math.round(plannedMs / 15_000));
      for (let i = 0; i < kills; i++) {
        const when = 0.1 + faultPrng.next() * 0.8;
        const victim = faultPrng.pick(SERVICES);
        at(when, async () => {
          await supervisor.kill(victim);
        });
      }
    }
    if (opts.brokerRestart) {
      at(0.4 + faultPrng.next() * 0.2, async () => {
        log('chaos: restarting the broker');
        await stack.restartBroker();
        figures.brokerRestarts++;
        log('chaos: broker back');
      });
    }
    if (opts.toggles && toggles.available) {
      const victim = faultPrng.pick(SERVICES);
      const pauseMs = Math.min(3_000, Math.max(1_000, plannedMs * 0.2));
      at(0.2 + faultPrng.next() * 0.2, async () => {
        log(`chaos: pausing ${victim}'s outbox relay for ${pauseMs} ms`);
        await toggles.update(victim, { relayPaused: true });
        figures.relayPauses++;
        await sleep(pauseMs);
        await toggles.update(victim, { relayPaused: false });
      });
    }

    await placeLoad(stack, prng.fork('orders'), skus, opts, figures, log);
    figures.loadSeconds = (Date.now() - loadStart) / 1000;
    await Promise.all(scheduled);
    await supervisor.idle();
    log(
      `chaos: load done in ${figures.loadSeconds.toFixed(1)}s (${figures.ordersPlaced} placed); resetting toggles, waiting for quiescence`,
    );
    if (opts.toggles && toggles.available) for (const s of SERVICES) await toggles.reset(s);

    const quiesceStart = Date.now();
    figures.quiescent = await waitQuiescent(stack, opts.quiescenceTimeoutMs, supervisor);
    figures.quiescenceSeconds = (Date.now() - quiesceStart) / 1000;
    figures.settledPerSecond =
      Math.round((figures.ordersPlaced / (figures.loadSeconds + figures.quiescenceSeconds)) * 10) / 10;
    if (!figures.quiescent)
      log(`chaos: NOT quiescent after ${figures.quiescenceSeconds.toFixed(0)}s; verifying anyway`);
    await faults.scrape(stack.services);
    figures.faultsInjected = faults.total();
    figures.kills = supervisor.kills;
    figures.crashRestarts = supervisor.crashes;

    verify = await verifySystem({ databases: stack.databaseUrls, brokers: [stack.broker.address] });
    Object.assign(figures, await outcomes(stack.databaseUrls.order));
    figures.verifyOk = verify.ok;
    figures.violations = Object.fromEntries(
      verify.checks.filter((c) => c.violations).map((c) => [c.name, c.violations]),
    );
  } finally {
    clearInterval(scraper);
    supervisor.stopping = true;
    await stack.stop().catch((err: unknown) => log(`chaos: stopping the stack: ${(err as Error).message}`));
    for (const fd of Object.values(logFds)) closeSync(fd);
  }
  figures.totalSeconds = Math.round((Date.now() - started) / 100) / 10;
  figures.ok = figures.verifyOk && figures.quiescent;
  if (figures.ok && !opts.keepData) rmSync(absData, { recursive: true, force: true });
  return { figures, verify, dataDir: absData };
}

/** Products with LIMITED stock: total demand is about what a SKU holds, so popular ones run out mid-run. */
async function seedProducts(stack: RunningStack, prng: Prng, opts: ChaosOptions): Promise<string[]> {
  const url = stack.services.find((s) => s.name === 'inventory')!.url;
  // Two lines of two units on average per order, spread over the SKUs.
  const demandPerSku = (opts.orders * 4) / opts.skus;
  const skus: string[] = [];
  for (let i = 0; i < opts.skus; i++) {
    const sku = `CHAOS-${opts.seed}-${i}`;
    const initialStock = Math.max(1, Math.round(demandPerSku * (0.3 + prng.next() * 1.2)));
    const res = await fetch(`${url}/products`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        sku,
        name: sku,
        unitPrice: prng.int(100, 5_000),
        currency: 'EUR',
        initialStock,
      }),
    });
    if (res.status !== 201) throw new Error(`seeding ${sku}: HTTP ${res.status} ${await res.text()}`);
    skus.push(sku);
  }
  return skus;
}

interface PlannedOrder {
  n: number;
  customerId: string;
  items: { sku: string; quantity: number }[];
  cancelAfterMs: number | null;
  fulfilAfterMs: number | null;
}

/** Every random choice of order n comes from the PRNG in order, before any I/O: the same seed, the same orders. */
function planOrders(prng: Prng, skus: string[], opts: ChaosOptions): PlannedOrder[] {
  return Array.from({ length: opts.orders }, (_, n) => {
    const customerId = prng.chance(opts.declinedCustomerRate) ? prng.pick(DECLINING_CUSTOMERS) : prng.uuid();
    const lines = prng.int(1, 3);
    const items = new Map<string, number>();
    for (let i = 0; i < lines; i++) items.set(prng.pick(skus), prng.int(1, 3));
    // A few orders name a SKU inventory does not know (UNKNOWN_SKU).
    if (prng.chance(0.01)) items.set(`CHAOS-UNKNOWN-${n}`, 1);
    return {
      n,
      customerId,
      items: [...items].map(([sku, quantity]) => ({ sku, quantity })),
      cancelAfterMs: prng.chance(opts.cancelRate) ? prng.int(0, 3_000) : null,
      fulfilAfterMs: prng.chance(opts.fulfilRate) ? prng.int(1_000, 4_000) : null,
    };
  });
}

const MAX_IN_FLIGHT = 1_000;
/** Requests to the order service at once: more only queue up in its pool and turn into timeouts (500s). */
const MAX_CONCURRENT_REQUESTS = 32;

/** A counting semaphore: at most `limit` holders at once, the rest wait in arrival order. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try {
      return await fn();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.active--;
    }
  }
}

async function placeLoad(
  stack: RunningStack,
  prng: Prng,
  skus: string[],
  opts: ChaosOptions,
  figures: ChaosFigures,
  log: (line: string) => void,
): Promise<void> {
  const orderUrl = stack.services.find((s) => s.name === 'order')!.url;
  const plan = planOrders(prng, skus, opts);
  const http = new Semaphore(MAX_CONCURRENT_REQUESTS);
  const fulfiller = new Fulfiller(stack.databaseUrls.order, orderUrl, http, figures.fulfils);
  const fulfilling = fulfiller.run();
  const inFlight = new Set<Promise<void>>();
  const follow: Promise<void>[] = [];
  const start = Date.now();
  let lastReport = start;
  let lastPlaced = start;
  try {
    for (const p of plan) {
      const due = start + (p.n * 1000) / opts.rate;
      if (due > Date.now()) await sleep(due - Date.now());
      // Back-pressure only while the order service is down long enough for retries to pile up.
      while (inFlight.size >= MAX_IN_FLIGHT) await Promise.race(inFlight);
      const task = (async () => {
        const placed = await placeWithRetry(orderUrl, opts.seed, p, http);
        if (placed.id === null) {
          figures.placeFailures++;
          figures.placeFailureReasons[placed.why] = (figures.placeFailureReasons[placed.why] ?? 0) + 1;
          return;
        }
        figures.ordersPlaced++;
        lastPlaced = Date.now();
        if (p.cancelAfterMs !== null)
          follow.push(command(orderUrl, placed.id, 'cancel', p.cancelAfterMs, figures.cancels, 200, http));
        if (p.fulfilAfterMs !== null) fulfiller.add(placed.id, p.fulfilAfterMs);
      })();
      inFlight.add(task);
      void task.finally(() => inFlight.delete(task));
      if (Date.now() - lastReport > 5_000) {
        lastReport = Date.now();
        log(`chaos: ${p.n + 1}/${opts.orders} orders sent, ${figures.ordersPlaced} placed`);
      }
    }
    await Promise.all(inFlight);
    figures.placedPerSecond =
      Math.round((figures.ordersPlaced / ((lastPlaced - start) / 1000 || 1)) * 10) / 10;
    await Promise.all(follow);
  } finally {
    fulfiller.close();
    await fulfilling;
  }
}

/** POST /orders with an Idempotency-Key, retried through crashes and restarts: the same key always means one order. */
async function placeWithRetry(
  url: string,
  seed: number,
  p: PlannedOrder,
  http: Semaphore,
): Promise<{ id: string; why?: undefined } | { id: null; why: string }> {
  const deadline = Date.now() + 180_000;
  let why = 'timed out';
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    try {
      const res = await http.run(() =>
        fetch(`${url}/orders`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': `chaos-${seed}-${p.n}` },
          body: JSON.stringify({ customerId: p.customerId, items: p.items }),
          signal: AbortSignal.timeout(15_000),
        }),
      );
      if (res.status === 200 || res.status === 201) return { id: ((await res.json()) as { id: string }).id };
      why = `HTTP ${res.status}`;
      if (res.status < 500) return { id: null, why: `${why}: ${(await res.text()).slice(0, 120)}` };
    } catch (err) {
      // connection refused/reset while the service restarts: retry
      why = (err as Error).name === 'TimeoutError' ? 'request timeout' : 'connection error';
    }
    await sleep(Math.min(2_000, 100 * attempt));
  }
  return { id: null, why };
}

/**
 * Fulfils only CONFIRMED orders, as a warehouse would: once an order's delay has passed, it is fulfilled as soon as
 * the order database shows it CONFIRMED (one query a second for all due orders, instead of polling the API per
 * order); orders that end otherwise are dropped; PENDING ones are retried for up to two minutes.
 */
class Fulfiller {
  private readonly due = new Map<string, { at: number; giveUpAt: number }>();
  private closed = false;
  private readonly sent: Promise<void>[] = [];

  constructor(
    private readonly orderDb: string,
    private readonly orderUrl: string,
    private readonly http: Semaphore,
    private readonly tally: Counter,
  ) {}

  add(id: string, afterMs: number): void {
    const at = Date.now() + afterMs;
    this.due.set(id, { at, giveUpAt: at + 120_000 });
  }

  close(): void {
    this.closed = true;
  }

  async run(): Promise<void> {
    while (!this.closed || this.due.size) {
      await sleep(1_000);
      const now = Date.now();
      const ready = [...this.due].filter(([, d]) => d.at <= now).map(([id]) => id);
      if (!ready.length) continue;
      let statuses: Map<string, string>;
      try {
        statuses = await orderStatuses(this.orderDb, ready);
      } catch {
        continue; // the database is busy; next tick
      }
      for (const id of ready) {
        const status = statuses.get(id);
        if (status === 'PENDING' && now < this.due.get(id)!.giveUpAt) continue;
        this.due.delete(id);
        if (status === 'CONFIRMED')
          this.sent.push(command(this.orderUrl, id, 'fulfill', 0, this.tally, 202, this.http));
      }
    }
    await Promise.all(this.sent);
  }
}

async function orderStatuses(orderDb: string, ids: string[]): Promise<Map<string, string>> {
  const c = new Client({ connectionString: orderDb });
  await c.connect();
  try {
    const rows = await c.query<{ id: string; status: string }>(
      'SELECT id, status FROM orders WHERE id = ANY($1::uuid[])',
      [ids],
    );
    return new Map(rows.rows.map((r) => [r.id, r.status]));
  } finally {
    await c.end();
  }
}

/** A cancel or fulfil request after a delay, retried through restarts; 409 means the order no longer allows it. */
async function command(
  url: string,
  id: string,
  action: 'cancel' | 'fulfill',
  delayMs: number,
  tally: Counter,
  okStatus: number,
  http: Semaphore,
): Promise<void> {
  await sleep(delayMs);
  tally.requested++;
  const deadline = Date.now() + 180_000;
  for (let attempt = 1; Date.now() < deadline; attempt++) {
    try {
      const res = await http.run(() =>
        fetch(`${url}/orders/${id}/${action}`, { method: 'POST', signal: AbortSignal.timeout(15_000) }),
      );
      if (res.status === okStatus) {
        tally.accepted++;
        return;
      }
      if (res.status === 409) {
        tally.refused++;
        return;
      }
      if (res.status < 500) {
        tally.failed++;
        return;
      }
    } catch {
      // the order service is restarting
    }
    await sleep(Math.min(2_000, 100 * attempt));
  }
  tally.failed++;
}

/** Restarts services that die (crash-after-commit) and performs deliberate kills; re-applies toggles when ready. */
class Supervisor {
  stopping = false;
  kills = 0;
  crashes = 0;
  onReady: (name: ServiceName) => Promise<void> = async () => undefined;
  private readonly restarting = new Map<ServiceName, Promise<void>>();

  constructor(
    private readonly stack: RunningStack,
    private readonly log: (line: string) => void,
    private readonly faults: FaultTally,
  ) {}

  watch(s: ServiceProcess): void {
    const child = s.child;
    child.once('exit', (code, signal) => {
      if (this.stopping || this.restarting.has(s.name) || s.child !== child) return;
      this.crashes++;
      this.log(`chaos: ${s.name} exited by itself (${signal ?? `code ${code}`}); restarting`);
      void this.restart(s.name);
    });
  }

  async ready(s: ServiceProcess): Promise<void> {
    await waitForHttpOk(
      `${s.url}/health/ready`,
      90_000,
      () => s.child.exitCode === null && !s.child.signalCode,
    );
  }

  /** SIGKILL and restart; false when the service is already restarting. */
  async kill(name: ServiceName): Promise<boolean> {
    if (this.restarting.has(name) || this.stopping) return false;
    this.kills++;
    this.log(`chaos: SIGKILL ${name}`);
    await this.restart(name);
    return true;
  }

  restart(name: ServiceName): Promise<void> {
    const running = this.restarting.get(name);
    if (running) return running;
    const job = (async () => {
      // A service may die again while it boots (a crash fault while draining its backlog): spawn until ready.
      for (let attempt = 1; attempt <= 20 && !this.stopping; attempt++) {
        this.faults.bank(name);
        const s = await this.stack.restartService(name);
        try {
          await this.ready(s);
          await this.onReady(name);
          this.watch(s);
          if (s.child.exitCode === null && !s.child.signalCode) return;
        } catch (err) {
          this.log(`chaos: ${name} did not come back (${(err as Error).message}); again`);
        }
      }
      throw new Error(`${name} did not come back after repeated restarts`);
    })().finally(() => this.restarting.delete(name));
    this.restarting.set(name, job);
    return job;
  }

  async idle(): Promise<void> {
    while (this.restarting.size) await Promise.allSettled([...this.restarting.values()]);
    await Promise.all(this.stack.services.map((s) => this.ready(s)));
  }
}

/** Fault counters survive restarts: what a process last reported is banked before it is replaced. */
class FaultTally {
  private readonly banked: Record<string, number> = {};
  private readonly current = new Map<ServiceName, Record<string, number>>();

  async scrape(services: ServiceProcess[]): Promise<void> {
    await Promise.all(
      services.map(async (s) => {
        const counts = await scrapeFaults(s.url);
        if (counts) this.current.set(s.name, counts);
      }),
    );
  }

  bank(name: ServiceName): void {
    for (const [fault, n] of Object.entries(this.current.get(name) ?? {}))
      this.banked[fault] = (this.banked[fault] ?? 0) + n;
    this.current.delete(name);
  }

  total(): Record<string, number> {
    const out = { ...this.banked };
    for (const counts of this.current.values())
      for (const [fault, n] of Object.entries(counts)) out[fault] = (out[fault] ?? 0) + n;
    return out;
  }
}

/** The toggles each service should have; re-applied after every restart (they live in the process). */
class ToggleControl {
  available = true;
  private warned = false;
  private readonly desired: Record<ServiceName, ChaosToggles>;

  constructor(
    private readonly stack: RunningStack,
    private readonly token: string,
    private readonly opts: ChaosOptions,
    private readonly log: (line: string) => void,
  ) {
    const common = (i: number): ChaosToggles => ({
      seed: opts.seed + i,
      handlerFailureRate: 0.05,
      duplicateDeliveryRate: 0.05,
      crashAfterCommitRate: opts.kill ? opts.crashRate : 0,
    });
    this.desired = {
      order: common(1),
      inventory: common(2),
      payment: {
        ...common(3),
        paymentDeclineRate: 0.05,
        gatewayLatencyMs: 20,
        gatewayJitterMs: 30,
        gatewayFailureRate: 0.02,
      },
    };
  }

  private admin(name: ServiceName): ChaosAdmin {
    return new ChaosAdmin(this.stack.services.find((s) => s.name === name)!.url, this.token);
  }

  async apply(name: ServiceName): Promise<void> {
    if (!this.opts.toggles || !this.available) return;
    try {
      await this.admin(name).set(this.desired[name]);
    } catch (err) {
      if (err instanceof ChaosApiMissingError) {
        this.available = false;
        if (!this.warned) {
          this.warned = true;
          this.log(
            `chaos: WARNING ${err.message}; running without chaos toggles (kills and broker restarts only)`,
          );
        }
        return;
      }
      this.log(`chaos: setting toggles on ${name} failed: ${(err as Error).message}`);
    }
  }

  async update(name: ServiceName, change: ChaosToggles): Promise<void> {
    this.desired[name] = { ...this.desired[name], ...change };
    await this.apply(name);
  }

  async reset(name: ServiceName): Promise<void> {
    for (const s of SERVICES) this.desired[s] = {};
    try {
      await this.admin(name).reset();
    } catch (err) {
      this.log(`chaos: resetting toggles on ${name} failed: ${(err as Error).message}`);
    }
  }
}

/**
 * Nothing left to do, twice in a row: every outbox published, every group caught up, no PENDING order, no fulfilment
 * under way. Returns false on timeout.
 */
async function waitQuiescent(
  stack: RunningStack,
  timeoutMs: number,
  supervisor: Supervisor,
): Promise<boolean> {
  const kafka = createKafka(
    { brokers: [stack.broker.address], clientId: 'chaos-quiescence' },
    () => undefined,
  );
  const deadline = Date.now() + timeoutMs;
  let streak = 0;
  while (Date.now() < deadline) {
    let idle = false;
    try {
      await supervisor.idle();
      idle = await isIdle(stack, kafka);
    } catch {
      idle = false;
    }
    streak = idle ? streak + 1 : 0;
    if (streak >= 2) return true;
    await sleep(500);
  }
  return false;
}

async function isIdle(stack: RunningStack, kafka: ReturnType<typeof createKafka>): Promise<boolean> {
  for (const s of SERVICES) {
    const c = new Client({ connectionString: stack.databaseUrls[s] });
    await c.connect();
    try {
      const backlog = Number(
        (await c.query('SELECT count(*) AS n FROM outbox WHERE published_at IS NULL')).rows[0].n,
      );
      if (backlog > 0) return false;
      if (s === 'order') {
        const open = Number(
          (
            await c.query(
              `SELECT count(*) AS n FROM orders
                WHERE status = 'PENDING' OR (status = 'CONFIRMED' AND fulfillment_requested_at IS NOT NULL)`,
            )
          ).rows[0].n,
        );
        if (open > 0) return false;
      }
    } finally {
      await c.end();
    }
    const lag = await consumerLag(kafka, `${s}-service`, CONSUMED_TOPICS[s]);
    if (lag.some((p) => p.lag > 0)) return false;
  }
  return true;
}

async function outcomes(orderUrl: string): Promise<Pick<ChaosFigures, 'byStatus' | 'cancellationReasons'>> {
  const c = new Client({ connectionString: orderUrl });
  await c.connect();
  try {
    const rows = (
      await c.query<{ status: string; reason: string | null; n: string }>(
        `SELECT status, cancellation_reason AS reason, count(*) AS n FROM orders GROUP BY 1, 2 ORDER BY 1, 2`,
      )
    ).rows;
    const byStatus: Record<string, number> = {};
    const cancellationReasons: Record<string, number> = {};
    for (const r of rows) {
      byStatus[r.status] = (byStatus[r.status] ?? 0) + Number(r.n);
      if (r.status === 'CANCELLED') cancellationReasons[r.reason ?? 'none'] = Number(r.n);
    }
    return { byStatus, cancellationReasons };
  } finally {
    await c.end();
  }
}
