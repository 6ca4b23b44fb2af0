CREATE TABLE "orders"."provider_customers" (
	"user_id" uuid PRIMARY KEY NOT NULL,
	"customer_ref" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders"."provider_events" (
	"event_id" text PRIMARY KEY NOT NULL,
	"type" text NOT NULL,
	"payment_id" uuid,
	"outcome" text NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders"."provider_intents" (
	"idempotency_key" text PRIMARY KEY NOT NULL,
	"intent_id" text,
	"closed" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders"."saved_payment_methods" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"method" text NOT NULL,
	"provider_ref" text NOT NULL,
	"customer_ref" text,
	"brand" text,
	"last4" text,
	"exp_month" integer,
	"exp_year" integer,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "orders"."payments" ADD COLUMN "saved_method_id" uuid;--> statement-breakpoint
ALTER TABLE "orders"."payments" ADD COLUMN "next_action_url" text;--> statement-breakpoint
CREATE INDEX "saved_payment_methods_user_idx" ON "orders"."saved_payment_methods" USING btree ("user_id","created_at");--> statement-breakpoint
CREATE UNIQUE INDEX "saved_payment_methods_ref_idx" ON "orders"."saved_payment_methods" USING btree ("user_id","provider_ref");--> statement-breakpoint
CREATE UNIQUE INDEX "saved_payment_methods_default_idx" ON "orders"."saved_payment_methods" USING btree ("user_id") WHERE is_default;--> statement-breakpoint
CREATE INDEX "payments_action_idx" ON "orders"."payments" USING btree ("lease_until") WHERE state = 'REQUIRES_ACTION';--> statement-breakpoint
CREATE INDEX "payments_buyer_created_idx" ON "orders"."payments" USING btree ("buyer_id","created_at","id");--> statement-breakpoint
CREATE INDEX "refunds_payment_idx" ON "orders"."refunds" USING btree ("payment_id");