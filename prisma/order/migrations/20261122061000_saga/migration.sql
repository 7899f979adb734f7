-- AlterTable
ALTER TABLE "orders" ADD COLUMN "reservation_id" UUID,
ADD COLUMN "payment_id" UUID,
ADD COLUMN "correlation_id" TEXT,
ADD COLUMN "fulfillment_requested_at" TIMESTAMPTZ(3),
ADD COLUMN "stock_committed_at" TIMESTAMPTZ(3),
ADD COLUMN "payment_captured_at" TIMESTAMPTZ(3),
ADD COLUMN "terminal_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "order_history" (
    "id" BIGSERIAL NOT NULL,
    "order_id" UUID NOT NULL,
    "event_id" UUID NOT NULL,
    "event_type" TEXT NOT NULL,
    "producer" TEXT NOT NULL,
    "causation_id" UUID,
    "status_after" "OrderStatus" NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "recorded_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_history_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "order_history_order_id_event_id_key" ON "order_history"("order_id", "event_id");

-- CreateIndex
CREATE INDEX "order_history_order_id_id_idx" ON "order_history"("order_id", "id");

-- AddForeignKey
ALTER TABLE "order_history" ADD CONSTRAINT "order_history_order_id_fkey" FOREIGN KEY ("order_id") REFERENCES "orders"("id") ON DELETE CASCADE ON UPDATE CASCADE;
