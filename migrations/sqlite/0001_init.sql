-- paxscreen store, SQLite. Times are Unix milliseconds (UTC). Every row
-- holding passenger data carries expires_at; the sweeper deletes it then.

-- Messages seen: the dedupe key and the flight (no personal data).
CREATE TABLE messages (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    dedupe_key TEXT NOT NULL UNIQUE,
    message_id TEXT NOT NULL,
    sender TEXT NOT NULL,
    source TEXT NOT NULL,
    outcome TEXT NOT NULL,
    flight_number TEXT NOT NULL,
    carrier TEXT NOT NULL,
    departure_airport TEXT NOT NULL,
    departure_time BIGINT NOT NULL,
    arrival_airport TEXT NOT NULL,
    arrival_time BIGINT NOT NULL,
    entry_point TEXT NOT NULL,
    itinerary TEXT NOT NULL,
    total_passengers BIGINT NOT NULL,
    passengers BIGINT NOT NULL,
    hits BIGINT NOT NULL,
    sent_at BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    -- When the recording transaction was about to commit (latency measurements).
    stored_at BIGINT,
    expires_at BIGINT NOT NULL
);
CREATE INDEX messages_expires ON messages (expires_at);

-- Passengers: the contract's fields only, as JSON.
CREATE TABLE passengers (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id BIGINT NOT NULL REFERENCES messages (id) ON DELETE CASCADE,
    idx BIGINT NOT NULL,
    data TEXT NOT NULL,
    damaged BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    UNIQUE (message_id, idx)
);
CREATE INDEX passengers_expires ON passengers (expires_at);

-- Hits: references and review state outlive the passenger data; the
-- explanation (it quotes names) and the link to the passenger go at expiry.
CREATE TABLE hits (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id BIGINT REFERENCES messages (id) ON DELETE SET NULL,
    passenger_id BIGINT REFERENCES passengers (id) ON DELETE SET NULL,
    passenger_idx BIGINT NOT NULL,
    kind TEXT NOT NULL,
    list TEXT,
    entry_id TEXT,
    category TEXT,
    trend_id TEXT,
    version TEXT NOT NULL,
    score DOUBLE PRECISION NOT NULL,
    threshold DOUBLE PRECISION NOT NULL,
    explanation TEXT,
    input_damaged BIGINT NOT NULL,
    state TEXT NOT NULL,
    legal_hold BIGINT NOT NULL DEFAULT 0,
    flight_number TEXT NOT NULL,
    departure_airport TEXT NOT NULL,
    arrival_airport TEXT NOT NULL,
    arrival_time BIGINT NOT NULL,
    received_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX hits_queue ON hits (state, arrival_time, id);
CREATE INDEX hits_expires ON hits (expires_at);

-- Parts of multi-part PAXLST messages seen, so gaps survive a restart.
CREATE TABLE message_parts (
    group_key TEXT NOT NULL,
    part BIGINT NOT NULL,
    last BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (group_key, part)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL,
    password_hash TEXT,
    disabled BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);

-- Bearer tokens: only their SHA-256 is kept.
CREATE TABLE tokens (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id BIGINT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT
);
