export * from './chaos-toggles';
export * from './chaos.dto';
export * from './chaos.module';
export * from './chaos.service';
export { mulberry32 } from './prng';
