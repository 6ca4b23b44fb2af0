ALTER TABLE "promotions"."redemptions" ALTER COLUMN "buyer_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "promotions"."redemptions" ADD COLUMN "released_at" timestamp with time zone;