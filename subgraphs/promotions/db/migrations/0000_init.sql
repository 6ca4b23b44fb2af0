CREATE SCHEMA "promotions";
--> statement-breakpoint
CREATE TABLE "promotions"."coupons" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"code" text NOT NULL,
	"kind" text NOT NULL,
	"store_id" uuid,
	"title" text NOT NULL,
	"amount_off" integer,
	"percent_off" integer,
	"min_order_amount" integer DEFAULT 0 NOT NULL,
	"starts_at" timestamp with time zone NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"quantity" integer,
	"claimed" integer DEFAULT 0 NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "coupons_kind_check" CHECK ("promotions"."coupons"."kind" in ('PLATFORM', 'SELLER')),
	CONSTRAINT "coupons_store_check" CHECK (("promotions"."coupons"."kind" = 'SELLER') = ("promotions"."coupons"."store_id" is not null)),
	CONSTRAINT "coupons_one_discount_check" CHECK (("promotions"."coupons"."amount_off" is null) <> ("promotions"."coupons"."percent_off" is null)),
	CONSTRAINT "coupons_claimed_check" CHECK ("promotions"."coupons"."claimed" >= 0 and ("promotions"."coupons"."quantity" is null or "promotions"."coupons"."claimed" <= "promotions"."coupons"."quantity"))
);
--> statement-breakpoint
CREATE TABLE "promotions"."price_watches" (
	"user_id" uuid NOT NULL,
	"product_id" uuid NOT NULL,
	"last_seen_price" integer,
	"created_at" timestamp with time zone NOT NULL,
	CONSTRAINT "price_watches_user_id_product_id_pk" PRIMARY KEY("user_id","product_id")
);
--> statement-breakpoint
CREATE TABLE "promotions"."product_prices" (
	"product_id" uuid PRIMARY KEY NOT NULL,
	"min_price" integer NOT NULL,
	"title" text,
	"last_seq" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "promotions"."redemptions" (
	"key" text PRIMARY KEY NOT NULL,
	"buyer_id" uuid NOT NULL,
	"result" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "promotions"."user_coupons" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"coupon_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"claimed_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"order_id" uuid,
	"redemption_key" text
);
--> statement-breakpoint
ALTER TABLE "promotions"."user_coupons" ADD CONSTRAINT "user_coupons_coupon_id_coupons_id_fk" FOREIGN KEY ("coupon_id") REFERENCES "promotions"."coupons"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "coupons_code_upper_key" ON "promotions"."coupons" USING btree (upper("code"));--> statement-breakpoint
CREATE INDEX "coupons_store_idx" ON "promotions"."coupons" USING btree ("store_id");--> statement-breakpoint
CREATE INDEX "price_watches_product_idx" ON "promotions"."price_watches" USING btree ("product_id");--> statement-breakpoint
CREATE UNIQUE INDEX "user_coupons_coupon_user_key" ON "promotions"."user_coupons" USING btree ("coupon_id","user_id");--> statement-breakpoint
CREATE INDEX "user_coupons_user_idx" ON "promotions"."user_coupons" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "user_coupons_order_idx" ON "promotions"."user_coupons" USING btree ("order_id");--> statement-breakpoint
CREATE INDEX "user_coupons_key_idx" ON "promotions"."user_coupons" USING btree ("redemption_key");