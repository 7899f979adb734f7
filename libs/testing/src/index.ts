export * from './workspace';
export * from './net';
export * from './postgres-cluster';
export * from './test-database';
export * from './http';
export * from './jest/cluster-env';
