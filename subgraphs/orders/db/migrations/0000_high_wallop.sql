CREATE SCHEMA "orders";
--> statement-breakpoint
CREATE SEQUENCE "orders"."order_number_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1000 CACHE 1;--> statement-breakpoint
CREATE TABLE "orders"."checkouts" (
	"buyer_id" uuid NOT NULL,
	"key" text NOT NULL,
	"attempt" uuid NOT NULL,
	"state" text NOT NULL,
	"order_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "checkouts_buyer_id_key_pk" PRIMARY KEY("buyer_id","key")
);
--> statement-breakpoint
CREATE TABLE "orders"."feedback" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"order_id" uuid NOT NULL,
	"buyer_id" uuid NOT NULL,
	"store_id" uuid NOT NULL,
	"product_rating" smallint NOT NULL,
	"shipping_rating" smallint NOT NULL,
	"communication_rating" smallint NOT NULL,
	"comment" text,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders"."order_lines" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"order_id" uuid NOT NULL,
	"position" integer NOT NULL,
	"product_id" uuid NOT NULL,
	"variant_id" uuid NOT NULL,
	"title" text NOT NULL,
	"options" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"quantity" integer NOT NULL,
	"unit_price" integer NOT NULL,
	"subtotal" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders"."orders" (
	"id" uuid PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"buyer_id" uuid NOT NULL,
	"store_id" uuid NOT NULL,
	"seller_id" uuid NOT NULL,
	"store_name" text DEFAULT '' NOT NULL,
	"status" text NOT NULL,
	"previous_status" text,
	"status_before_dispute" text,
	"checkout_key" text NOT NULL,
	"reservation_key" text NOT NULL,
	"recipient_name" text NOT NULL,
	"phone" text NOT NULL,
	"country" text NOT NULL,
	"province" text,
	"city" text NOT NULL,
	"street" text NOT NULL,
	"postal_code" text NOT NULL,
	"shipping_method" text NOT NULL,
	"subtotal" integer NOT NULL,
	"shipping_cost" integer NOT NULL,
	"discount" integer NOT NULL,
	"total" integer NOT NULL,
	"coupon_codes" text[] DEFAULT '{}'::text[] NOT NULL,
	"payment_deadline" timestamp with time zone,
	"ship_by_deadline" timestamp with time zone,
	"delivery_deadline" timestamp with time zone,
	"feedback_deadline" timestamp with time zone,
	"tracking_number" text,
	"payment_id" uuid,
	"dispute_reason" text,
	"dispute_description" text,
	"dispute_opened_at" timestamp with time zone,
	"dispute_resolved_at" timestamp with time zone,
	"dispute_refunded" boolean,
	"release_stock_due" boolean DEFAULT false NOT NULL,
	"release_coupons_due" boolean DEFAULT false NOT NULL,
	"refund_due" boolean DEFAULT false NOT NULL,
	"compensation_lease_until" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders"."payments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"buyer_id" uuid NOT NULL,
	"key" text NOT NULL,
	"state" text NOT NULL,
	"method" text NOT NULL,
	"amount" integer DEFAULT 0 NOT NULL,
	"order_ids" uuid[] DEFAULT '{}'::uuid[] NOT NULL,
	"provider_ref" text,
	"decline_message" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders"."refunds" (
	"order_id" uuid PRIMARY KEY NOT NULL,
	"payment_id" uuid NOT NULL,
	"amount" integer NOT NULL,
	"provider_ref" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "orders"."status_history" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"order_id" uuid NOT NULL,
	"status" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"reason" text
);
--> statement-breakpoint
ALTER TABLE "orders"."feedback" ADD CONSTRAINT "feedback_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "orders"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders"."order_lines" ADD CONSTRAINT "order_lines_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "orders"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "orders"."status_history" ADD CONSTRAINT "status_history_order_id_orders_id_fk" FOREIGN KEY ("order_id") REFERENCES "orders"."orders"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "feedback_order_idx" ON "orders"."feedback" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "feedback_store_idx" ON "orders"."feedback" USING btree ("store_id");--> statement-breakpoint
CREATE INDEX "order_lines_order_idx" ON "orders"."order_lines" USING btree ("order_id","position");--> statement-breakpoint
CREATE INDEX "order_lines_product_idx" ON "orders"."order_lines" USING btree ("product_id");--> statement-breakpoint
CREATE UNIQUE INDEX "orders_number_idx" ON "orders"."orders" USING btree ("number");--> statement-breakpoint
CREATE INDEX "orders_buyer_created_idx" ON "orders"."orders" USING btree ("buyer_id","created_at","id");--> statement-breakpoint
CREATE INDEX "orders_store_created_idx" ON "orders"."orders" USING btree ("store_id","created_at","id");--> statement-breakpoint
CREATE INDEX "orders_status_idx" ON "orders"."orders" USING btree ("status");--> statement-breakpoint
CREATE INDEX "orders_payment_due_idx" ON "orders"."orders" USING btree ("payment_deadline") WHERE status = 'PAYMENT_REQUIRED';--> statement-breakpoint
CREATE INDEX "orders_ship_due_idx" ON "orders"."orders" USING btree ("ship_by_deadline") WHERE status = 'SHIPMENT_REQUIRED';--> statement-breakpoint
CREATE INDEX "orders_delivery_due_idx" ON "orders"."orders" USING btree ("delivery_deadline") WHERE status = 'UNCONFIRMED_DELIVERY';--> statement-breakpoint
CREATE INDEX "orders_feedback_due_idx" ON "orders"."orders" USING btree ("feedback_deadline") WHERE status = 'FEEDBACK_REQUIRED';--> statement-breakpoint
CREATE INDEX "orders_compensation_idx" ON "orders"."orders" USING btree ("id") WHERE release_stock_due or release_coupons_due or refund_due;--> statement-breakpoint
CREATE UNIQUE INDEX "payments_buyer_key_idx" ON "orders"."payments" USING btree ("buyer_id","key");--> statement-breakpoint
CREATE INDEX "status_history_order_idx" ON "orders"."status_history" USING btree ("order_id","seq");