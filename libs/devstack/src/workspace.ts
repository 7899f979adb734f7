import { existsSync } from 'node:fs';
import path from 'node:path';

/** The repository root (the folder holding nx.json), found from this file whether run from src or dist. */
export function workspaceRoot(): string {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'nx.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error('cannot find the workspace root (nx.json) above ' + __dirname);
    dir = parent;
  }
  return dir;
}

export const SERVICES = ['order', 'inventory', 'payment'] as const;
export type ServiceName = (typeof SERVICES)[number];

export function migrationsDir(service: ServiceName): string {
  return path.join(workspaceRoot(), 'prisma', service, 'migrations');
}
