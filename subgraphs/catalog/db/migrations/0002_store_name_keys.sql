ALTER TABLE "catalog"."stores" ADD COLUMN "name_key" text;--> statement-breakpoint
CREATE UNIQUE INDEX "stores_name_key_idx" ON "catalog"."stores" USING btree ("name_key");