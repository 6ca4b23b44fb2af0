ALTER TABLE "events"."log" ADD COLUMN "relay_pending" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "events"."log" ADD COLUMN "stream_seq" bigint;--> statement-breakpoint
CREATE INDEX "log_relay_pending_idx" ON "events"."log" USING btree ("seq") WHERE relay_pending;