import { onProcessShutdown } from './process-shutdown';
import { startTracing, stopTracing } from './tracing';
import type { TracingOptions } from './tracing-options';

export interface ServiceMain<C extends { tracing: TracingOptions }> {
  name: string;
  loadConfig: () => C;
  /** Loads the app (dynamic imports) and runs it; called once tracing is up. */
  start: (config: C) => Promise<void>;
}

/**
 * A service process's entry: validate the configuration (fail fast), start OpenTelemetry, and only then load Nest and
 * the app, so the HTTP and PostgreSQL instrumentations patch those modules as they are first required.
 */
export function serviceMain<C extends { tracing: TracingOptions }>(def: ServiceMain<C>): void {
  const fail = (err: unknown) => {
    process.stderr.write(
      `${def.name} service failed to start: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    process.exit(1);
  };
  try {
    const config = def.loadConfig();
    startTracing(config.tracing);
    // The process ends with its app: flush the last spans then.
    onProcessShutdown(stopTracing);
    def.start(config).catch(fail);
  } catch (err) {
    fail(err);
  }
}
