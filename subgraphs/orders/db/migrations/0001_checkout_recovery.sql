CREATE TABLE "orders"."checkout_jobs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"buyer_id" uuid NOT NULL,
	"checkout_key" text NOT NULL,
	"attempt" uuid NOT NULL,
	"kind" text NOT NULL,
	"payload" jsonb NOT NULL,
	"state" text NOT NULL,
	"tries" integer DEFAULT 0 NOT NULL,
	"next_run_at" timestamp with time zone NOT NULL,
	"lease_until" timestamp with time zone,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders"."ordered_cart_lines" (
	"cart_line_id" uuid PRIMARY KEY NOT NULL,
	"order_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "orders"."checkouts" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "checkout_jobs_attempt_idx" ON "orders"."checkout_jobs" USING btree ("attempt");--> statement-breakpoint
CREATE INDEX "checkout_jobs_due_idx" ON "orders"."checkout_jobs" USING btree ("next_run_at") WHERE state = 'DUE';--> statement-breakpoint
CREATE INDEX "checkouts_pending_lease_idx" ON "orders"."checkouts" USING btree ("lease_until") WHERE state = 'PENDING';