CREATE TABLE "users"."email_codes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"purpose" text NOT NULL,
	"email" text NOT NULL,
	"code_hash" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"used_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
CREATE TABLE "users"."mail_queue" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text NOT NULL,
	"to_address" text NOT NULL,
	"subject" text NOT NULL,
	"text_body" text NOT NULL,
	"html_body" text NOT NULL,
	"unsubscribe_url" text,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone NOT NULL,
	"last_error" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users"."users" ADD COLUMN "email_verified" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "users"."users" ADD COLUMN "email_order_updates" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "users"."users" ADD COLUMN "email_price_drops" boolean DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE "users"."users" ADD COLUMN "email_messages" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "users"."email_codes" ADD CONSTRAINT "email_codes_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "users"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "email_codes_user_purpose_idx" ON "users"."email_codes" USING btree ("user_id","purpose");--> statement-breakpoint
CREATE UNIQUE INDEX "mail_queue_key_key" ON "users"."mail_queue" USING btree ("key");--> statement-breakpoint
CREATE INDEX "mail_queue_due_idx" ON "users"."mail_queue" USING btree ("next_attempt_at") WHERE "users"."mail_queue"."sent_at" is null;