"""The store's tables (SQLAlchemy Core).

This is the *current* schema; the migrations in :mod:`okrkit.migrations` build it step
by step and never import this module, so an old store can always be upgraded.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKeyConstraint,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

periods = Table(
    "periods",
    metadata,
    Column("period", String(64), primary_key=True),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date, nullable=False),
    Column("cadence_days", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("description", Text),
)

objectives = Table(
    "objectives",
    metadata,
    Column("period", String(64), primary_key=True),
    Column("objective_id", String(200), primary_key=True),
    Column("position", Integer, nullable=False),
    Column("title", Text),
    Column("level", String(32)),
    Column("parent_id", String(200)),
    Column("team", String(200)),
    Column("owner", Text),
    Column("kind", String(32)),
    Column("weight", Float),
    ForeignKeyConstraint(["period"], ["periods.period"], ondelete="CASCADE"),
)

key_results = Table(
    "key_results",
    metadata,
    Column("period", String(64), primary_key=True),
    Column("kr_id", String(200), primary_key=True),
    Column("objective_id", String(200), nullable=False),
    Column("position", Integer, nullable=False),
    Column("title", Text),
    Column("metric", Text),
    Column("unit", String(64)),
    Column("direction", String(32)),
    Column("baseline", Float),
    Column("target", Float),
    Column("weight", Float),
    Column("owner", Text),
    Column("due", Date),
    Column("min", Float),
    Column("max", Float),
    Column("source", Text),  # JSON of okrkit.sources.Source.to_mapping(); NULL: typed in
    ForeignKeyConstraint(
        ["period", "objective_id"],
        ["objectives.period", "objectives.objective_id"],
        ondelete="CASCADE",
    ),
)

milestones = Table(
    "milestones",
    metadata,
    Column("period", String(64), primary_key=True),
    Column("kr_id", String(200), primary_key=True),
    Column("date", Date, primary_key=True),
    Column("target", Float, nullable=False),
    ForeignKeyConstraint(
        ["period", "kr_id"], ["key_results.period", "key_results.kr_id"], ondelete="CASCADE"
    ),
)

checkins = Table(
    "checkins",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("period", String(64), nullable=False),
    Column("kr_id", String(200), nullable=False),
    Column("date", Date, nullable=False),
    Column("value", Float, nullable=False),
    Column("confidence", Float),
    Column("status", String(32)),
    Column("note", Text),
    Column("blockers", Text),
    Column("achievements", Text),
    Column("author", Text),
    Column("recorded_at", DateTime, nullable=False),
    Column("source", Text),
    ForeignKeyConstraint(["period"], ["periods.period"]),
    Index("ix_checkins_effective", "period", "kr_id", "date", "recorded_at"),
)

reviews = Table(
    "reviews",
    metadata,
    Column("period", String(64), primary_key=True),
    Column("objective_id", String(200), primary_key=True),
    Column("lessons", Text),
    Column("next_actions", Text),
    Column("score_override", Float),
    Column("override_reason", Text),
    Column("recorded_at", DateTime, nullable=False),
    ForeignKeyConstraint(
        ["period", "objective_id"],
        ["objectives.period", "objectives.objective_id"],
        ondelete="CASCADE",
    ),
)

plan_revisions = Table(
    "plan_revisions",
    metadata,
    Column("period", String(64), primary_key=True),
    Column("revision", Integer, primary_key=True),
    Column("saved_at", DateTime, nullable=False),
    Column("author", Text),
    Column("message", Text),
    Column("plan_yaml", Text, nullable=False),
    ForeignKeyConstraint(["period"], ["periods.period"]),
)

team_revisions = Table(
    "team_revisions",
    metadata,
    Column("period", String(64), primary_key=True),
    Column("team", String(200), primary_key=True),  # '': objectives without a team
    Column("revision", Integer, nullable=False),
    ForeignKeyConstraint(["period"], ["periods.period"], ondelete="CASCADE"),
)

digests = Table(
    "digests",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("period", String(64), nullable=False),
    Column("team", String(200), nullable=False),
    Column("kind", String(16), nullable=False),  # "digest" or "reminder"
    Column("as_of", Date, nullable=False),
    Column("sent_at", DateTime, nullable=False),
    Column("destinations", Text),  # where it went, secrets masked
    ForeignKeyConstraint(["period"], ["periods.period"], ondelete="CASCADE"),
    Index("ix_digests_team", "period", "team", "kind", "as_of"),
)

plan_states = Table(
    "plan_states",
    metadata,
    Column("period", String(64), primary_key=True),
    Column("team", String(200), primary_key=True),
    Column("state", String(16), nullable=False),
    Column("project", Text),
    Column("sponsor", Text),
    Column("contributors", Text),  # JSON list
    Column("next_review", Date),
    Column("roles", Text, nullable=False),  # JSON list
    Column("changes_after_approval", Integer, nullable=False),
    Column("updated_at", DateTime, nullable=False),
    ForeignKeyConstraint(["period"], ["periods.period"], ondelete="CASCADE"),
)

signoffs = Table(
    "signoffs",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("period", String(64), nullable=False),
    Column("team", String(200), nullable=False),
    Column("role", Text, nullable=False),
    Column("name", Text, nullable=False),
    Column("signed_at", DateTime, nullable=False),
    Column("note", Text),
    ForeignKeyConstraint(["period", "team"], ["plan_states.period", "plan_states.team"],
                         ondelete="CASCADE"),
)

amendments = Table(
    "amendments",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("period", String(64), nullable=False),
    Column("team", String(200), nullable=False),
    Column("amended_at", DateTime, nullable=False),
    Column("reason", Text, nullable=False),
    Column("author", Text),
    Column("what", Text),
    ForeignKeyConstraint(["period", "team"], ["plan_states.period", "plan_states.team"],
                         ondelete="CASCADE"),
)

final_scores = Table(
    "final_scores",
    metadata,
    Column("period", String(64), primary_key=True),
    Column("team", String(200), primary_key=True),
    Column("kind", String(16), primary_key=True),  # "key_result" / "objective"
    Column("item_id", String(200), primary_key=True),
    Column("score", Float),
    Column("final_score", Float),
    Column("band", String(16)),
    Column("outcome", String(32)),
    Column("as_of", Date, nullable=False),
    ForeignKeyConstraint(["period", "team"], ["plan_states.period", "plan_states.team"],
                         ondelete="CASCADE"),
)

vote_rounds = Table(
    "vote_rounds",
    metadata,
    Column("period", String(64), primary_key=True),
    Column("team", String(200), primary_key=True),
    Column("round", Integer, primary_key=True),
    Column("revealed", Boolean, nullable=False),
    Column("started_at", DateTime, nullable=False),
    ForeignKeyConstraint(["period"], ["periods.period"], ondelete="CASCADE"),
)

votes = Table(
    "votes",
    metadata,
    Column("period", String(64), primary_key=True),
    Column("team", String(200), primary_key=True),
    Column("round", Integer, primary_key=True),
    Column("participant", String(200), primary_key=True),
    Column("objective_id", String(200), primary_key=True),
    Column("confidence", Float, nullable=False),
    Column("cast_at", DateTime, nullable=False),
    ForeignKeyConstraint(["period", "team", "round"],
                         ["vote_rounds.period", "vote_rounds.team", "vote_rounds.round"],
                         ondelete="CASCADE"),
)

#: Tables in dependency order (parents first): the order of inserts, backups and restores.
TABLES = [periods, objectives, key_results, milestones, reviews, plan_revisions, team_revisions,
          checkins, digests, plan_states, signoffs, amendments, final_scores, vote_rounds, votes]
