/**
 * Work that must run when the service stops, registered by code that starts before Nest (the tracing SDK flushes its
 * last spans here). Plain module, no framework imports: it is loaded before Nest is.
 */
const tasks: (() => Promise<void>)[] = [];

export function onProcessShutdown(task: () => Promise<void>): void {
  tasks.push(task);
}

export async function runProcessShutdownTasks(): Promise<void> {
  for (const task of tasks.splice(0)) {
    // The process is stopping: report a failed task (e.g. spans that could not be flushed) and run the others.
    await task().catch((err: unknown) =>
      process.stderr.write(`shutdown task failed: ${err instanceof Error ? err.message : String(err)}\n`),
    );
  }
}
