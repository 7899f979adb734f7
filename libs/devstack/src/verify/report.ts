import { CheckResult } from './checks';
import { World } from './world';

export interface VerifyReport {
  ok: boolean;
  checkedAt: string;
  totals: {
    orders: number;
    byStatus: Record<string, number>;
    skus: number;
    payments: number;
    dlqMessages: number;
  };
  /** Consumer-group lag when the snapshot was taken (null: not readable). */
  lag: Record<string, number> | null;
  checks: CheckResult[];
}

export function buildReport(world: World, checks: CheckResult[]): VerifyReport {
  const byStatus: Record<string, number> = {};
  for (const o of world.orders) byStatus[o.status] = (byStatus[o.status] ?? 0) + 1;
  return {
    ok: checks.every((c) => c.violations === 0),
    checkedAt: world.now.toISOString(),
    totals: {
      orders: world.orders.length,
      byStatus,
      skus: world.stock.length,
      payments: world.payments.length,
      dlqMessages: world.dlq.length,
    },
    lag: world.lag,
    checks,
  };
}

/** A fixed-width table: check, status, violations, examples (each with why it failed), then a summary line. */
export function formatReport(report: VerifyReport): string {
  const rows = report.checks.map((c) => [
    c.name,
    c.violations ? 'FAIL' : 'ok',
    String(c.violations),
    c.examples.map((id, i) => `${id} (${c.details[i]})`).join('; ') || '-',
  ]);
  const head = ['CHECK', 'STATUS', 'VIOLATIONS', 'EXAMPLES'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (i < 3 ? r[i]!.length : 0))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i < 3 ? c.padEnd(widths[i]!) : c))
      .join('  ')
      .trimEnd();
  const failed = report.checks.filter((c) => c.violations);
  const statuses = Object.entries(report.totals.byStatus)
    .map(([s, n]) => `${s} ${n}`)
    .join(', ');
  return [
    line(head),
    ...rows.map(line),
    '',
    `${report.totals.orders} orders (${statuses || 'none'}), ${report.totals.skus} SKUs, ` +
      `${report.totals.payments} payments, ${report.totals.dlqMessages} DLQ messages; consumer lag ` +
      (report.lag ? Object.values(report.lag).reduce((a, b) => a + b, 0) : 'unknown'),
    report.ok
      ? `verify: all ${report.checks.length} checks passed`
      : `verify: ${failed.length} of ${report.checks.length} checks FAILED (${failed.map((c) => c.name).join(', ')})`,
  ].join('\n');
}
