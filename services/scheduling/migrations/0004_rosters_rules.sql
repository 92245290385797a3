-- Roster drafting and its rules (SCH-3), on top of 0003_rosters.sql.
--
-- A roster's shift remembers the local day it was assigned to (a night
-- shift assigned to the 31st starts on the 31st and ends on the 1st of the
-- next month; it belongs to the 31st's roster), so that an export, a
-- removal and the "same person, same day, same template" check speak of
-- the day the planner meant, not of a UTC date. Every shift rosters.assign
-- writes has it; it is not made a constraint, so that a later rule writing
-- roster shifts its own way is not refused by this one.
ALTER TABLE shifts ADD COLUMN roster_day date;
-- One assignment of a template to a person on a day: a second is a
-- planner's slip, refused at once rather than reported as an overlap.
CREATE UNIQUE INDEX shifts_roster_assignment ON shifts (roster_id, staff_id, roster_day, template_code)
    WHERE roster_id IS NOT NULL AND cancelled_at IS NULL;

-- A template in use is not deleted nor re-timed: found by this index (also
-- the one the foreign key's checks use).
CREATE INDEX shifts_by_template ON shifts (template_code) WHERE template_code IS NOT NULL;

-- The staffing requirement a roster is validated against: agents needed
-- per 30-minute interval of local time, by ISO weekday (1 = Monday). An
-- interval with no row needs nobody.
CREATE TABLE roster_coverage (
    roster_id  bigint NOT NULL REFERENCES rosters (id),
    weekday    smallint NOT NULL CHECK (weekday BETWEEN 1 AND 7),
    slot       smallint NOT NULL CHECK (slot BETWEEN 0 AND 47),     -- slot * 30 min after local midnight
    agents     integer NOT NULL CHECK (agents BETWEEN 1 AND 10000),
    PRIMARY KEY (roster_id, weekday, slot)
);
