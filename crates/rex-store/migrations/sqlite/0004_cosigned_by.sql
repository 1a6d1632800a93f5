-- The newest checkpoint each state cosigned (`GET /v1/cosigned`, issue 9): nodes judge finality
-- by the largest tree each witness vouched for, not only by the cosignatures on the latest
-- checkpoint, which a busy log replaces before every witness has synced.
CREATE INDEX cosignatures_by_cosigner ON cosignatures (cosigner, size);
