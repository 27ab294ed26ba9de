"""kpis: content, views, surveys, leads, appointments, rollups

Revision ID: 0006_kpis
Revises: 0001_foundation
Create Date: 2026-11-23 11:29:02.184828
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006_kpis'
down_revision = '0001_foundation'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('kpi_content_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('content_id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('private_domain', sa.Boolean(), nullable=False),
    sa.Column('views', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('day', 'content_id', 'channel', 'private_domain', name=op.f('pk_kpi_content_days'))
    )
    op.create_table('kpi_reach_days',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('member_id', sa.BigInteger(), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=False),
    sa.Column('touches', sa.Integer(), nullable=False),
    sa.Column('prev_any', sa.Date(), nullable=True),
    sa.Column('prev_channel', sa.Date(), nullable=True),
    sa.Column('prev_journey', sa.Date(), nullable=True),
    sa.Column('prev_cj', sa.Date(), nullable=True),
    sa.PrimaryKeyConstraint('day', 'member_id', 'channel', 'journey_id', name=op.f('pk_kpi_reach_days')),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('kpi_reach_days', schema=None) as batch_op:
        batch_op.create_index('ix_kpi_reach_days_day_channel', ['day', 'channel', 'journey_id'], unique=False)
        batch_op.create_index('ix_kpi_reach_days_member', ['member_id', 'day'], unique=False)

    op.create_table('kpi_refreshes',
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('refreshed_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('day', name=op.f('pk_kpi_refreshes'))
    )
    op.create_table('survey_templates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_templates')),
    sa.UniqueConstraint('code', name=op.f('uq_survey_templates_code'))
    )
    op.create_table('contents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('tags', sa.String(length=200), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.CheckConstraint("kind IN ('education', 'product')", name=op.f('ck_contents_kind')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_contents_department_id_departments')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_contents')),
    sa.UniqueConstraint('code', name=op.f('uq_contents_code'))
    )
    op.create_table('survey_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.SmallInteger(), nullable=False),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('prompt', sa.String(length=300), nullable=False),
    sa.CheckConstraint("kind IN ('csat', 'nps', 'text')", name=op.f('ck_survey_questions_kind')),
    sa.ForeignKeyConstraint(['template_id'], ['survey_templates.id'], name=op.f('fk_survey_questions_template_id_survey_templates'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_questions'))
    )
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_survey_questions_template_id'), ['template_id'], unique=False)

    op.create_table('content_views',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('content_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('private_domain', sa.Boolean(), nullable=False),
    sa.Column('viewed_on', sa.Date(), nullable=False),
    sa.Column('touch_id', sa.BigInteger(), nullable=True),
    sa.ForeignKeyConstraint(['content_id'], ['contents.id'], name=op.f('fk_content_views_content_id_contents'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_content_views_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_content_views'))
    )
    with op.batch_alter_table('content_views', schema=None) as batch_op:
        batch_op.create_index('ix_content_views_content', ['content_id', 'viewed_on'], unique=False)
        batch_op.create_index('ix_content_views_day', ['viewed_on', 'content_id', 'private_domain', 'channel'], unique=False)

    op.create_table('leads',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('product_category', sa.String(length=32), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=True),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_leads_department_id_departments')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_leads_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_leads'))
    )
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.create_index('ix_leads_day', ['created_on', 'channel', 'product_category'], unique=False)
        batch_op.create_index('ix_leads_member', ['member_id', 'created_on'], unique=False)

    op.create_table('survey_sends',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=True),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('advisor_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=32), nullable=True),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.ForeignKeyConstraint(['advisor_id'], ['users.id'], name=op.f('fk_survey_sends_advisor_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_survey_sends_department_id_departments')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_survey_sends_member_id_members')),
    sa.ForeignKeyConstraint(['template_id'], ['survey_templates.id'], name=op.f('fk_survey_sends_template_id_survey_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_sends'))
    )
    with op.batch_alter_table('survey_sends', schema=None) as batch_op:
        batch_op.create_index('ix_survey_sends_day', ['sent_on', 'member_id'], unique=False)
        batch_op.create_index('ix_survey_sends_member', ['member_id'], unique=False)

    op.create_table('appointments',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('lead_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('created_on', sa.Date(), nullable=False),
    sa.Column('scheduled_for', sa.Date(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('arrived_on', sa.Date(), nullable=True),
    sa.CheckConstraint("status IN ('booked', 'arrived', 'no_show', 'cancelled')", name=op.f('ck_appointments_status')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_appointments_department_id_departments')),
    sa.ForeignKeyConstraint(['lead_id'], ['leads.id'], name=op.f('fk_appointments_lead_id_leads')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_appointments_member_id_members')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointments'))
    )
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.create_index('ix_appointments_day', ['scheduled_for'], unique=False)
        batch_op.create_index('ix_appointments_lead', ['lead_id'], unique=False)
        batch_op.create_index('ix_appointments_member', ['member_id', 'created_on'], unique=False)

    op.create_table('survey_responses',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('send_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=True),
    sa.Column('template_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('journey_id', sa.Integer(), nullable=True),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('advisor_id', sa.Integer(), nullable=True),
    sa.Column('department_id', sa.Integer(), nullable=True),
    sa.Column('responded_on', sa.Date(), nullable=False),
    sa.Column('csat', sa.SmallInteger(), nullable=True),
    sa.Column('nps', sa.SmallInteger(), nullable=True),
    sa.Column('text', sa.Text(), nullable=True),
    sa.CheckConstraint('csat IS NULL OR (csat >= 1 AND csat <= 5)', name=op.f('ck_survey_responses_csat_range')),
    sa.CheckConstraint('nps IS NULL OR (nps >= 0 AND nps <= 10)', name=op.f('ck_survey_responses_nps_range')),
    sa.ForeignKeyConstraint(['advisor_id'], ['users.id'], name=op.f('fk_survey_responses_advisor_id_users')),
    sa.ForeignKeyConstraint(['department_id'], ['departments.id'], name=op.f('fk_survey_responses_department_id_departments')),
    sa.ForeignKeyConstraint(['member_id'], ['members.id'], name=op.f('fk_survey_responses_member_id_members')),
    sa.ForeignKeyConstraint(['send_id'], ['survey_sends.id'], name=op.f('fk_survey_responses_send_id_survey_sends')),
    sa.ForeignKeyConstraint(['template_id'], ['survey_templates.id'], name=op.f('fk_survey_responses_template_id_survey_templates')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_responses'))
    )
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.create_index('ix_survey_responses_day', ['responded_on', 'member_id'], unique=False)
        batch_op.create_index('ix_survey_responses_send', ['send_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('survey_responses', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_responses_send')
        batch_op.drop_index('ix_survey_responses_day')

    op.drop_table('survey_responses')
    with op.batch_alter_table('appointments', schema=None) as batch_op:
        batch_op.drop_index('ix_appointments_member')
        batch_op.drop_index('ix_appointments_lead')
        batch_op.drop_index('ix_appointments_day')

    op.drop_table('appointments')
    with op.batch_alter_table('survey_sends', schema=None) as batch_op:
        batch_op.drop_index('ix_survey_sends_member')
        batch_op.drop_index('ix_survey_sends_day')

    op.drop_table('survey_sends')
    with op.batch_alter_table('leads', schema=None) as batch_op:
        batch_op.drop_index('ix_leads_member')
        batch_op.drop_index('ix_leads_day')

    op.drop_table('leads')
    with op.batch_alter_table('content_views', schema=None) as batch_op:
        batch_op.drop_index('ix_content_views_day')
        batch_op.drop_index('ix_content_views_content')

    op.drop_table('content_views')
    with op.batch_alter_table('survey_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_survey_questions_template_id'))

    op.drop_table('survey_questions')
    op.drop_table('contents')
    op.drop_table('survey_templates')
    op.drop_table('kpi_refreshes')
    with op.batch_alter_table('kpi_reach_days', schema=None) as batch_op:
        batch_op.drop_index('ix_kpi_reach_days_member')
        batch_op.drop_index('ix_kpi_reach_days_day_channel')

    op.drop_table('kpi_reach_days')
    op.drop_table('kpi_content_days')
