"""Name pools and text templates for the demo data set (Linfen 临汾, Shanxi).

Everything here is fictional: the people, the companies and their credit codes. The places
(Linfen's counties and zones, the source cities) and the orders of magnitude follow the news
reports the product is built from. Nothing here is random; `plan.py` draws from these pools
with a seeded generator.
"""

DEMO_PASSWORD = "Zhaoshang@2026"
DEMO_USERNAME = "demo"
ADMIN_USERNAME = "admin"
OFFICE_PHONE_PREFIX = "0357-"  # Linfen's area code

# --- users -------------------------------------------------------------------------------
# (username, display name, roles, county code or None for the city, title)
SYSTEM_USERS: list[tuple[str, str, list[str], str | None, str]] = [
    (ADMIN_USERNAME, "系统管理员", ["admin"], None, "市投资促进中心 信息科"),
    (DEMO_USERNAME, "范晓东", ["staff", "supervisor"], None, "市投资促进中心 综合督查科科长"),
    ("du.juan", "杜娟", ["supervisor"], None, "市委督查室 督查专员"),
    ("luo.qing", "罗青", ["auditor"], None, "市审计局 经济责任审计科科员"),
]

# Leaders (包联领导): city leaders have no county; county leaders lead their county's projects.
LEADERS: list[tuple[str, str, str | None, str]] = [
    ("liu.zhiyuan", "刘致远", None, "市委副书记、市长"),
    ("chen.mingde", "陈明德", None, "市委常委、常务副市长"),
    ("sun.haitao", "孙海涛", None, "市委常委、副市长"),
    ("guo.lihua", "郭丽华", None, "副市长"),
    ("han.weidong", "韩卫东", None, "副市长"),
    ("lv.jianping", "吕建平", None, "市政协副主席"),
    ("ma.zhenhua", "马振华", "yaodu", "尧都区委书记"),
    ("tian.zhigang", "田志刚", "yaodu", "临汾经济开发区党工委书记、管委会主任"),
    ("feng.guoqiang", "冯国强", "houma", "侯马市委副书记、市长"),
    ("chang.haoran", "常浩然", "houma", "侯马经济开发区管委会主任"),
    ("jia.wenbin", "贾文斌", "hongtong", "洪洞县委副书记、县长"),
    ("song.yumei", "宋玉梅", "quwo", "曲沃县委副书记、县长"),
    ("yang.hongwei", "杨宏伟", "yicheng", "翼城县委书记"),
    ("xu.zhijun", "许志军", "xiangfen", "襄汾县委副书记、县长"),
    ("cao.junfeng", "曹俊峰", "huozhou", "霍州市委副书记、市长"),
    ("duan.hongxia", "段红霞", "xiangning", "乡宁县委副书记、县长"),
    ("pei.yongsheng", "裴永胜", "jixian", "吉县县委副书记、县长"),
]

# Bureau staff (招商局 / 投促中心 / 商务局); city staff have no county.
STAFF: list[tuple[str, str, str | None, str]] = [
    ("wang.lei", "王磊", None, "市投资促进中心 项目推进科科长"),
    ("li.na", "李娜", None, "市投资促进中心 招商一科副科长"),
    ("zhang.peng", "张鹏", None, "市商务局 外资科科员"),
    ("zhou.jing", "周静", None, "市投资促进中心 产业链招商专员"),
    ("zhao.yang", "赵阳", "yaodu", "尧都区投资促进中心 副主任"),
    ("liu.fang", "刘芳", "yaodu", "临汾经济开发区投资促进局 招商专员"),
    ("wu.qiang", "吴强", "houma", "侯马市投资促进中心 主任"),
    ("hao.li", "郝丽", "houma", "侯马经济开发区招商服务中心 科员"),
    ("wang.xiaojun", "王晓军", "hongtong", "洪洞县投资促进中心 副主任"),
    ("gao.min", "高敏", "hongtong", "洪洞县商务局 招商股股长"),
    ("li.gang", "李刚", "quwo", "曲沃县投资促进中心 招商专员"),
    ("zhang.li", "张丽", "yicheng", "翼城县投资促进中心 项目服务股股长"),
    ("chen.hui", "陈辉", "xiangfen", "襄汾县投资促进中心 副主任"),
    ("yang.fan", "杨帆", "huozhou", "霍州市投资促进中心 招商专员"),
    ("qiao.bo", "乔波", "xiangning", "乡宁县商务局 招商股股长"),
    ("ren.xiaoli", "任晓丽", "anze", "安泽县投资促进中心 科员"),
    ("kang.wei", "康伟", "jixian", "吉县商务局 副局长"),
    ("bai.yun", "白云", "fushan", "浮山县投资促进中心 主任"),
]

# The city staff member who records leader reassignments (市投资促进中心 项目推进科).
COORDINATOR = "wang.lei"

# --- counties ----------------------------------------------------------------------------
# Relative weight of each county in the project ledger: the plain and the big zones first.
COUNTY_WEIGHTS: dict[str, float] = {
    "yaodu": 14, "houma": 10, "hongtong": 10, "xiangfen": 8, "quwo": 7, "yicheng": 7,
    "huozhou": 6, "xiangning": 6,
}
OTHER_COUNTY_WEIGHT = 1.6
# Where each chain fits (沿汾 / 沿黄 / 沿太岳): these counties weigh four times more.
CHAIN_COUNTIES: dict[str, tuple[str, ...]] = {
    "wind": ("xiangning", "jixian", "daning", "yonghe", "xixian", "puxian", "fenxi", "anze"),
    "pv": ("xiangning", "jixian", "daning", "yonghe", "xixian", "puxian", "fushan", "yicheng"),
    "hydrogen": ("hongtong", "yaodu", "xiangfen", "huozhou"),
    "carbon": ("hongtong", "xiangfen", "huozhou", "quwo", "yicheng", "yaodu"),
    "equipment": ("houma", "yaodu", "quwo", "yicheng"),
    "herbtea": ("anze", "guxian", "fushan", "puxian"),
    "food": ("jixian", "xixian", "fushan", "yaodu", "hongtong", "quwo"),
    "hydraulics": ("houma", "yaodu"),
    "prefab": ("yaodu", "houma", "xiangfen"),
    "chemical": ("hongtong", "huozhou", "xiangfen"),
    "electric": ("houma", "yaodu", "quwo"),
    "precision": ("houma", "yicheng", "yaodu"),
    "biomed": ("yaodu", "houma", "hongtong"),
    "home": ("xiangfen", "yaodu"),
    "digital": ("yaodu", "houma"),
    "logistics": ("houma", "yaodu", "hongtong"),
    "ecommerce": ("jixian", "xixian", "yaodu", "daning"),
    "tourism": ("jixian", "hongtong", "xiangning", "yaodu", "xiangfen", "yonghe"),
}
CHAIN_WEIGHTS: dict[str, float] = {
    "wind": 7, "pv": 8, "hydrogen": 5, "carbon": 8, "equipment": 7, "herbtea": 5, "food": 8,
    "hydraulics": 3, "prefab": 3, "chemical": 5, "electric": 5, "precision": 4, "biomed": 5,
    "home": 3, "digital": 5, "logistics": 5, "ecommerce": 4, "tourism": 6,
}

# --- source regions and investors --------------------------------------------------------
# region code -> [(city, province, 6-digit division code)]
REGION_CITIES: dict[str, list[tuple[str, str, str]]] = {
    "jjj": [("北京", "北京市", "110105"), ("北京", "北京市", "110108"),
            ("天津", "天津市", "120116"), ("石家庄", "河北省", "130102"),
            ("唐山", "河北省", "130203"), ("保定", "河北省", "130602")],
    "csj": [("上海", "上海市", "310115"), ("苏州", "江苏省", "320505"),
            ("南京", "江苏省", "320105"), ("无锡", "江苏省", "320214"),
            ("常州", "江苏省", "320411"), ("杭州", "浙江省", "330106"),
            ("宁波", "浙江省", "330212"), ("合肥", "安徽省", "340104")],
    "gba": [("深圳", "广东省", "440305"), ("广州", "广东省", "440106"),
            ("东莞", "广东省", "441900"), ("佛山", "广东省", "440604"),
            ("珠海", "广东省", "440402")],
    "cy": [("成都", "四川省", "510107"), ("重庆", "重庆市", "500112"),
           ("绵阳", "四川省", "510703")],
    "gzpy": [("西安", "陕西省", "610131"), ("咸阳", "陕西省", "610402"),
             ("宝鸡", "陕西省", "610302"), ("渭南", "陕西省", "610502")],
    "local": [("太原", "山西省", "140105"), ("太原", "山西省", "140109"),
              ("大同", "山西省", "140213"), ("长治", "山西省", "140404"),
              ("晋城", "山西省", "140502"), ("晋中", "山西省", "140702"),
              ("运城", "山西省", "140802"), ("临汾", "山西省", "141002"),
              ("吕梁", "山西省", "141102")],
    "hmt": [("香港", "香港特别行政区", ""), ("澳门", "澳门特别行政区", ""),
            ("台湾", "台湾省", "")],
    "overseas": [("新加坡", "新加坡", ""), ("德国", "德国", ""), ("日本", "日本", ""),
                 ("韩国", "韩国", ""), ("美国", "美国", "")],
    "other": [("郑州", "河南省", "410105"), ("武汉", "湖北省", "420106"),
              ("长沙", "湖南省", "430104"), ("济南", "山东省", "370112"),
              ("青岛", "山东省", "370212"), ("呼和浩特", "内蒙古自治区", "150105"),
              ("银川", "宁夏回族自治区", "640106"), ("沈阳", "辽宁省", "210106")],
}
REGION_WEIGHTS: dict[str, float] = {
    "jjj": 17, "csj": 19, "gba": 11, "cy": 6, "gzpy": 8, "local": 22, "hmt": 4,
    "overseas": 4, "other": 9,
}

# Brand words (字号): two characters, chosen not to be famous brands.
BRANDS = [
    "华晟", "中科", "鑫源", "博远", "泰和", "德润", "汇通", "星河", "同创", "嘉禾", "盛泰",
    "正元", "弘毅", "安澜", "景行", "润德", "海川", "国信", "九州", "天祥", "长风", "丰源",
    "永泰", "联创", "凯瑞", "卓远", "锦程", "恒昌", "瑞祥", "宏泰", "晋阳", "金桥", "东升",
    "华鼎", "北辰", "中晟", "源丰", "启明", "睿博", "万通", "新纪元", "宏图", "明远", "瀚海",
    "中泽", "华拓", "天成", "蓝海", "聚能", "和信", "佳禾", "盈科", "志诚", "远帆", "中锐",
    "金岭", "银河", "晨光", "沃土", "青禾", "尚德", "信义", "华信", "泓源", "鼎新", "众合",
    "恒基", "兴茂", "清源", "京储", "申和", "粤通", "蜀源", "秦川", "汾河", "尧天", "太岳",
]
# Industry words per chain (行业).
CHAIN_INDUSTRY_WORDS: dict[str, list[str]] = {
    "wind": ["风电", "风能科技", "新能源", "清洁能源"],
    "pv": ["光伏", "光电科技", "新能源科技", "太阳能"],
    "hydrogen": ["氢能", "氢能源科技", "燃料电池", "能源科技"],
    "carbon": ["碳素", "新材料", "炭材料科技", "碳材料"],
    "equipment": ["重工", "机械", "智能装备", "装备制造"],
    "herbtea": ["药茶", "中药材", "茶业", "生物科技"],
    "food": ["食品", "农牧", "粮油", "饮品", "果业"],
    "hydraulics": ["液压", "液压科技", "流体动力"],
    "prefab": ["建筑科技", "建材", "绿色建筑"],
    "chemical": ["化工", "精细化工", "化学"],
    "electric": ["电气", "电力设备", "储能科技"],
    "precision": ["精密", "精工", "特种材料"],
    "biomed": ["生物医药", "制药", "医疗器械", "生物"],
    "home": ["家居", "木业", "家具"],
    "digital": ["数据科技", "信息技术", "数字科技", "云计算"],
    "logistics": ["物流", "供应链", "冷链物流"],
    "ecommerce": ["电子商务", "网络科技", "电商"],
    "tourism": ["文旅", "旅游开发", "康养", "文化旅游"],
}
# (suffix, weight); overseas and Hong Kong firms get "控股有限公司".
COMPANY_FORMS = [("有限公司", 60), ("股份有限公司", 25), ("集团有限公司", 15)]
OWNERSHIP_WEIGHTS = [("private", 62), ("state", 22), ("joint", 9), ("collective", 2),
                     ("other", 5)]
EMAIL_DOMAINS_PUBLIC = ["163.com", "126.com", "qq.com"]

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋"
    "蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万"
    "段雷钱汤尹黎易常武乔贺赖龚文裴"
)
GIVEN_CHARS = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志红文斌宇浩凯鹏飞俊峰辉鑫波宁晨"
    "晓丹欣怡子涵思远博文嘉琪雨泽一鸣海燕立新永胜春梅玉兰振东卫东国庆亚楠佳慧"
)
CONTACT_TITLES = [
    "董事长", "总经理", "副总经理", "投资发展部总监", "战略投资部经理", "项目经理",
    "董事会秘书", "总工程师", "副总裁", "投资总监", "行政总监", "区域总经理",
]

# --- projects ----------------------------------------------------------------------------
# chain link code -> [(name pattern, sizes or None, 万元 per size unit or base amount)].
# "{n}" is a size drawn from the list; amount = n * per-unit (or the base) with some spread.
LINK_TEMPLATES: dict[str, list[tuple[str, list[int] | None, float]]] = {
    "wind.blade": [("年产{n}套风电叶片项目", [300, 500, 800], 60),
                   ("风电主轴承及齿轮箱制造项目", None, 45000)],
    "wind.turbine": [("{n}MW风电整机装配基地项目", [500, 1000, 2000], 60),
                     ("风电塔筒及法兰制造项目", None, 22000)],
    "wind.farm": [("{n}MW风电场项目", [50, 100, 150, 200, 300], 600),
                  ("{n}MW分散式风电项目", [20, 30, 50], 650),
                  ("风电场智慧运维中心项目", None, 3000)],
    "pv.silicon": [("年产{n}万吨高纯多晶硅项目", [1, 2, 5], 70000),
                   ("{n}GW单晶硅片项目", [5, 10, 20], 15000)],
    "pv.cell": [("{n}GW高效光伏电池片项目", [2, 5, 10], 20000),
                ("{n}GW光伏组件项目", [1, 2, 5], 12000)],
    "pv.plant": [("{n}MW光伏发电项目", [20, 50, 100, 200], 400),
                 ("{n}MW农光互补光伏电站项目", [30, 50, 100], 420),
                 ("{n}MW分布式屋顶光伏项目", [5, 10, 20], 380)],
    "hydrogen.production": [("年产{n}万吨焦炉煤气制氢项目", [1, 2, 3], 25000),
                            ("风光制氢一体化示范项目", None, 120000)],
    "hydrogen.storage": [("{n}座加氢站项目", [2, 3, 5], 1500),
                         ("氢能储运装备制造项目", None, 30000)],
    "hydrogen.fuelcell": [("年产{n}辆氢燃料电池重卡项目", [1000, 3000, 5000], 20),
                          ("年产{n}套燃料电池发动机系统项目", [2000, 5000, 10000], 6)],
    "carbon.coke": [("年产{n}万吨煤焦油深加工项目", [30, 50], 1500),
                    ("{n}万吨/年焦化升级改造项目", [100, 150, 200], 1500)],
    "carbon.pitch": [("年产{n}万吨针状焦项目", [5, 10, 20], 9000),
                     ("年产{n}吨碳纤维项目", [1000, 3000, 5000], 25)],
    "carbon.graphene": [("年产{n}万吨锂电池负极材料项目", [2, 5, 10], 12000),
                        ("石墨烯导电浆料项目", None, 15000)],
    "equipment.casting": [("年产{n}万吨大型铸锻件项目", [3, 5, 10], 4000),
                          ("精密铸造生产线项目", None, 12000)],
    "equipment.machine": [("矿山智能装备制造项目", None, 40000),
                          ("年产{n}台智能采掘装备项目", [200, 500], 80)],
    "equipment.service": [("装备再制造及运维服务中心项目", None, 8000)],
    "herbtea.plant": [("{n}亩连翘种植基地项目", [3000, 5000, 10000], 1),
                      ("{n}亩中药材标准化种植基地项目", [2000, 5000], 1.2)],
    "herbtea.process": [("药茶精深加工基地项目", None, 12000),
                        ("年产{n}吨连翘叶茶生产线项目", [500, 1000, 2000], 8)],
    "herbtea.brand": [("药茶品牌运营及展销中心项目", None, 3000),
                      ("药茶文化体验馆项目", None, 1500)],
    "food.farm": [("年出栏{n}万头生猪养殖项目", [5, 10, 20], 1500),
                  ("{n}万只蛋鸡养殖项目", [30, 50, 100], 120)],
    "food.meat": [("年屠宰{n}万头生猪及肉制品加工项目", [30, 50, 100], 300),
                  ("年产{n}万吨小米精深加工项目", [1, 2, 5], 2500),
                  ("年产{n}万吨面粉加工项目", [10, 20], 1000)],
    "food.drink": [("年产{n}万吨苹果浓缩汁项目", [2, 5], 6000),
                   ("年产{n}万吨果蔬饮品项目", [5, 10], 3000),
                   ("{n}万吨果蔬冷藏及深加工项目", [1, 3, 5], 2000)],
    "hydraulics.parts": [("年产{n}万件液压件项目", [10, 30, 50], 300)],
    "hydraulics.system": [("液压系统及智能控制研发生产项目", None, 25000)],
    "prefab.material": [("年产{n}万立方米装配式混凝土构件项目", [10, 20, 30], 1000),
                        ("装配式建筑部品部件生产基地项目", None, 30000)],
    "prefab.build": [("装配式钢结构住宅示范项目", None, 20000)],
    "chemical.base": [("年产{n}万吨焦炉煤气制甲醇项目", [10, 20, 30], 4000),
                      ("煤焦化副产品综合利用项目", None, 30000)],
    "chemical.fine": [("年产{n}万吨精细化学品项目", [1, 3, 5], 8000),
                      ("年产{n}吨电子级化学品项目", [5000, 10000], 3)],
    "electric.parts": [("年产{n}万吨电工铜杆项目", [5, 10], 2000)],
    "electric.device": [("智能输变电设备制造项目", None, 20000),
                        ("年产{n}台变压器项目", [2000, 5000], 6)],
    "electric.storage": [("{n}MW/{n2}MWh独立储能电站项目", [50, 100, 200], 400),
                         ("储能电池Pack生产线项目", None, 30000)],
    "precision.material": [("特种钢材深加工项目", None, 30000),
                           ("年产{n}万吨高端铝合金材料项目", [5, 10], 5000)],
    "precision.parts": [("年产{n}万套精密轴承项目", [100, 300, 500], 50),
                        ("汽车精密零部件生产项目", None, 15000)],
    "biomed.api": [("年产{n}吨原料药项目", [200, 500, 1000], 40)],
    "biomed.drug": [("中药配方颗粒生产线项目", None, 15000),
                    ("中药制剂智能化生产线项目", None, 20000)],
    "biomed.device": [("医疗器械产业园项目", None, 50000),
                      ("年产{n}亿只医用耗材项目", [1, 3, 5], 3000)],
    "home.board": [("年产{n}万立方米环保板材项目", [10, 20, 30], 1200)],
    "home.furniture": [("定制家居智能制造项目", None, 20000)],
    "digital.datacenter": [("{n}机柜大数据中心项目", [1000, 3000, 5000], 20)],
    "digital.5g": [("5G+工业互联网平台项目", None, 5000), ("信创产业园项目", None, 30000)],
    "digital.app": [("智慧城市运营中心项目", None, 10000),
                    ("数字乡村综合服务平台项目", None, 2000)],
    "logistics.hub": [("公铁联运物流园项目", None, 60000), ("智慧物流园区项目", None, 30000)],
    "logistics.coldchain": [("{n}万吨冷链物流中心项目", [3, 5, 10], 3000),
                            ("农产品冷链仓储配送中心项目", None, 8000)],
    "ecommerce.platform": [("农特产品电商产业园项目", None, 8000),
                           ("县域电商公共服务中心项目", None, 1500)],
    "ecommerce.live": [("直播电商基地项目", None, 3000)],
    "tourism.scenic": [("{county}全域旅游综合开发项目", None, 50000),
                       ("黄河文化旅游度假区项目", None, 80000),
                       ("古村落保护与文旅综合开发项目", None, 15000)],
    "tourism.hotel": [("温泉康养度假区项目", None, 40000), ("康养综合体项目", None, 25000)],
}
# Links whose projects are infrastructure or livelihood rather than industry.
LINK_CATEGORIES: dict[str, str] = {
    "wind.farm": "infrastructure", "pv.plant": "infrastructure",
    "hydrogen.storage": "infrastructure", "electric.storage": "infrastructure",
    "digital.datacenter": "infrastructure", "logistics.hub": "infrastructure",
    "logistics.coldchain": "infrastructure", "prefab.build": "livelihood",
    "tourism.scenic": "livelihood", "tourism.hotel": "livelihood",
    "ecommerce.platform": "livelihood", "digital.app": "livelihood",
}
# Technical upgrades are existing (local) firms' projects: "…智能化技术改造项目".
TECH_UPGRADE_SUFFIXES = ["智能化技术改造", "绿色化升级改造", "节能降碳技术改造"]
# Labour per 万元 invested, land per 万元, output per 万元: rough, per chain group.
HEAVY_CHAINS = {"carbon", "chemical", "pv", "hydrogen", "equipment", "precision"}
LIGHT_CHAINS = {"herbtea", "food", "ecommerce", "tourism", "home"}

METHOD_WEIGHTS: dict[str, float] = {
    "via_investor": 14, "by_chain": 22, "by_zone": 12, "personal_ties": 10, "by_county": 10,
    "small_team": 14, "fair": 10, "office": 8,
}
METHOD_PHRASES: dict[str, str] = {
    "via_investor": "已落地企业推荐",
    "by_chain": "产业链图谱精准对接",
    "by_zone": "开发区专业招商",
    "personal_ties": "在外晋商、临汾籍企业家牵线",
    "by_county": "县级领导带队招商",
    "small_team": "小分队驻点招商",
    "fair": "展会洽谈",
    "office": "驻外招商联络处",
}
FAIRS = [
    "中国（太原）国际能源产业博览会", "中国国际进口博览会", "中国国际服务贸易交易会",
    "中国国际高新技术成果交易会", "中国中部投资贸易博览会", "丝绸之路国际博览会",
    "山西（北京）投资推介会", "临汾市（长三角）招商推介会", "临汾市（粤港澳大湾区）招商推介会",
]
SIGNING_OCCASIONS = [
    "全市重点项目集中签约活动", "山西省重点项目云签约活动", "临汾市（北京）招商推介会",
    "临汾市（长三角）招商推介会", "{county}招商引资项目集中签约仪式",
    "中国（太原）国际能源产业博览会",
]
LOST_TO_CITIES = ["运城", "长治", "晋中", "吕梁", "西安", "郑州", "晋城", "渭南"]

STAGE_GAP_DAYS: dict[str, tuple[int, int]] = {
    "intent": (15, 75),
    "signed": (20, 90),
    "contract": (15, 100),
    "groundbreaking": (20, 120),
    "production": (90, 300),
    "achieved": (60, 200),
}
# How many projects end in each stage, as weights (a funnel).
STAGE_WEIGHTS: dict[str, float] = {
    "contact": 27, "intent": 21, "signed": 15, "contract": 11, "groundbreaking": 11,
    "production": 8, "achieved": 7,
}

REASSIGN_REASONS = [
    "工作调整", "分工调整", "原包联领导工作调动，按分工调整包联",
    "项目列为市重点，改由市级领导包联",
    "县级领导班子调整，重新明确包联领导", "领导分工调整后由分管副市长包联",
]
MOVE_BACK_REASONS: dict[str, list[str]] = {
    "intent": ["投资方董事会未通过投资决策，意向搁置，退回洽谈阶段继续对接"],
    "signed": ["投资方股权结构调整，原框架协议需重新签订，退回意向阶段",
               "协议约定的用地规模调整，双方重新商定投资方案"],
    "contract": ["合同约定的供地条件发生变化，双方协商重新谈判合同条款",
                 "项目公司注册主体变更，原合同作废，退回签约阶段重新签订"],
    "groundbreaking": ["经督查核实，现场仅进行场地平整，不符合开工认定标准，退回合同阶段",
                       "施工许可手续不全被责令停工整改，开工认定撤回"],
    "production": ["试生产期间设备调试未达标，投产认定撤回，继续跟踪调试进展"],
}
# (why the project was paused, why it was resumed)
PAUSE_REASONS = [
    ("投资方资金未到位，项目暂缓推进", "投资方融资已落实，恢复推进"),
    ("用地指标待省里批复，暂缓推进", "用地指标已获批复，恢复推进"),
    ("环评批复前置条件未满足，暂缓推进", "区域环评已完成，前置条件满足，恢复推进"),
    ("投资方内部重组，投资决策暂缓", "投资方重组完成，重新启动项目"),
    ("电网接入方案待批复，企业暂缓投资", "电网接入方案已批复，恢复推进"),
    ("受产品价格大幅波动影响，投资方暂缓决策", "产品价格企稳，投资方重新启动决策程序"),
    ("能耗指标暂未落实，项目暂缓", "能耗指标已通过市级统筹解决，恢复推进"),
]
TERMINATION_TEXTS: dict[str, list[str]] = {
    "investor_withdrew": ["受市场行情影响，投资方战略收缩，书面函告终止项目",
                          "投资方调整全国产能布局，决定不在我市投资"],
    "lost_to_other_city": ["项目最终落户{city}，对方给出了更优惠的电价和土地政策",
                           "投资方综合比选后选择在{city}落地，原因是当地配套更完善"],
    "policy": ["项目不符合新出台的产能置换政策，无法继续推进",
               "受能耗双控政策限制，项目无法取得用能指标"],
    "land": ["选址地块涉及永久基本农田，无法调整用地", "规划选址与国土空间规划冲突，用地无法保障"],
    "other": ["投资方实际控制人涉诉，资金链断裂，项目无法推进",
              "投资方多次联系未果，经专班研究予以终止"],
}
ACTIVITY_OTHER_DEPARTMENTS = [
    "市发改委", "市规划和自然资源局", "市生态环境局", "市行政审批服务管理局", "供电公司",
    "市工信局", "市住建局", "县自然资源局", "县行政审批局",
]

# The note on a project's first funds in place (资金到位).
FUNDS_NOTES = ["首期注册资本金到位", "首笔设备采购款到位", "土地出让金已缴纳", "首期建设资金到位",
               "股东增资款到位"]
