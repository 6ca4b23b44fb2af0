ALTER TABLE "catalog"."stores" ADD COLUMN "suspended_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "catalog"."stores" ADD COLUMN "suspension_reason" text;