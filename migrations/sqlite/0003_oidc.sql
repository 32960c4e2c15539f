-- OIDC identities (service.md section 3): a user known by the identity
-- provider is kept as a row like a local account, so decisions, the
-- four-eyes rule and the audit trail name them the same way. The subject is
-- the provider's stable identifier (`iss` and `sub`); the name may change.
ALTER TABLE users ADD COLUMN subject TEXT;
CREATE UNIQUE INDEX users_subject ON users (subject);
