CREATE TABLE "orders"."feedback_lines" (
	"order_line_id" uuid PRIMARY KEY NOT NULL,
	"order_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"rating" smallint NOT NULL
);
--> statement-breakpoint
-- several refunds per order: the order id is no longer the key (hand-written: drizzle-kit cannot name the old key)
ALTER TABLE "orders"."refunds" DROP CONSTRAINT "refunds_pkey";--> statement-breakpoint
ALTER TABLE "orders"."feedback" ADD COLUMN "as_described_rating" smallint;--> statement-breakpoint
ALTER TABLE "orders"."feedback" ADD COLUMN "photo_urls" text[] DEFAULT '{}'::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "orders"."feedback" ADD COLUMN "edited_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders"."feedback" ADD COLUMN "reply_text" text;--> statement-breakpoint
ALTER TABLE "orders"."feedback" ADD COLUMN "reply_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD COLUMN "dispute_status" text;--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD COLUMN "dispute_lines" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD COLUMN "dispute_amount" integer;--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD COLUMN "dispute_answer_due" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD COLUMN "dispute_escalated_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD COLUMN "dispute_refund_amount" integer;--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD COLUMN "dispute_resolved_by" text;--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD COLUMN "dispute_note" text;--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD COLUMN "refunded_amount" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "orders"."refunds" ADD COLUMN "id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL;--> statement-breakpoint
ALTER TABLE "orders"."refunds" ADD COLUMN "reason" text DEFAULT '' NOT NULL;--> statement-breakpoint
-- hand-written: the refunds made before keep the provider key they were made with (`refund:<order id>`)
ALTER TABLE "orders"."refunds" ADD COLUMN "key" text;--> statement-breakpoint
UPDATE "orders"."refunds" SET "key" = 'refund:' || "order_id", "reason" = 'Refund';--> statement-breakpoint
ALTER TABLE "orders"."refunds" ALTER COLUMN "key" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "orders"."refunds" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders"."feedback_lines" ADD CONSTRAINT "feedback_lines_order_line_id_order_lines_id_fk" FOREIGN KEY ("order_line_id") REFERENCES "orders"."order_lines"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders"."feedback_lines" ADD CONSTRAINT "feedback_lines_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "orders"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "feedback_lines_order_idx" ON "orders"."feedback_lines" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "feedback_lines_product_idx" ON "orders"."feedback_lines" USING btree ("product_id");--> statement-breakpoint
CREATE INDEX "feedback_buyer_idx" ON "orders"."feedback" USING btree ("buyer_id","created_at","id");--> statement-breakpoint
CREATE INDEX "orders_dispute_status_idx" ON "orders"."orders" USING btree ("dispute_status","dispute_opened_at","id") WHERE dispute_status is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "refunds_key_idx" ON "orders"."refunds" USING btree ("key");--> statement-breakpoint
CREATE INDEX "refunds_order_idx" ON "orders"."refunds" USING btree ("order_id","created_at");--> statement-breakpoint
CREATE INDEX "refunds_owed_idx" ON "orders"."refunds" USING btree ("created_at") WHERE provider_ref is null and amount > 0;--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD COLUMN "dispute_overdue_noticed" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX "orders_dispute_answer_due_idx" ON "orders"."orders" USING btree ("dispute_answer_due") WHERE status = 'DISPUTED' and dispute_status = 'OPEN' and not dispute_overdue_noticed;--> statement-breakpoint
-- hand-written backfills: what was refunded before, and the state of disputes opened before
UPDATE "orders"."orders" o SET "refunded_amount" = r.sum FROM (SELECT "order_id", sum("amount")::int AS sum FROM "orders"."refunds" GROUP BY "order_id") r WHERE r."order_id" = o."id";--> statement-breakpoint
UPDATE "orders"."orders" SET
  "dispute_status" = CASE WHEN "dispute_resolved_at" IS NULL THEN 'OPEN' WHEN "dispute_refunded" THEN 'RESOLVED' ELSE 'REFUSED' END,
  "dispute_amount" = "total",
  "dispute_answer_due" = "dispute_opened_at" + interval '5 days',
  "dispute_refund_amount" = CASE WHEN "dispute_refunded" THEN "total" WHEN "dispute_resolved_at" IS NOT NULL THEN 0 END,
  "dispute_resolved_by" = CASE WHEN "dispute_resolved_at" IS NOT NULL THEN 'SELLER' END
  WHERE "dispute_opened_at" IS NOT NULL;