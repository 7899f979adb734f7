-- AlterTable
ALTER TABLE "payments" ADD COLUMN "captured_amount" BIGINT NOT NULL DEFAULT 0,
ADD COLUMN "refunded_amount" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "order_cancellations" (
    "order_id" UUID NOT NULL,
    "reason" TEXT NOT NULL,
    "cancelled_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "order_cancellations_pkey" PRIMARY KEY ("order_id")
);

-- Hand-written invariants: never capture more than authorized, never refund more than captured.
ALTER TABLE "payments" ADD CONSTRAINT "payments_capture_within_amount" CHECK ("captured_amount" >= 0 AND "captured_amount" <= "amount");
ALTER TABLE "payments" ADD CONSTRAINT "payments_refund_within_capture" CHECK ("refunded_amount" >= 0 AND "refunded_amount" <= "captured_amount");
