import { DeclineReason } from './payment';

export const PAYMENT_GATEWAY = Symbol('PAYMENT_GATEWAY');

export interface AuthorizationRequest {
  /**
   * The gateway deduplicates on this key: asking again with the same key returns the first answer (same reference,
   * no second hold). The payment service passes the order id, since an order is authorized at most once.
   */
  idempotencyKey: string;
  customerId: string;
  /** Integer minor units. */
  amount: number;
  currency: string;
}

/**
 * The gateway refused the request itself (a real gateway's 4xx: unknown reference, malformed amount). Asking again
 * cannot help, unlike a thrown network error or outage.
 */
export class GatewayRequestError extends Error {
  readonly code = 'PAYMENT.GATEWAY_REQUEST_REFUSED';
}

/**
 * The gateway could not be asked: outage, timeout, or the circuit breaker is open. Nothing was decided, so the
 * caller must neither decline nor give up; asking later may succeed.
 */
export class GatewayUnavailableError extends Error {
  constructor(
    message: string,
    readonly reason: 'PAYMENT.GATEWAY_UNAVAILABLE' | 'PAYMENT.GATEWAY_CIRCUIT_OPEN',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type AuthorizationResult =
  { approved: true; ref: string } | { approved: false; reason: DeclineReason };

/**
 * The payment gateway (card processor). A declined authorization is an answer, not an error; a thrown error means
 * the gateway could not be asked (network, outage) and the caller may retry. Void, capture and refund act on an
 * authorization reference and must be safe to repeat with the same arguments.
 */
export interface PaymentGateway {
  authorize(request: AuthorizationRequest): Promise<AuthorizationResult>;
  void(ref: string): Promise<void>;
  capture(ref: string, amount: number): Promise<void>;
  refund(ref: string, amount: number): Promise<void>;
}
