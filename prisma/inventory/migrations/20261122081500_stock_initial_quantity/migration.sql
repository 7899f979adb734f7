-- Hand-written. Units a SKU was stocked with, so the stock ledger can be checked exactly:
-- initial_stock = available + reserved + committed at all times (units only move between buckets).
-- Existing rows: their current total is their initial stock, since nothing has ever added or removed units.
ALTER TABLE "stock_levels" ADD COLUMN "initial_stock" INTEGER;
UPDATE "stock_levels" SET "initial_stock" = "available" + "reserved" + "committed";
ALTER TABLE "stock_levels" ALTER COLUMN "initial_stock" SET NOT NULL;
ALTER TABLE "stock_levels" ADD CONSTRAINT "stock_levels_initial_stock_non_negative" CHECK ("initial_stock" >= 0);

-- A new stock row records the units it starts with unless the insert names them; a future restock must add its
-- units here in the same statement as it adds them to "available".
CREATE FUNCTION "stock_levels_initial_stock"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF NEW."initial_stock" IS NULL THEN
    NEW."initial_stock" := NEW."available" + NEW."reserved" + NEW."committed";
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "stock_levels_initial_stock" BEFORE INSERT ON "stock_levels"
  FOR EACH ROW EXECUTE FUNCTION "stock_levels_initial_stock"();
