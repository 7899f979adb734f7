import { provideReactions } from '@ordermesh/platform';
import { CancelOrderWhenPaymentDeclined } from '../../application/cancel-order-when-payment-declined/cancel-order-when-payment-declined.handler';
import { CancelOrderWhenReservationExpired } from '../../application/cancel-order-when-reservation-expired/cancel-order-when-reservation-expired.handler';
import { CancelOrderWhenStockReservationFailed } from '../../application/cancel-order-when-stock-reservation-failed/cancel-order-when-stock-reservation-failed.handler';
import { CompleteFulfillmentWhenPaymentCaptured } from '../../application/complete-fulfillment-when-payment-captured/complete-fulfillment-when-payment-captured.handler';
import { CompleteFulfillmentWhenStockCommitted } from '../../application/complete-fulfillment-when-stock-committed/complete-fulfillment-when-stock-committed.handler';
import { ConfirmOrderWhenReservationConfirmed } from '../../application/confirm-order-when-reservation-confirmed/confirm-order-when-reservation-confirmed.handler';
import { ORDER_COMMANDS } from '../../application/ports/order-unit-of-work.port';
import { RecordCompensationWhenCompensated } from '../../application/record-compensation-when-compensated/record-compensation-when-compensated.handler';
import { RecordPaymentWhenPaymentAuthorized } from '../../application/record-payment-when-payment-authorized/record-payment-when-payment-authorized.handler';
import { RecordReservationWhenStockReserved } from '../../application/record-reservation-when-stock-reserved/record-reservation-when-stock-reserved.handler';
import { SqlOrderUnitOfWork } from '../../infrastructure/sql/order-unit-of-work';

/**
 * The order service's saga table: every event it consumes and the reaction that handles it (ARCHITECTURE.md, "Saga").
 * The platform validates each event, records it in the inbox and runs the reactions of a consumed run as one unit of
 * work over the orders they claim; customer commands (cancel, fulfil) use the same unit of work.
 */
export const orderReactions = provideReactions({
  producer: { service: 'order', aggregateType: 'order' },
  store: SqlOrderUnitOfWork,
  commands: ORDER_COMMANDS,
  reactions: {
    StockReserved: RecordReservationWhenStockReserved,
    StockReservationFailed: CancelOrderWhenStockReservationFailed,
    PaymentAuthorized: RecordPaymentWhenPaymentAuthorized,
    ReservationConfirmed: ConfirmOrderWhenReservationConfirmed,
    PaymentDeclined: CancelOrderWhenPaymentDeclined,
    ReservationExpired: CancelOrderWhenReservationExpired,
    StockCommitted: CompleteFulfillmentWhenStockCommitted,
    PaymentCaptured: CompleteFulfillmentWhenPaymentCaptured,
    StockReleased: RecordCompensationWhenCompensated,
    PaymentVoided: RecordCompensationWhenCompensated,
    PaymentRefunded: RecordCompensationWhenCompensated,
  },
});
