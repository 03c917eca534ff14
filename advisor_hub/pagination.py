"""One pagination helper for every list screen (a COUNT and a LIMIT/OFFSET query)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")

MAX_PER_PAGE = 200


@dataclass(frozen=True)
class Page(Generic[T]):
    items: Sequence[T]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages


def paginate(
    session: Session, query: Select[Any], *, page: int = 1, per_page: int = 25, scalars: bool = True
) -> Page[Any]:
    per_page = max(1, min(per_page, MAX_PER_PAGE))
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    page = max(1, min(page, max(1, math.ceil(total / per_page))))
    limited = query.limit(per_page).offset((page - 1) * per_page)
    result = session.scalars(limited) if scalars else session.execute(limited)
    return Page(items=list(result.unique() if scalars else result), page=page,
                per_page=per_page, total=total)
