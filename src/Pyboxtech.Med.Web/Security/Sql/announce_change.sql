-- Statement triggers that announce a change to roles, the permission matrix, restrictions or the security settings on
-- the channel every instance of the portal listens on (Security/ChangeListener.cs). PostgreSQL delivers the notice
-- only when the changing transaction commits, whoever made it: the portal, a recovery command or a person with psql.
CREATE FUNCTION security.announce_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('pyboxtech_changes', TG_ARGV[0]);
    RETURN NULL;
END $$;

CREATE TRIGGER announce_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON account.roles
    FOR EACH STATEMENT EXECUTE FUNCTION security.announce_change('permissions');
CREATE TRIGGER announce_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON security.role_permissions
    FOR EACH STATEMENT EXECUTE FUNCTION security.announce_change('permissions');
CREATE TRIGGER announce_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON security.user_restrictions
    FOR EACH STATEMENT EXECUTE FUNCTION security.announce_change('permissions');
CREATE TRIGGER announce_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON security.settings
    FOR EACH STATEMENT EXECUTE FUNCTION security.announce_change('settings');
