export const CLOCK = Symbol('CLOCK');
export interface Clock {
  now(): Date;
}

export const ID_GENERATOR = Symbol('ID_GENERATOR');
export interface IdGenerator {
  /** A new lower-case UUID. */
  next(): string;
}

export const RESERVATION_POLICY = Symbol('RESERVATION_POLICY');
export interface ReservationPolicy {
  /** How long a HELD reservation lasts before the sweep expires it. */
  ttlMs: number;
}
