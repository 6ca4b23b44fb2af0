CREATE TABLE "users"."audit_log" (
	"id" uuid PRIMARY KEY NOT NULL,
	"position" bigserial NOT NULL,
	"actor_id" uuid NOT NULL,
	"actor_email" text,
	"action" text NOT NULL,
	"target_type" text NOT NULL,
	"target_id" text NOT NULL,
	"reason" text,
	"at" timestamp with time zone NOT NULL,
	"recorded_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "users"."users" ADD COLUMN "suspended_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users"."users" ADD COLUMN "suspension_reason" text;--> statement-breakpoint
CREATE UNIQUE INDEX "audit_log_position_key" ON "users"."audit_log" USING btree ("position");--> statement-breakpoint
-- The audit log is append-only: nobody (the application included) can change or remove an entry.
CREATE FUNCTION "users"."audit_log_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	RAISE EXCEPTION 'the audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;--> statement-breakpoint
CREATE TRIGGER "audit_log_no_update_or_delete" BEFORE UPDATE OR DELETE ON "users"."audit_log" FOR EACH ROW EXECUTE FUNCTION "users"."audit_log_append_only"();--> statement-breakpoint
CREATE TRIGGER "audit_log_no_truncate" BEFORE TRUNCATE ON "users"."audit_log" FOR EACH STATEMENT EXECUTE FUNCTION "users"."audit_log_append_only"();
