CREATE SCHEMA "messaging";
--> statement-breakpoint
CREATE TABLE "messaging"."conversations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"category" text NOT NULL,
	"buyer_id" uuid NOT NULL,
	"store_id" uuid,
	"seller_id" uuid,
	"order_id" uuid,
	"buyer_unread" integer DEFAULT 0 NOT NULL,
	"seller_unread" integer DEFAULT 0 NOT NULL,
	"buyer_archived" boolean DEFAULT false NOT NULL,
	"seller_archived" boolean DEFAULT false NOT NULL,
	"last_message_id" uuid,
	"last_seq" bigint DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone NOT NULL,
	"updated_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messaging"."deactivated_users" (
	"user_id" uuid PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messaging"."known_orders" (
	"order_id" uuid PRIMARY KEY NOT NULL,
	"number" text NOT NULL,
	"buyer_id" uuid NOT NULL,
	"store_id" uuid NOT NULL,
	"seller_id" uuid NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messaging"."messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"conversation_id" uuid NOT NULL,
	"sender_role" text NOT NULL,
	"sender_id" uuid,
	"body" text NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"order_id" uuid,
	"seq" bigint,
	"source_event_seq" bigint,
	"recipient_id" uuid,
	"read_by_buyer" boolean DEFAULT false NOT NULL,
	"read_by_seller" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messaging"."reports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"conversation_id" uuid NOT NULL,
	"reporter_id" uuid NOT NULL,
	"reporter_side" text NOT NULL,
	"reason" text NOT NULL,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "messaging"."send_rates" (
	"sender_id" uuid NOT NULL,
	"window_start" bigint NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "send_rates_sender_id_window_start_pk" PRIMARY KEY("sender_id","window_start")
);
--> statement-breakpoint
ALTER TABLE "messaging"."messages" ADD CONSTRAINT "messages_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "messaging"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "messaging"."reports" ADD CONSTRAINT "reports_conversation_id_conversations_id_fk" FOREIGN KEY ("conversation_id") REFERENCES "messaging"."conversations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "conversations_seller_uq" ON "messaging"."conversations" USING btree ("buyer_id","store_id") WHERE category = 'SELLER';--> statement-breakpoint
CREATE UNIQUE INDEX "conversations_system_uq" ON "messaging"."conversations" USING btree ("buyer_id","category") WHERE category <> 'SELLER';--> statement-breakpoint
CREATE INDEX "conversations_buyer_idx" ON "messaging"."conversations" USING btree ("buyer_id","last_seq");--> statement-breakpoint
CREATE INDEX "conversations_seller_idx" ON "messaging"."conversations" USING btree ("seller_id","last_seq");--> statement-breakpoint
CREATE INDEX "conversations_store_idx" ON "messaging"."conversations" USING btree ("store_id","last_seq");--> statement-breakpoint
CREATE INDEX "messages_conversation_idx" ON "messaging"."messages" USING btree ("conversation_id","seq");--> statement-breakpoint
CREATE INDEX "messages_sender_idx" ON "messaging"."messages" USING btree ("sender_id");--> statement-breakpoint
CREATE INDEX "messages_order_idx" ON "messaging"."messages" USING btree ("order_id");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_source_uq" ON "messaging"."messages" USING btree ("source_event_seq","recipient_id");--> statement-breakpoint
CREATE INDEX "reports_conversation_idx" ON "messaging"."reports" USING btree ("conversation_id");