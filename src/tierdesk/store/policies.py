"""Tables of policy versions and the pointer to the active one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tierdesk.store.schema import Base
from tierdesk.store.types import UtcDateTime


class PolicyVersionRow(Base):
    """An uploaded policy text; `id` is the revision number the API shows."""

    __tablename__ = "policy_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_id: Mapped[str] = mapped_column(String(64))
    version_label: Mapped[str] = mapped_column(String(200), unique=True)
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    text: Mapped[str] = mapped_column(Text)
    uploaded_at: Mapped[datetime] = mapped_column(UtcDateTime)
    uploaded_by: Mapped[str] = mapped_column(String(200))


class ActivePolicyRow(Base):
    """The single row naming the active policy version.

    Switching policies updates this one row, so every process reads either the
    old version or the new one, never a mix.
    """

    __tablename__ = "active_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    policy_version_id: Mapped[int] = mapped_column(ForeignKey("policy_versions.id"))
    activated_at: Mapped[datetime] = mapped_column(UtcDateTime)
    activated_by: Mapped[str] = mapped_column(String(200))
