"""Names of the workflow.patched branches: each is a change old histories replay without."""

from __future__ import annotations

# The read-model commit runs as a local activity: one history event instead of six.
COMMIT_AS_LOCAL_ACTIVITY = "commit-as-local-activity"
# An outbox row is marked failed after the last delivery attempt.
OUTBOX_MARKED_FAILED = "outbox-marked-failed"
# Working days skip Danish public holidays, not only weekends.
DANISH_PUBLIC_HOLIDAYS = "danish-public-holidays"
# A commit waits until the main loop has reacted to the change it carries.
COMMIT_AFTER_MAIN_REACTS = "commit-after-main-reacts"
# An open-ended programme is reviewed every `review_every_weeks` weeks of follow-up.
REVIEW_EVERY_WEEKS = "review-every-weeks"
# A commit PostgreSQL refuses for good is stored without what it cannot hold, and an
# operator task says so, instead of retrying forever.
COMMIT_REFUSED_RAISES_TASK = "commit-refused-raises-task"
# Every task lapsing climbs its programme's escalation ladder (reminder, escalations).
ESCALATION_LADDER = "escalation-ladder"
# A discharge before a peer is matched sets discharged_at, starts the first-contact clock
# (held by the coordinator until a peer takes it), alerts the coordinator and hurries
# matching; a risk change moves the first-contact deadline.
FACTS_IN_EVERY_PHASE = "facts-in-every-phase"
# Consent, risk and hospital facts are applied in the order they happened (occurred_at,
# then the type's precedence, then event_id), not in the order they arrived.
FACTS_BY_OCCURRED_AT = "facts-by-occurred-at"
# The peer gets a debrief after every ending (withdrawn, cancelled, deceased too); the
# coordinator hears when a debrief is done.
DEBRIEF_AFTER_EVERY_ENDING = "debrief-after-every-ending"
# A caseworker's confirmed offer counts as the milestone it is (IPS -> job step, special
# educational support -> education step), not always as a municipal service.
SERVICE_MILESTONES = "service-milestones"
# Booking the network meeting invites the peer and the consented caseworkers (an
# iCalendar file by e-mail).
NETWORK_MEETING_INVITATION = "network-meeting-invitation"
# The closing summary goes to every consented service once the questionnaire is in (it
# went to social services only, as closing began, before there was anything to sum up).
CLOSING_SUMMARY_PER_SERVICE = "closing-summary-per-service"
# A discharge (with consent to share), the network-meeting booking and the closing summary
# each send the municipality a MedCom CareCommunication, delivered by a child workflow that
# waits for its Acknowledgement; a failed delivery becomes a coordinator task.
CARE_COMMUNICATION_OUT = "care-communication-out"
# An admission to a ward outside psychiatry (a somatic ward, by its SOR code) is recorded but
# pauses the follow-up only when the programme says so.
SOMATIC_ADMISSION_KEPT = "somatic-admission-kept"
# An ambulant referral (no admission) does not wait for a discharge: once a peer takes the
# episode, its first contact and follow-up run from then; a later admission pauses them.
AMBULANT_PATHWAY = "ambulant-pathway"
# A programme with in-ward contacts (bridge-builders) gives the peer a contact task every
# `in_ward_contact_every_days` from the first meeting until the discharge.
IN_WARD_CONTACTS = "in-ward-contacts"
# After a hard ending (the citizen died, an urgent concern) the peer is offered an extra
# supervision: a task for their organisation's coordinator and a session in their groups.
EXTRA_SUPERVISION_AFTER_HARD_ENDING = "extra-supervision-after-hard-ending"
# The roster upkeep tells of the peer groups' tasks too (the facilitator or the coordinators,
# reminded when due, escalated days later), like of the roster tasks, and reminds of and
# escalates the course participants' follow-ups.
GROUP_TASK_NOTICES = "group-task-notices"
# A citizen's own event (My bridge) applies only if it is one a citizen may report
# (schemas/events.CITIZEN_EVENT_TYPES) and comes from the episode's own citizen.
CITIZEN_ACTS_CHECKED = "citizen-acts-checked"
# The citizen is reminded of each meeting with the peer and told after the discharge when the
# peer will call; relatives (with share_with_relative) hear the planned discharge date and who
# the peer is; a notice left pending in quiet hours is delivered again when they end.
CITIZEN_REMINDERS = "citizen-reminders"
# A course session reminder to a participant who is an episode's citizen waits out that
# citizen's quiet hours: the term delivers it again when they end, or lets it pass (skipped,
# saying why) when they end after the session begins.
COURSE_QUIET_HOURS = "course-quiet-hours"
