ALTER TABLE "session_snapshots" ADD COLUMN "received_at" timestamp with time zone DEFAULT now() NOT NULL;--> statement-breakpoint
-- snapshots stored before this migration: their upload row's creation time is the server's receipt time
UPDATE "session_snapshots" SET "received_at" = "created_at";
