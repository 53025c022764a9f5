-- The return counts a reparation in the period it completes in, whatever
-- period its referral was in (issue #11, item 7), so it reads the
-- officers' Immediate Justice referrals from before its window: a few
-- among hundreds of thousands of revisions, found through this index
-- rather than by reading every revision of each officer.
CREATE INDEX revisions_ij_referrals ON revisions (officer_id, occurred_at)
    WHERE kind = 'ij_referral';
