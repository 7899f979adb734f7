import { randomBytes, randomUUID } from 'node:crypto';
import { eventually, SagaStack, withClient } from '@ordermesh/testing';

export interface OrderView {
  id: string;
  status: 'PENDING' | 'CONFIRMED' | 'FULFILLED' | 'CANCELLED';
  cancellationReason: string | null;
  total: { amount: number; currency: string } | null;
  fulfillmentRequestedAt: string | null;
  history: { eventType: string; producer: string; detail: Record<string, unknown> }[];
}

export interface StockView {
  available: number;
  reserved: number;
  committed: number;
}

/** Customers the mock gateway always declines (documented in the payment service). */
export const DECLINED_CUSTOMER = '00000000-0000-4000-8000-000000000402';

export function newSku(prefix = 'SKU'): string {
  return `${prefix}-${randomBytes(4).toString('hex').toUpperCase()}`;
}

export async function createProduct(
  stack: SagaStack,
  sku: string,
  stock: number,
  unitPrice = 1299,
): Promise<void> {
  const res = await stack.http('inventory', 'POST', '/products', {
    sku,
    name: sku,
    unitPrice,
    currency: 'EUR',
    initialStock: stock,
  });
  if (res.status !== 201) throw new Error(`product ${sku}: ${res.status} ${JSON.stringify(res.body)}`);
}

export async function placeOrder(
  stack: SagaStack,
  items: { sku: string; quantity: number }[],
  customerId: string = randomUUID(),
): Promise<string> {
  const res = await stack.http<{ id: string }>('order', 'POST', '/orders', { customerId, items });
  if (res.status !== 201) throw new Error(`order: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function getOrder(stack: SagaStack, id: string): Promise<OrderView> {
  return (await stack.http<OrderView>('order', 'GET', `/orders/${id}`)).body;
}

export function orderReaches(
  stack: SagaStack,
  id: string,
  status: OrderView['status'],
  timeoutMs = 20_000,
): Promise<OrderView> {
  return eventually(
    async () => {
      const order = await getOrder(stack, id);
      return order.status === status ? order : undefined;
    },
    timeoutMs,
    `order ${id} to be ${status}`,
  );
}

export async function stockOf(stack: SagaStack, sku: string): Promise<StockView> {
  return (await stack.http<{ stock: StockView }>('inventory', 'GET', `/products/${sku}`)).body.stock;
}

export async function paymentsOf(
  stack: SagaStack,
  orderId: string,
): Promise<{ status: string; amount: number }[]> {
  return (
    await stack.http<{ status: string; amount: number }[]>('payment', 'GET', `/payments?orderId=${orderId}`)
  ).body;
}

/** Waits until `probe` stays equal for `quietMs` (the saga has settled). */
export async function settled<T>(probe: () => Promise<T>, quietMs = 1_500, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = JSON.stringify(await probe());
  let since = Date.now();
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const now = JSON.stringify(await probe());
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return JSON.parse(now) as T;
  }
  throw new Error('the system did not settle');
}

export async function countRows(url: string, sql: string, params: unknown[] = []): Promise<number> {
  return withClient(url, async (c) => Number((await c.query(sql, params)).rows[0].n));
}
