"""seed lookups: regions, chains and links, counties and zones, methods, categories

Codes are published in the API and never change; names may be edited later by an
administrator. Counties are Linfen's (临汾市), the city the demo describes.

Going down removes the seeded codes that no row refers to and keeps those in use (a
project's county, say), so data stays whole; going up again adds back only what is
missing, and leaves the kept rows, names and all, as they are.

Revision ID: 5a1f0c2d9e77
Revises: 82c1eb46467f
Create Date: 2026-11-23 13:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "5a1f0c2d9e77"
down_revision: str | None = "82c1eb46467f"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REGIONS = [
    ("jjj", "京津冀", "Beijing-Tianjin-Hebei"),
    ("csj", "长三角", "Yangtze River Delta"),
    ("gba", "珠三角/粤港澳大湾区", "Pearl River Delta / Greater Bay Area"),
    ("cy", "成渝", "Chengdu-Chongqing"),
    ("gzpy", "关中平原城市群", "Guanzhong Plain"),
    ("local", "本省", "Own province"),
    ("hmt", "港澳台", "Hong Kong, Macao, Taiwan"),
    ("overseas", "境外", "Overseas"),
    ("other", "其他", "Other"),
]

# chain code, name, English name, [(link suffix, name, English, position)]
CHAINS = [
    ("wind", "风电", "Wind power", [
        ("blade", "叶片与主轴承", "Blades and main bearings", "upstream"),
        ("turbine", "整机制造", "Turbine assembly", "midstream"),
        ("farm", "风电场运维", "Wind farm operation", "downstream")]),
    ("pv", "光伏", "Photovoltaics", [
        ("silicon", "多晶硅与硅片", "Polysilicon and wafers", "upstream"),
        ("cell", "电池片与组件", "Cells and modules", "midstream"),
        ("plant", "光伏电站", "PV plants", "downstream")]),
    ("hydrogen", "氢能", "Hydrogen", [
        ("production", "制氢", "Hydrogen production", "upstream"),
        ("storage", "储运与加注", "Storage and refuelling", "midstream"),
        ("fuelcell", "燃料电池与整车", "Fuel cells and vehicles", "downstream")]),
    ("carbon", "碳基新材料", "Coal-to-carbon new materials", [
        ("coke", "煤焦化与煤焦油", "Coking and coal tar", "upstream"),
        ("pitch", "针状焦与碳纤维", "Needle coke and carbon fibre", "midstream"),
        ("graphene", "石墨烯与负极材料", "Graphene and anode materials", "downstream")]),
    ("equipment", "装备制造", "Equipment manufacturing", [
        ("casting", "铸锻件", "Castings and forgings", "upstream"),
        ("machine", "整机装备", "Machinery", "midstream"),
        ("service", "运维服务", "Maintenance services", "downstream")]),
    ("herbtea", "药茶", "Medicine and tea", [
        ("plant", "种植基地", "Cultivation", "upstream"),
        ("process", "精深加工", "Processing", "midstream"),
        ("brand", "品牌与销售", "Brand and sales", "downstream")]),
    ("food", "食品加工", "Food processing", [
        ("farm", "养殖种植", "Farming", "upstream"),
        ("meat", "肉制品与粮油加工", "Meat, grain and oil processing", "midstream"),
        ("drink", "饮品与果蔬加工", "Drinks, fruit and vegetables", "downstream")]),
    ("hydraulics", "液压", "Hydraulics", [
        ("parts", "液压件", "Hydraulic parts", "upstream"),
        ("system", "液压系统", "Hydraulic systems", "midstream")]),
    ("prefab", "装配式建筑", "Prefab buildings", [
        ("material", "建材部品", "Components", "upstream"),
        ("build", "装配施工", "Assembly", "midstream")]),
    ("chemical", "精细化工", "Fine chemicals", [
        ("base", "基础化工原料", "Basic chemicals", "upstream"),
        ("fine", "精细化学品", "Fine chemicals", "midstream")]),
    ("electric", "电力装备", "Electric equipment", [
        ("parts", "电工材料", "Electrical materials", "upstream"),
        ("device", "输变电设备", "Transmission equipment", "midstream"),
        ("storage", "储能", "Energy storage", "downstream")]),
    ("precision", "精密制造", "Precision manufacturing", [
        ("material", "特种材料", "Special materials", "upstream"),
        ("parts", "精密零部件", "Precision parts", "midstream")]),
    ("biomed", "生物医药与医疗器械", "Biomedicine and medical devices", [
        ("api", "原料药", "Active ingredients", "upstream"),
        ("drug", "制剂", "Formulations", "midstream"),
        ("device", "医疗器械", "Medical devices", "downstream")]),
    ("home", "家居", "Home furnishing", [
        ("board", "板材", "Boards", "upstream"),
        ("furniture", "家具制造", "Furniture", "midstream")]),
    ("digital", "数字经济", "Digital economy", [
        ("datacenter", "大数据中心", "Data centres", "upstream"),
        ("5g", "5G 与信创", "5G and IT", "midstream"),
        ("app", "数字应用", "Digital services", "downstream")]),
    ("logistics", "现代物流", "Logistics", [
        ("hub", "物流园区", "Logistics parks", "midstream"),
        ("coldchain", "冷链物流", "Cold chain", "downstream")]),
    ("ecommerce", "电子商务", "E-commerce", [
        ("platform", "电商平台", "Platforms", "midstream"),
        ("live", "直播电商", "Live commerce", "downstream")]),
    ("tourism", "文化旅游", "Culture and tourism", [
        ("scenic", "景区开发", "Scenic areas", "midstream"),
        ("hotel", "康养与酒店", "Wellness and hotels", "downstream")]),
]

# county code, name, English, [(zone suffix, name, English)]
COUNTIES = [
    ("yaodu", "尧都区", "Yaodu District", [("dz", "临汾经济开发区", "Linfen Economic Development Zone")]),
    ("houma", "侯马市", "Houma City", [("dz", "侯马经济开发区", "Houma Economic Development Zone")]),
    ("huozhou", "霍州市", "Huozhou City", [("ip", "霍州工业园区", "Huozhou Industrial Park")]),
    ("quwo", "曲沃县", "Quwo County", [("ip", "曲沃工业园区", "Quwo Industrial Park")]),
    ("yicheng", "翼城县", "Yicheng County", [("dz", "翼城经济开发区", "Yicheng Development Zone")]),
    ("xiangfen", "襄汾县", "Xiangfen County", [("ip", "襄汾工业园区", "Xiangfen Industrial Park")]),
    ("hongtong", "洪洞县", "Hongtong County", [("dz", "洪洞经济技术开发区", "Hongtong Development Zone")]),
    ("guxian", "古县", "Gu County", []),
    ("anze", "安泽县", "Anze County", []),
    ("fushan", "浮山县", "Fushan County", []),
    ("jixian", "吉县", "Ji County", []),
    ("xiangning", "乡宁县", "Xiangning County", []),
    ("daning", "大宁县", "Daning County", []),
    ("xixian", "隰县", "Xi County", []),
    ("yonghe", "永和县", "Yonghe County", []),
    ("puxian", "蒲县", "Pu County", []),
    ("fenxi", "汾西县", "Fenxi County", []),
]

METHODS = [
    ("via_investor", "以商招商", "Via existing investors"),
    ("by_chain", "以链招商", "By industry chain"),
    ("by_zone", "以区招商", "By development zone"),
    ("personal_ties", "以情招商", "Through personal ties"),
    ("by_county", "以县招商", "By county"),
    ("small_team", "小分队招商", "Small teams"),
    ("fair", "展会招商", "Fairs and expos"),
    ("office", "驻外招商", "Offices elsewhere"),
]

CATEGORIES = [
    ("industrial", "产业项目", "Industrial"),
    ("infrastructure", "基础设施", "Infrastructure"),
    ("livelihood", "社会民生", "Social livelihood"),
    ("tech_upgrade", "技术改造", "Technical upgrade"),
]


def _lookup_table(name: str, *extra: sa.Column) -> sa.Table:
    return sa.table(
        name,
        sa.column("code", sa.String),
        sa.column("name", sa.String),
        sa.column("name_en", sa.String),
        sa.column("sort_order", sa.Integer),
        sa.column("is_active", sa.Boolean),
        *extra,
    )


def _rows(items: list[tuple[str, str, str]]) -> list[dict[str, object]]:
    return [
        {"code": code, "name": name, "name_en": name_en, "sort_order": i, "is_active": True}
        for i, (code, name, name_en) in enumerate(items, start=1)
    ]


def _chain_links() -> list[dict[str, object]]:
    return [{"code": f"{chain_code}.{suffix}", "name": name, "name_en": name_en,
             "sort_order": i, "is_active": True, "chain_code": chain_code,
             "position": position}
            for chain_code, _name, _en, chain_links in CHAINS
            for i, (suffix, name, name_en, position) in enumerate(chain_links, start=1)]


def _zones() -> list[dict[str, object]]:
    return [{"code": f"{county_code}.{suffix}", "name": name, "name_en": name_en,
             "sort_order": i, "is_active": True, "county_code": county_code}
            for county_code, _name, _en, county_zones in COUNTIES
            for i, (suffix, name, name_en) in enumerate(county_zones, start=1)]


def _seeds() -> list[tuple[sa.Table, list[dict[str, object]]]]:
    """Each table with the rows this revision puts in it, parents before children."""
    return [
        (_lookup_table("region"), _rows(REGIONS)),
        (_lookup_table("method"), _rows(METHODS)),
        (_lookup_table("category"), _rows(CATEGORIES)),
        (_lookup_table("chain"), _rows([c[:3] for c in CHAINS])),
        (_lookup_table("chain_link", sa.column("chain_code", sa.String),
                       sa.column("position", sa.String)), _chain_links()),
        (_lookup_table("county"), _rows([c[:3] for c in COUNTIES])),
        (_lookup_table("zone", sa.column("county_code", sa.String)), _zones()),
    ]


def upgrade() -> None:
    bind = op.get_bind()
    for table, rows in _seeds():
        present = set(bind.scalars(sa.select(table.c.code)))
        missing = [row for row in rows if row["code"] not in present]
        if missing:
            op.bulk_insert(table, missing)


def downgrade() -> None:
    bind = op.get_bind()
    inspector = sa.inspect(bind)
    referrers: dict[str, list[sa.ColumnClause]] = {}  # lookup table: columns naming its codes
    for name in inspector.get_table_names():
        for key in inspector.get_foreign_keys(name):
            if key["referred_columns"] == ["code"]:
                column = key["constrained_columns"][0]
                referrers.setdefault(key["referred_table"], []).append(
                    sa.table(name, sa.column(column)).c[column])
    for table, rows in reversed(_seeds()):
        in_use = [sa.exists().where(column == table.c.code)
                  for column in referrers.get(table.name, [])]
        bind.execute(table.delete().where(table.c.code.in_([row["code"] for row in rows]),
                                          *(~used for used in in_use)))
