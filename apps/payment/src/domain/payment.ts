import { InvalidPaymentError } from './payment.errors';

export const PAYMENT_STATUSES = ['AUTHORIZED', 'DECLINED', 'VOIDED', 'CAPTURED', 'REFUNDED'] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/** Why the gateway refused an authorization. */
export const DECLINE_REASONS = ['INSUFFICIENT_FUNDS', 'CARD_BLOCKED', 'FRAUD_SUSPECTED'] as const;
export type DeclineReason = (typeof DECLINE_REASONS)[number];

/** A payment for one order. Amounts are integer minor units. */
export interface PaymentSnapshot {
  id: string;
  orderId: string;
  customerId: string;
  amount: number;
  currency: string;
  status: PaymentStatus;
  declineReason: string | null;
  /** The gateway's authorization reference; null only for a declined payment. */
  gatewayRef: string | null;
  capturedAmount: number;
  refundedAmount: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The outcome of a guarded transition. `changed: false` means the payment was not in the required state and
 * nothing happened: a redelivered or late event is harmless. `changed: true` carries what the gateway must be told.
 */
export type Transition =
  { changed: true; gatewayRef: string; amount: number } | { changed: false; status: PaymentStatus };

/** What cancelling the order asks of this payment. */
export type Compensation = 'VOID' | 'REFUND' | 'NONE';

interface NewPayment {
  id: string;
  orderId: string;
  customerId: string;
  amount: number;
  currency: string;
  now: Date;
}

/** Throws unless `amount` is integer minor units (non-negative, exactly representable). */
export function assertMinorUnits(amount: number): void {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new InvalidPaymentError('PAYMENT.INVALID_AMOUNT', 'Amounts are non-negative integer minor units', {
      amount,
    });
  }
}

/**
 * The payment of one order. AUTHORIZED → CAPTURED → REFUNDED, AUTHORIZED → VOIDED, or DECLINED from the start.
 * Invariants: captured ≤ amount, refunded ≤ captured (also CHECKs in the database); every money movement after the
 * authorization is for the full amount.
 */
export class Payment {
  private constructor(private state: PaymentSnapshot) {}

  /** The gateway approved: the amount is held on the customer's means of payment. */
  static authorize(input: NewPayment & { gatewayRef: string }): Payment {
    Payment.validate(input);
    if (!input.gatewayRef)
      throw new InvalidPaymentError(
        'PAYMENT.MISSING_GATEWAY_REF',
        'An authorization needs the gateway reference',
      );
    return new Payment(Payment.initial(input, 'AUTHORIZED', null, input.gatewayRef));
  }

  /** The gateway refused: recorded (so the order is not authorized twice) and never moves again. */
  static decline(input: NewPayment & { reason: DeclineReason }): Payment {
    Payment.validate(input);
    return new Payment(Payment.initial(input, 'DECLINED', input.reason, null));
  }

  static restore(snapshot: PaymentSnapshot): Payment {
    return new Payment({ ...snapshot });
  }

  get id(): string {
    return this.state.id;
  }

  get orderId(): string {
    return this.state.orderId;
  }

  get status(): PaymentStatus {
    return this.state.status;
  }

  get amount(): number {
    return this.state.amount;
  }

  get currency(): string {
    return this.state.currency;
  }

  /** AUTHORIZED → VOIDED: the hold is released; no money moved. */
  void(now: Date): Transition {
    if (this.state.status !== 'AUTHORIZED') return this.unchanged();
    return this.move('VOIDED', now, this.state.amount);
  }

  /** AUTHORIZED → CAPTURED for the full amount. Never a second capture. */
  capture(now: Date): Transition {
    if (this.state.status !== 'AUTHORIZED') return this.unchanged();
    this.state.capturedAmount = this.state.amount;
    return this.move('CAPTURED', now, this.state.capturedAmount);
  }

  /** CAPTURED → REFUNDED: everything captured goes back. */
  refund(now: Date): Transition {
    if (this.state.status !== 'CAPTURED') return this.unchanged();
    this.state.refundedAmount = this.state.capturedAmount;
    return this.move('REFUNDED', now, this.state.refundedAmount);
  }

  /** Cancelling the order voids a hold, refunds a capture, and leaves every other state alone. */
  compensationForCancellation(): Compensation {
    if (this.state.status === 'AUTHORIZED') return 'VOID';
    if (this.state.status === 'CAPTURED') return 'REFUND';
    return 'NONE';
  }

  snapshot(): PaymentSnapshot {
    return { ...this.state };
  }

  private move(status: PaymentStatus, now: Date, amount: number): Transition {
    const gatewayRef = this.state.gatewayRef;
    // Only AUTHORIZED and CAPTURED payments move, and both were created with a reference.
    if (!gatewayRef)
      throw new InvalidPaymentError(
        'PAYMENT.MISSING_GATEWAY_REF',
        `Payment ${this.state.id} has no gateway reference`,
      );
    this.state.status = status;
    this.state.updatedAt = now;
    return { changed: true, gatewayRef, amount };
  }

  private unchanged(): Transition {
    return { changed: false, status: this.state.status };
  }

  private static validate(input: NewPayment): void {
    assertMinorUnits(input.amount);
    if (!/^[A-Z]{3}$/.test(input.currency)) {
      throw new InvalidPaymentError('PAYMENT.INVALID_CURRENCY', 'Currency is an ISO 4217 code', {
        currency: input.currency,
      });
    }
  }

  private static initial(
    input: NewPayment,
    status: PaymentStatus,
    declineReason: DeclineReason | null,
    gatewayRef: string | null,
  ): PaymentSnapshot {
    return {
      id: input.id,
      orderId: input.orderId,
      customerId: input.customerId,
      amount: input.amount,
      currency: input.currency,
      status,
      declineReason,
      gatewayRef,
      capturedAmount: 0,
      refundedAmount: 0,
      createdAt: input.now,
      updatedAt: input.now,
    };
  }
}
