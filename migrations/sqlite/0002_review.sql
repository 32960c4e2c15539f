-- Four-eyes review, forwarding and the audit trail (service.md sections 3, 4, 6).

-- Who made the hit's first decision: the second must be someone else.
ALTER TABLE hits ADD COLUMN first_user_id BIGINT REFERENCES users (id);
ALTER TABLE hits ADD COLUMN hold_reason TEXT;

-- Decisions: step 1 (first review) and step 2 (second review), at most one
-- each per hit. The reason is free text and may quote the passenger: it is
-- erased with the passenger data.
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hit_id BIGINT NOT NULL REFERENCES hits (id),
    step BIGINT NOT NULL CHECK (step IN (1, 2)),
    user_id BIGINT NOT NULL REFERENCES users (id),
    user_name TEXT NOT NULL,
    decision TEXT NOT NULL CHECK (decision IN ('confirm', 'dismiss')),
    reason TEXT,
    decided_at BIGINT NOT NULL,
    UNIQUE (hit_id, step)
);

-- The four-eyes rule in the store itself, whatever writes the row.
CREATE TRIGGER decisions_four_eyes BEFORE INSERT ON decisions
WHEN NEW.step = 2 AND EXISTS (
    SELECT 1 FROM decisions WHERE hit_id = NEW.hit_id AND step = 1 AND user_id = NEW.user_id
)
BEGIN
    SELECT RAISE(ABORT, 'four_eyes');
END;

CREATE TRIGGER decisions_step_order BEFORE INSERT ON decisions
WHEN NEW.step = 2 AND NOT EXISTS (
    SELECT 1 FROM decisions WHERE hit_id = NEW.hit_id AND step = 1 AND decision = 'confirm'
)
BEGIN
    SELECT RAISE(ABORT, 'second decision without a first confirmation');
END;

-- The outbox: one alert per confirmed hit, written in the transaction of
-- the second confirmation, delivered by the forwarder exactly once.
CREATE TABLE alerts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    hit_id BIGINT NOT NULL UNIQUE REFERENCES hits (id),
    payload TEXT,
    created_at BIGINT NOT NULL,
    delivered_at BIGINT,
    attempts BIGINT NOT NULL DEFAULT 0,
    -- A forwarder's lease on the alert; another may take it once it has passed.
    claimed_until BIGINT,
    claims BIGINT NOT NULL DEFAULT 0,
    expires_at BIGINT NOT NULL
);
CREATE INDEX alerts_pending ON alerts (delivered_at, id);

-- The audit log: append-only, each entry chained to the one before by
-- SHA-256. References only (hit ids, user names, list versions), never a
-- name or a document number, so it can outlive the passenger data.
CREATE TABLE audit_log (
    seq BIGINT PRIMARY KEY,
    at BIGINT NOT NULL,
    actor TEXT NOT NULL,
    role TEXT NOT NULL,
    action TEXT NOT NULL,
    object TEXT NOT NULL,
    detail TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
-- The sweeper prunes by time every minute.
CREATE INDEX audit_log_at ON audit_log (at);

-- The head of the chain (one row), locked by each append. base_* name the
-- last entry pruned after the proof period, where verification starts.
CREATE TABLE audit_head (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    seq BIGINT NOT NULL,
    hash TEXT NOT NULL,
    base_seq BIGINT NOT NULL,
    base_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, seq, hash, base_seq, base_hash)
VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000', 0,
        '0000000000000000000000000000000000000000000000000000000000000000');

-- Entries are never changed (verification finds it if the trigger is dropped).
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
