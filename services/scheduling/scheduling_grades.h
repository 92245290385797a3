/*  scheduling_grades: the grade and promotion methods of the scheduling
 *  service (SCH-10).
 *
 *  grades.record_evaluation, grades.amend_evaluation and grades.award_title
 *  record what the promotion criteria count: monthly evaluations (score,
 *  rank in the department, pass or fail), quarterly ones (grade A..D) and
 *  titles, by a supervisor or manager, never about themselves; one
 *  evaluation per person, kind and period, corrected only by an amendment
 *  with a reason (the old values are kept). grades.history reads them back
 *  (the person themself, supervisors, managers); grades.eligibility judges
 *  every active graded person at a month against the criteria of the next
 *  grade and the demotion rules (scheduling_grade_rules.c).
 *
 *  Grade changes are never automatic: grades.propose_change (supervisor
 *  or manager) records a promotion or demotion with a reason, judged at a
 *  month; grades.approve_change (a manager, not the proposer) judges it
 *  again and, when the criteria still hold, changes staff.grade in the same
 *  transaction as its events and audit record; grades.refuse_change closes
 *  it. A promotion skipping a level needs `exceptional` (越级); a demotion
 *  cites a demotion rule that has triggered (a reserve supervisor's is an
 *  exceptional decision instead: the seed leaves it to 总经办).
 *
 *  Every change writes its event and audit record in its transaction;
 *  every read of a person's evaluations is audited. The creating methods
 *  (record_evaluation, award_title, propose_change) honour the request's
 *  Idempotency-Key: a retry gets the first answer.
 */
#ifndef SCHEDULING_GRADES_H_INCLUDED
#define SCHEDULING_GRADES_H_INCLUDED

#include "kefu_service.h"

void
scheduling_grades_record_evaluation (kefu_call_t *call); /* RecordEvaluationRequest → Evaluation */
void
scheduling_grades_amend_evaluation (kefu_call_t *call); /* AmendEvaluationRequest → Evaluation */
void scheduling_grades_award_title (kefu_call_t *call); /* AwardTitleRequest → Title */
void
scheduling_grades_history (kefu_call_t *call); /* EvaluationHistoryRequest → EvaluationHistory */
void scheduling_grades_eligibility (kefu_call_t *call); /* EligibilityRequest → EligibilityReport */
void
scheduling_grades_propose_change (kefu_call_t *call); /* ProposeGradeChangeRequest → GradeChange */
void scheduling_grades_approve_change (kefu_call_t *call); /* GradeChangeDecision → GradeChange */
void scheduling_grades_refuse_change (kefu_call_t *call);  /* GradeChangeDecision → GradeChange */
void scheduling_grades_get_change (kefu_call_t *call);     /* GradeChangeDecision → GradeChange */

#endif
