-- Signed requests the hub accepted (operator calls, dossier uploads and reads; issue 9), by the
-- SHA-256 of the signed message: a replay is refused within the window in which its time is
-- accepted, across restarts too. Rows older than the window are deleted as new ones come.
CREATE TABLE signed_requests (
    digest BLOB PRIMARY KEY CHECK (length(digest) = 32),
    time   INTEGER NOT NULL
) STRICT;
CREATE INDEX signed_requests_by_time ON signed_requests (time);
