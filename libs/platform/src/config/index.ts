export * from './load-config';
export * from './env-decorators';
export * from './service-env';
