import { provideReactions } from '@ordermesh/platform';
import { CommitStockWhenFulfillmentRequested } from '../../application/commit-stock-when-fulfillment-requested/commit-stock-when-fulfillment-requested.handler';
import { ConfirmReservationWhenPaymentAuthorized } from '../../application/confirm-reservation-when-payment-authorized/confirm-reservation-when-payment-authorized.handler';
import { INVENTORY_COMMANDS } from '../../application/ports/inventory-unit-of-work.port';
import { ReleaseStockWhenOrderCancelled } from '../../application/release-stock-when-order-cancelled/release-stock-when-order-cancelled.handler';
import { ReserveStockWhenOrderPlaced } from '../../application/reserve-stock-when-order-placed/reserve-stock-when-order-placed.handler';
import { SqlInventoryUnitOfWork } from '../../infrastructure/sql/inventory-unit-of-work';

/**
 * The inventory service's saga table: every event it consumes and the reaction that handles it (ARCHITECTURE.md,
 * "Saga"). A consumed run is one unit of work over what its reactions claim; the expiry sweep uses the same unit of
 * work as a command.
 */
export const inventoryReactions = provideReactions({
  producer: { service: 'inventory', aggregateType: 'reservation' },
  store: SqlInventoryUnitOfWork,
  commands: INVENTORY_COMMANDS,
  reactions: {
    OrderPlaced: ReserveStockWhenOrderPlaced,
    PaymentAuthorized: ConfirmReservationWhenPaymentAuthorized,
    OrderCancelled: ReleaseStockWhenOrderCancelled,
    OrderFulfillmentRequested: CommitStockWhenFulfillmentRequested,
  },
});
