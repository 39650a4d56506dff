-- Up Migration

-- Every session of this database runs in UTC by default. Clients cannot ask for it themselves: RDS Proxy
-- refuses startup options ("-c TimeZone=UTC") and pins a session that runs SET. In AWS the cluster parameter
-- group sets the same; this makes it hold on any server the database lives on.
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I SET timezone TO %L', current_database(), 'UTC');
END
$$;

-- Down Migration
DO $$
BEGIN
  EXECUTE format('ALTER DATABASE %I RESET timezone', current_database());
END
$$;
