import { provideReactions } from '@ordermesh/platform';
import { AuthorizePaymentWhenStockReserved } from '../../application/authorize-payment-when-stock-reserved/authorize-payment-when-stock-reserved.handler';
import { CapturePaymentWhenFulfillmentRequested } from '../../application/capture-payment-when-fulfillment-requested/capture-payment-when-fulfillment-requested.handler';
import { VoidOrRefundWhenOrderCancelled } from '../../application/void-or-refund-when-order-cancelled/void-or-refund-when-order-cancelled.handler';
import { SqlPaymentUnitOfWork } from '../../infrastructure/sql/payment-unit-of-work';

/**
 * The payment service's saga table: every event it consumes and the reaction that handles it (ARCHITECTURE.md,
 * "Saga"). The platform validates each event, records it in the inbox and runs the reactions of a consumed run as one
 * unit of work over the orders they claim.
 */
export const paymentReactions = provideReactions({
  producer: { service: 'payment', aggregateType: 'payment' },
  store: SqlPaymentUnitOfWork,
  reactions: {
    StockReserved: AuthorizePaymentWhenStockReserved,
    OrderCancelled: VoidOrRefundWhenOrderCancelled,
    OrderFulfillmentRequested: CapturePaymentWhenFulfillmentRequested,
  },
});
