-- The log: entry i and the stored Merkle hashes (Crosby-Wallach dense index), append-only.
CREATE TABLE entries (
    idx  INTEGER PRIMARY KEY,
    data BLOB NOT NULL
) STRICT;

CREATE TABLE hashes (
    idx  INTEGER PRIMARY KEY,
    hash BLOB NOT NULL CHECK (length(hash) = 32)
) STRICT;

-- Every checkpoint the hub signed, by tree size; the latest is the largest size.
CREATE TABLE checkpoints (
    size INTEGER PRIMARY KEY,
    note TEXT NOT NULL
) STRICT;

-- Cosignature lines received for a checkpoint, one per cosigner (the newest wins).
CREATE TABLE cosignatures (
    size     INTEGER NOT NULL REFERENCES checkpoints (size),
    cosigner TEXT NOT NULL,
    line     TEXT NOT NULL,
    PRIMARY KEY (size, cosigner)
) STRICT;

-- Dossiers: age ciphertext only, addressed by the SHA-256 of their bytes.
CREATE TABLE dossiers (
    sha256 BLOB PRIMARY KEY CHECK (length(sha256) = 32),
    data   BLOB NOT NULL
) STRICT;
