using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pyboxtech.Med.Web.Data.Migrations
{
    /// <inheritdoc />
    public partial class AuditTrail : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.EnsureSchema(
                name: "audit");

            migrationBuilder.CreateTable(
                name: "events",
                schema: "audit",
                columns: table => new
                {
                    sequence = table.Column<long>(type: "bigint", nullable: false),
                    occurred_at = table.Column<DateTimeOffset>(type: "timestamp with time zone", nullable: false),
                    user_id = table.Column<Guid>(type: "uuid", nullable: true),
                    user_name = table.Column<string>(type: "character varying(256)", maxLength: 256, nullable: true),
                    client_ip = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    user_agent = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    event_type = table.Column<int>(type: "integer", nullable: false),
                    action = table.Column<string>(type: "character varying(400)", maxLength: 400, nullable: false),
                    module = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    outcome = table.Column<short>(type: "smallint", nullable: false),
                    subject_type = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: true),
                    subject_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    correlation_id = table.Column<string>(type: "character varying(128)", maxLength: 128, nullable: true),
                    details = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    previous_hash = table.Column<byte[]>(type: "bytea", nullable: false),
                    hash = table.Column<byte[]>(type: "bytea", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_events", x => x.sequence);
                });

            migrationBuilder.CreateIndex(
                name: "ix_events_client_ip_sequence",
                schema: "audit",
                table: "events",
                columns: new[] { "client_ip", "sequence" });

            migrationBuilder.CreateIndex(
                name: "ix_events_event_type_sequence",
                schema: "audit",
                table: "events",
                columns: new[] { "event_type", "sequence" });

            migrationBuilder.CreateIndex(
                name: "ix_events_occurred_at",
                schema: "audit",
                table: "events",
                column: "occurred_at")
                .Annotation("Npgsql:IndexMethod", "brin");

            migrationBuilder.CreateIndex(
                name: "ix_events_subject_type_subject_id_sequence",
                schema: "audit",
                table: "events",
                columns: new[] { "subject_type", "subject_id", "sequence" });

            migrationBuilder.CreateIndex(
                name: "ix_events_user_id_sequence",
                schema: "audit",
                table: "events",
                columns: new[] { "user_id", "sequence" });

            // Append-only and tamper-evident in the database itself. The trigger, not the application, assigns
            // each row its gapless sequence and its hash (SHA-256 of the previous row's hash and this row's
            // canonical text, see Auditing/AuditHash.cs), under a transaction-scoped lock, so that any number of
            // concurrent writers and instances build one correct chain.
            migrationBuilder.Sql("""
                CREATE FUNCTION audit.field(value text) RETURNS text
                LANGUAGE sql IMMUTABLE PARALLEL SAFE
                AS $$ SELECT CASE WHEN value IS NULL THEN '~' ELSE octet_length(value)::text || ':' || value END $$;

                CREATE FUNCTION audit.chain_event() RETURNS trigger
                LANGUAGE plpgsql SET search_path = pg_catalog
                AS $$
                DECLARE
                    last_sequence bigint;
                    last_hash bytea;
                BEGIN
                    PERFORM pg_advisory_xact_lock(71834473681920);
                    SELECT e.sequence, e.hash INTO last_sequence, last_hash
                    FROM audit.events e ORDER BY e.sequence DESC LIMIT 1;
                    NEW.sequence := coalesce(last_sequence, 0) + 1;
                    NEW.previous_hash := coalesce(last_hash, decode(repeat('00', 32), 'hex'));
                    NEW.hash := sha256(NEW.previous_hash || convert_to(concat_ws('|',
                        audit.field(NEW.sequence::text),
                        audit.field(((extract(epoch FROM NEW.occurred_at) * 1000000)::bigint)::text),
                        audit.field(NEW.user_id::text),
                        audit.field(NEW.user_name),
                        audit.field(NEW.client_ip),
                        audit.field(NEW.user_agent),
                        audit.field(NEW.event_type::text),
                        audit.field(NEW.action),
                        audit.field(NEW.module),
                        audit.field(NEW.outcome::text),
                        audit.field(NEW.subject_type),
                        audit.field(NEW.subject_id),
                        audit.field(NEW.correlation_id),
                        audit.field(NEW.details)), 'UTF8'));
                    RETURN NEW;
                END $$;

                CREATE FUNCTION audit.refuse_change() RETURNS trigger
                LANGUAGE plpgsql
                AS $$
                BEGIN
                    RAISE EXCEPTION 'audit.events is append-only: % is refused', TG_OP
                        USING ERRCODE = 'insufficient_privilege';
                END $$;

                CREATE TRIGGER events_chain BEFORE INSERT ON audit.events
                    FOR EACH ROW EXECUTE FUNCTION audit.chain_event();
                CREATE TRIGGER events_refuse_update_delete BEFORE UPDATE OR DELETE ON audit.events
                    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();
                CREATE TRIGGER events_refuse_truncate BEFORE TRUNCATE ON audit.events
                    FOR EACH STATEMENT EXECUTE FUNCTION audit.refuse_change();

                CREATE INDEX ix_events_user_name_lower_sequence ON audit.events (lower(user_name), sequence);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            // Rolling back would drop the audit trail, which must be retained indefinitely. Restore a backup instead.
            throw new NotSupportedException("The audit trail migration cannot be reverted: audit.events is retained indefinitely.");
        }
    }
}
