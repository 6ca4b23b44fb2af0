CREATE TABLE "catalog"."store_shipping" (
	"store_id" uuid PRIMARY KEY NOT NULL,
	"handling_days" integer NOT NULL,
	"options" jsonb NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "catalog"."store_shipping" ADD CONSTRAINT "store_shipping_store_id_stores_id_fk" FOREIGN KEY ("store_id") REFERENCES "catalog"."stores"("id") ON DELETE no action ON UPDATE no action;