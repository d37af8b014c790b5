CREATE TABLE "password_ntlm_counts" (
	"ntlm" "bytea" PRIMARY KEY NOT NULL,
	"count" integer NOT NULL
);
