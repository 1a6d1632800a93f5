-- Evidence of a split view that nodes reported (issue 9): two checkpoints signed by this hub's
-- key that conflict, each kept as its note with the hub's signature only (so one pair is kept
-- once, whoever cosigned it), the smaller tree (then the smaller root) first.
CREATE TABLE evidence (
    id INTEGER PRIMARY KEY,
    a  TEXT NOT NULL,
    b  TEXT NOT NULL,
    UNIQUE (a, b)
) STRICT;
