CREATE TYPE "public"."exclusion_kind" AS ENUM('value', 'cidr', 'suffix');--> statement-breakpoint
CREATE TABLE "exclusion_entries" (
	"list_id" uuid NOT NULL,
	"workspace_id" uuid,
	"kind" "exclusion_kind" NOT NULL,
	"value" text NOT NULL,
	"network" "cidr",
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "exclusion_entries_list_id_kind_value_pk" PRIMARY KEY("list_id","kind","value")
);
--> statement-breakpoint
CREATE TABLE "exclusion_lists" (
	"id" uuid PRIMARY KEY DEFAULT uuidv7() NOT NULL,
	"workspace_id" uuid,
	"name" text NOT NULL,
	"builtin" boolean DEFAULT false NOT NULL,
	"version" text,
	"created_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp(3) with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "exclusion_lists_name" UNIQUE NULLS NOT DISTINCT("workspace_id","name")
);
--> statement-breakpoint
ALTER TABLE "exclusion_entries" ADD CONSTRAINT "exclusion_entries_list_id_exclusion_lists_id_fk" FOREIGN KEY ("list_id") REFERENCES "public"."exclusion_lists"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exclusion_entries" ADD CONSTRAINT "exclusion_entries_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "exclusion_lists" ADD CONSTRAINT "exclusion_lists_workspace_id_workspaces_id_fk" FOREIGN KEY ("workspace_id") REFERENCES "public"."workspaces"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "exclusion_entries_lookup" ON "exclusion_entries" USING btree ("workspace_id","kind","value");--> statement-breakpoint
CREATE INDEX "exclusion_entries_network" ON "exclusion_entries" USING gist ("network" inet_ops) WHERE kind = 'cidr';--> statement-breakpoint
-- The hosts an IOC names, each with every parent domain (a.b.example → a.b.example, b.example,
-- example): a domain, a URL's host, an email's domain; none for addresses and hashes. A domain
-- suffix of an exclusion list covers the IOC when it is one of them (src/iocs/exclusionsSql.ts).
CREATE FUNCTION ioc_hosts(ioc_type text, ioc_value text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT CASE WHEN coalesce(host, '') = '' THEN '{}'::text[] ELSE ARRAY(
    SELECT array_to_string(labels[i:], '.') FROM generate_series(1, cardinality(labels)) AS i) END
  FROM (
    SELECT host, string_to_array(host, '.') AS labels FROM (SELECT CASE ioc_type
      WHEN 'domain' THEN ioc_value
      WHEN 'email' THEN split_part(ioc_value, '@', 2)
      WHEN 'url' THEN lower(substring(ioc_value FROM '^[A-Za-z][A-Za-z0-9+.-]*://(?:[^@/?#]*@)?([^:/?#\[\]]+)'))
    END AS host) AS h
  ) AS l
$$;
