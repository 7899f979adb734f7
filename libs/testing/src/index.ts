export * from './test-database';
export * from './http';
export * from './jest/cluster-env';
export { freePort, migrationsDir, SERVICES, workspaceRoot } from '@ordermesh/devstack';
export type { ServiceName } from '@ordermesh/devstack';
export * from './saga-stack';
export * from './consumer-runs';
