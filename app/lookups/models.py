"""Lookup tables. Rows are referred to by `code`, which never changes once published."""

from sqlmodel import Field, SQLModel


class LookupBase(SQLModel):
    code: str = Field(primary_key=True, max_length=32)
    name: str = Field(max_length=64)
    name_en: str = Field(max_length=128)
    sort_order: int = Field(default=0)
    is_active: bool = Field(default=True)


class Region(LookupBase, table=True):
    """Source region of the investment (来源地区)."""


class Chain(LookupBase, table=True):
    """Industry chain (产业链)."""


class ChainLink(LookupBase, table=True):
    """A link (环节) of an industry chain; position is upstream, midstream or downstream."""

    __tablename__ = "chain_link"
    chain_code: str = Field(foreign_key="chain.code", index=True, max_length=32)
    position: str = Field(max_length=16)


class County(LookupBase, table=True):
    """County, county-level city or district (县、市、区)."""


class Zone(LookupBase, table=True):
    """Development zone or park (开发区 / 园区), inside a county."""

    county_code: str = Field(foreign_key="county.code", index=True, max_length=32)


class Method(LookupBase, table=True):
    """How the lead was attracted (招商方式)."""


class Category(LookupBase, table=True):
    """Project category (产业项目, 基础设施 …)."""
