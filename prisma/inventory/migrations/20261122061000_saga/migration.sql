-- AlterEnum
ALTER TYPE "ReservationStatus" ADD VALUE 'CONFIRMED';

-- AlterTable
ALTER TABLE "reservations" ADD COLUMN "customer_id" UUID,
ADD COLUMN "payment_id" UUID,
ADD COLUMN "total_amount" BIGINT,
ADD COLUMN "currency" CHAR(3);
