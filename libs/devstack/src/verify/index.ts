import { CheckOptions, runChecks } from './checks';
import { buildReport, VerifyReport } from './report';
import { Connections, loadWorld } from './world';

export * from './checks';
export * from './report';
export * from './world';

/** Reads the three databases and the topics, runs every invariant check, and returns the report. */
export async function verifySystem(
  conn: Connections,
  options: Partial<CheckOptions> = {},
): Promise<VerifyReport> {
  const world = await loadWorld(conn);
  return buildReport(world, runChecks(world, options));
}
