export * from './unit-of-work';
export * from './run-outbox';
export * from './units';
export * from './reactions';
