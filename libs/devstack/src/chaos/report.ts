import { formatReport } from '../verify/report';
import { ChaosResult } from './runner';

const list = (r: Record<string, number>) =>
  Object.entries(r)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, n]) => `${k} ${n}`)
    .join(', ') || '-';

/** The human-readable report: run figures, then the checker's table. */
export function formatChaosReport(result: ChaosResult): string {
  const f = result.figures;
  const rows: [string, string][] = [
    ['seed', String(f.seed)],
    ['broker', f.broker],
    ['orders placed', `${f.ordersPlaced} of ${f.ordersRequested} (${f.placeFailures} not placed)`],
    ['final status', list(f.byStatus)],
    ['cancellation reasons', list(f.cancellationReasons)],
    [
      'cancels requested',
      `${f.cancels.requested} (accepted ${f.cancels.accepted}, refused 409 ${f.cancels.refused}, failed ${f.cancels.failed})`,
    ],
    [
      'fulfils requested',
      `${f.fulfils.requested} (accepted ${f.fulfils.accepted}, refused 409 ${f.fulfils.refused}, failed ${f.fulfils.failed})`,
    ],
    ['services SIGKILLed', String(f.kills)],
    ['crash-after-commit exits', String(f.crashRestarts)],
    ['broker restarts', String(f.brokerRestarts)],
    ['relay pauses', String(f.relayPauses)],
    ['chaos toggles', f.toggles],
    ['faults injected', list(f.faultsInjected)],
    [
      'load',
      `${f.loadSeconds.toFixed(1)}s (follow-up cancels/fulfils included), ${f.placedPerSecond} orders/s placed`,
    ],
    ['throughput', `${f.settledPerSecond} orders/s settled (load + quiescence)`],
    [
      'time to quiescence',
      `${f.quiescenceSeconds.toFixed(1)}s${f.quiescent ? '' : ' (TIMED OUT: not quiescent)'}`,
    ],
    ['total duration', `${f.totalSeconds.toFixed(1)}s`],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  return [
    '=== chaos run',
    ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
    '',
    '=== verify',
    result.verify ? formatReport(result.verify) : 'verify did not run',
    '',
    f.ok
      ? 'chaos: PASSED: every invariant holds'
      : `chaos: FAILED${f.quiescent ? '' : ' (not quiescent)'}; data kept in ${result.dataDir}`,
  ].join('\n');
}
