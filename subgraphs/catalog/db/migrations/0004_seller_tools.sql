DROP INDEX "catalog"."variants_store_sku_idx";--> statement-breakpoint
ALTER TABLE "catalog"."products" ADD COLUMN "archived_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "catalog"."stores" ADD COLUMN "logo_url" text;--> statement-breakpoint
ALTER TABLE "catalog"."variants" ADD COLUMN "removed_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "variants_store_sku_idx" ON "catalog"."variants" USING btree ("store_id","sku") WHERE removed_at is null;