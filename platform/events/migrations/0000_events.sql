CREATE SCHEMA "events";
--> statement-breakpoint
CREATE TABLE "events"."consumers" (
	"name" text PRIMARY KEY NOT NULL,
	"position" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events"."log" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"topic" text NOT NULL,
	"payload" jsonb NOT NULL,
	"audience" text[] DEFAULT '{}' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"origin" text,
	"origin_seq" bigint
);
--> statement-breakpoint
CREATE INDEX "log_topic_seq_idx" ON "events"."log" USING btree ("topic","seq");--> statement-breakpoint
CREATE INDEX "log_audience_idx" ON "events"."log" USING gin ("audience");--> statement-breakpoint
CREATE UNIQUE INDEX "log_origin_idx" ON "events"."log" USING btree ("origin","origin_seq");