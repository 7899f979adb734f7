import { InvalidOrderError } from './order.errors';
import { OrderStatus } from './order-status';

export const MAX_ORDER_LINES = 100;
export const MAX_LINE_QUANTITY = 10_000;

export interface OrderLine {
  sku: string;
  quantity: number;
}

export interface OrderSnapshot {
  id: string;
  customerId: string;
  status: OrderStatus;
  lines: OrderLine[];
  totalAmount: number | null;
  currency: string | null;
  cancellationReason: string | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

/**
 * The order aggregate. Invariants: 1..100 lines, one line per SKU, quantities are positive integers.
 * Prices are unknown when the order is placed: inventory prices it (clients never send prices).
 */
export class Order {
  private constructor(private state: OrderSnapshot) {}

  static place(input: { id: string; customerId: string; lines: OrderLine[]; now: Date }): Order {
    const { lines } = input;
    if (lines.length === 0) throw new InvalidOrderError('ORDER.NO_LINES', 'An order needs at least one line');
    if (lines.length > MAX_ORDER_LINES) {
      throw new InvalidOrderError('ORDER.TOO_MANY_LINES', `An order has at most ${MAX_ORDER_LINES} lines`, {
        lines: lines.length,
      });
    }
    const seen = new Set<string>();
    for (const line of lines) {
      if (!Number.isInteger(line.quantity) || line.quantity < 1 || line.quantity > MAX_LINE_QUANTITY) {
        throw new InvalidOrderError('ORDER.INVALID_QUANTITY', `Quantity for ${line.sku} must be 1..${MAX_LINE_QUANTITY}`, {
          sku: line.sku,
          quantity: line.quantity,
        });
      }
      if (seen.has(line.sku)) {
        throw new InvalidOrderError('ORDER.DUPLICATE_SKU', `SKU ${line.sku} appears more than once`, { sku: line.sku });
      }
      seen.add(line.sku);
    }
    return new Order({
      id: input.id,
      customerId: input.customerId,
      status: 'PENDING',
      lines: lines.map((l) => ({ ...l })),
      totalAmount: null,
      currency: null,
      cancellationReason: null,
      version: 0,
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  static restore(snapshot: OrderSnapshot): Order {
    return new Order({ ...snapshot, lines: snapshot.lines.map((l) => ({ ...l })) });
  }

  get id(): string {
    return this.state.id;
  }

  get status(): OrderStatus {
    return this.state.status;
  }

  snapshot(): OrderSnapshot {
    return { ...this.state, lines: this.state.lines.map((l) => ({ ...l })) };
  }
}
