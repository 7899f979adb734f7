import CircuitBreaker from 'opossum';
import {
  AuthorizationRequest,
  AuthorizationResult,
  GatewayRequestError,
  GatewayUnavailableError,
  PaymentGateway,
} from '../../domain/payment-gateway';

export interface BreakerSettings {
  /** A call slower than this counts as a failure (and the caller gets GatewayUnavailableError). */
  timeoutMs: number;
  /** Failure percentage within the rolling window that opens the circuit. */
  errorThresholdPercent: number;
  /** How long the circuit stays open before one trial call (half-open). */
  resetTimeoutMs: number;
  /** Calls in the rolling window before the circuit may open at all. */
  volumeThreshold: number;
}

export type CircuitState = 'closed' | 'half-open' | 'open';

/** Gauge values of ordermesh_payment_gateway_circuit_state. */
export const CIRCUIT_STATE_VALUE: Record<CircuitState, number> = { closed: 0, 'half-open': 1, open: 2 };

export type BreakerEvent = 'open' | 'half_open' | 'close' | 'success' | 'failure' | 'timeout' | 'reject';

export interface BreakerObserver {
  state?(state: CircuitState): void;
  event?(event: BreakerEvent): void;
}

type Call = () => Promise<unknown>;

/**
 * The gateway behind a circuit breaker. A decline is an answer (the call succeeded), and so is a refused request
 * (GatewayRequestError: the gateway answered 4xx); only technical failures and timeouts count against the circuit.
 * Every technical failure, and every call refused because the circuit is open, surfaces as GatewayUnavailableError.
 */
export class CircuitBreakerPaymentGateway implements PaymentGateway {
  private readonly breaker: CircuitBreaker<[Call], unknown>;

  constructor(
    private readonly inner: PaymentGateway,
    settings: BreakerSettings,
    observer: BreakerObserver = {},
  ) {
    this.breaker = new CircuitBreaker<[Call], unknown>((call) => call(), {
      timeout: settings.timeoutMs,
      errorThresholdPercentage: settings.errorThresholdPercent,
      resetTimeout: settings.resetTimeoutMs,
      volumeThreshold: settings.volumeThreshold,
      errorFilter: (err: unknown) => err instanceof GatewayRequestError,
    });
    const on = (name: string, event: BreakerEvent, state?: CircuitState) =>
      this.breaker.on(name as 'success', () => {
        if (state) observer.state?.(state);
        observer.event?.(event);
      });
    on('open', 'open', 'open');
    on('halfOpen', 'half_open', 'half-open');
    on('close', 'close', 'closed');
    on('success', 'success');
    on('failure', 'failure');
    on('timeout', 'timeout');
    on('reject', 'reject');
    observer.state?.('closed');
  }

  get state(): CircuitState {
    if (this.breaker.opened) return 'open';
    if (this.breaker.halfOpen) return 'half-open';
    return 'closed';
  }

  authorize(request: AuthorizationRequest): Promise<AuthorizationResult> {
    return this.run('authorize', () => this.inner.authorize(request));
  }

  void(ref: string): Promise<void> {
    return this.run('void', () => this.inner.void(ref));
  }

  capture(ref: string, amount: number): Promise<void> {
    return this.run('capture', () => this.inner.capture(ref, amount));
  }

  refund(ref: string, amount: number): Promise<void> {
    return this.run('refund', () => this.inner.refund(ref, amount));
  }

  /** Stops the breaker's rolling-window timer. */
  shutdown(): void {
    this.breaker.shutdown();
  }

  private async run<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return (await this.breaker.fire(call)) as T;
    } catch (err) {
      if (err instanceof GatewayRequestError) throw err;
      if ((err as { code?: unknown }).code === 'EOPENBREAKER') {
        throw new GatewayUnavailableError(
          `payment gateway ${operation}: circuit open`,
          'PAYMENT.GATEWAY_CIRCUIT_OPEN',
          { cause: err },
        );
      }
      throw new GatewayUnavailableError(
        `payment gateway ${operation} failed: ${(err as Error).message ?? String(err)}`,
        'PAYMENT.GATEWAY_UNAVAILABLE',
        { cause: err },
      );
    }
  }
}
