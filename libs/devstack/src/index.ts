export * from './config';
export * from './net';
export * from './postgres-cluster';
export * from './stack';
export * from './workspace';
export * from './verify';
export * from './kafka';
