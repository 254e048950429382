-- The audit viewer filters by user name without regard to case; EF Core cannot declare an index on an expression.
CREATE INDEX ix_events_user_name_lower_sequence ON audit.events (lower(user_name), sequence);
