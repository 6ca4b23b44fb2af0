CREATE TABLE "orders"."test_provider_charges" (
	"idempotency_key" text PRIMARY KEY NOT NULL,
	"status" text NOT NULL,
	"reference" text,
	"amount" integer DEFAULT 0 NOT NULL,
	"currency" text DEFAULT '' NOT NULL,
	"method" text DEFAULT '' NOT NULL,
	"message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders"."test_provider_refunds" (
	"idempotency_key" text PRIMARY KEY NOT NULL,
	"charge_reference" text NOT NULL,
	"amount" integer NOT NULL,
	"reference" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "orders"."orders" ADD COLUMN "paying_payment_id" uuid;--> statement-breakpoint
ALTER TABLE "orders"."payments" ADD COLUMN "lease_until" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "orders"."payments" ADD COLUMN "void_amount" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "orders"."payments" ADD COLUMN "void_due" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "orders"."payments" ADD COLUMN "void_ref" text;--> statement-breakpoint
ALTER TABLE "orders"."payments" ADD COLUMN "void_lease_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "payments_pending_idx" ON "orders"."payments" USING btree ("lease_until") WHERE state = 'PENDING';--> statement-breakpoint
CREATE INDEX "payments_void_due_idx" ON "orders"."payments" USING btree ("id") WHERE void_due;