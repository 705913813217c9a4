-- Per-site rate-limit overrides: JSON of the scopes a site sets (see
-- src/ratelimit/mod.rs, SiteLimits); NULL means the configured defaults.
ALTER TABLE sites ADD COLUMN limits TEXT;
