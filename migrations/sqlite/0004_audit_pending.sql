-- Audit entries written inside the transaction of the act they record (a
-- decision, a forwarding, a hold) wait here, committed with the act, until
-- the chainer moves them into audit_log in one short transaction that holds
-- the audit_head lock. The act itself then takes no shared lock, so
-- concurrent decisions no longer queue behind each other's commits.
CREATE TABLE audit_pending (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE TRIGGER audit_pending_append_only BEFORE UPDATE ON audit_pending
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
