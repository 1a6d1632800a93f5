-- Who uploaded each dossier, when, and how large it is: for the per-state quota, for serving
-- it only to the states it concerns, and for collecting uploads no statement references
-- (issue 9). Dossiers uploaded before this migration belong to no one (''), dated 0: the hub
-- serves them only to the states a request names, and collects them if none does.
ALTER TABLE dossiers ADD COLUMN uploader TEXT NOT NULL DEFAULT '';
ALTER TABLE dossiers ADD COLUMN uploaded_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE dossiers ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
UPDATE dossiers SET size = length(data);
CREATE INDEX dossiers_by_uploader ON dossiers (uploader);
CREATE INDEX dossiers_by_time ON dossiers (uploaded_at);
