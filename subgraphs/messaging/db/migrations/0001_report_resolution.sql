ALTER TABLE "messaging"."reports" ADD COLUMN "status" text DEFAULT 'OPEN' NOT NULL;--> statement-breakpoint
ALTER TABLE "messaging"."reports" ADD COLUMN "resolution" text;--> statement-breakpoint
ALTER TABLE "messaging"."reports" ADD COLUMN "resolution_note" text;--> statement-breakpoint
ALTER TABLE "messaging"."reports" ADD COLUMN "resolved_by" uuid;--> statement-breakpoint
ALTER TABLE "messaging"."reports" ADD COLUMN "resolved_at" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "reports_status_idx" ON "messaging"."reports" USING btree ("status","created_at","id");