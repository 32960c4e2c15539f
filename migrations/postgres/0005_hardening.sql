-- Hardening (issue 22).

-- Decisions are immutable: the only change allowed is the purge's erasure
-- of the free-text reason (set to NULL, every other column unchanged, the
-- hit not under a legal hold). Hits are never deleted, so neither are
-- their decisions. `audit verify` also cross-checks every decision against
-- its audit entry, for a store whose triggers were dropped.
CREATE FUNCTION decisions_frozen() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE'
        AND NEW.reason IS NULL
        AND NEW.id = OLD.id AND NEW.hit_id = OLD.hit_id AND NEW.step = OLD.step
        AND NEW.user_id = OLD.user_id AND NEW.user_name = OLD.user_name
        AND NEW.decision = OLD.decision AND NEW.decided_at = OLD.decided_at
        AND NOT EXISTS (SELECT 1 FROM hits WHERE id = OLD.hit_id AND legal_hold <> 0)
    THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'decisions are immutable (only the purge may erase a reason)';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER decisions_immutable BEFORE UPDATE OR DELETE ON decisions
FOR EACH ROW EXECUTE FUNCTION decisions_frozen();

CREATE TRIGGER decisions_no_truncate BEFORE TRUNCATE ON decisions
FOR EACH STATEMENT EXECUTE FUNCTION decisions_frozen();

-- A secret made once per installation: the key of the keyed hashes
-- (HMAC-SHA256) that let failed sign-ins be correlated without storing
-- the user names typed.
CREATE TABLE install_secret (
    id BIGINT PRIMARY KEY CHECK (id = 1),
    secret TEXT NOT NULL
);

-- When each entry under the spool folder was first seen (its receipt), so
-- the purge goes by the age of receipt, never by a file's modification
-- time. `entry` is the path relative to the spool folder (bytes that are
-- not UTF-8 escaped).
CREATE TABLE spool_receipts (
    entry TEXT PRIMARY KEY,
    received_at BIGINT NOT NULL
);
