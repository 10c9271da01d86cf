"""Follow-up notes (跟进记录) as a bureau writes them, per stage and occasion.

Each entry is (activity kind, summary template). Placeholders are filled by `plan.py` from the
project's context: {inv} investor short name, {contact} the investor's contact ("王总"),
{county}, {site}, {product}, {hq}, {chain}, {method}, {amount}, {leader} ("副市长孙海涛"),
{fair}, {occasion}, {agreed}, {contract}, {output}, {tax}, {pct}, {n}, {loan}, {done},
{workers}, {month}, {concern}, {problem}, {reason}.
"""

FIRST_TEXTS: list[tuple[str, str]] = [
    ("visit_out", "赴{hq}开展{method}，首次拜访{inv}，与{contact}交流{product}投资意向，"
                  "企业对{county}的区位和资源条件较感兴趣。"),
    ("call", "{inv}{contact}来电咨询{county}投资环境，初步了解{product}意向，已录入项目台账。"),
    ("visit_in", "{inv}{contact}一行首次来{county}考察，介绍企业基本情况及{product}初步设想。"),
    ("meeting", "在{fair}上与{inv}洽谈{product}，企业表示有意向到{county}投资，互留联系方式。"),
]

STAGE_TEXTS: dict[str, list[tuple[str, str]]] = {
    "contact": [
        ("call", "电话联系{inv}{contact}，介绍{county}{chain}产业基础和招商政策，对方表示将研究"
                 "{product}落地可能性。"),
        ("visit_out", "赴{hq}拜访{inv}，与{contact}座谈，就{product}的投资规模、选址需求进行初步"
                      "交流，企业重点关注用地和电价。"),
        ("visit_in", "{inv}{contact}一行来{county}考察，实地查看{site}，重点了解用地、用电、用水等"
                     "要素保障情况。"),
        ("meeting", "召开项目研判会，对{inv}{product}线索进行研判，认为符合{chain}产业链延链补链"
                    "方向，建议列为重点跟踪项目。"),
        ("call", "与{contact}电话沟通，企业正在多地比选，对方索要{county}招商政策汇编和地块资料。"),
        ("other", "整理{inv}企业资信情况，经查企业经营正常、无重大涉诉，补充完善项目台账。"),
    ],
    "intent": [
        ("meeting", "与{inv}就供地方式、电价政策、税收奖补等事项进行第二轮洽谈，企业对{concern}"
                    "提出诉求。"),
        ("visit_in", "陪同{inv}{contact}踏勘{site}地块，自然资源部门介绍用地规划及土地指标情况。"),
        ("visit_out", "{leader}带队赴{hq}拜访{inv}总部，与企业高层会谈，推动尽快签署投资协议。"),
        ("call", "电话跟进{contact}，企业投资决策已提交集团董事会审议，预计近期反馈。"),
        ("meeting", "专班研究{inv}提出的{concern}诉求，形成初步意见报政府常务会研究。"),
    ],
    "signed": [
        ("meeting", "召开前期手续推进会，协调发改、自然资源、生态环境等部门，"
                    "明确立项备案、用地预审、环评办理时限。"),
        ("visit_out", "赴{hq}与{inv}就投资合同文本逐条磋商，就投资强度、违约责任等条款达成一致。"),
        ("call", "督促企业尽快在{county}注册项目公司，代办员全程帮办营业执照及银行开户。"),
        ("meeting", "专班召开周调度会，梳理出{problem}问题，明确责任单位和完成时限。"),
    ],
    "contract": [
        ("meeting", "项目公司已完成注册，协调施工图审查和施工许可办理，计划{month}月开工。"),
        ("visit_in", "{inv}{contact}来{county}对接开工准备，现场查看三通一平进度。"),
        ("meeting", "专班召开周调度会，梳理出{problem}问题，明确责任单位和完成时限。"),
        ("other", "协调{county}政府加快征地拆迁和场地平整，企业反映场平进度滞后。"),
    ],
    "groundbreaking": [
        ("visit_in", "现场查看项目建设进度，主体工程已完成{pct}%，主要设备已完成订货。"),
        ("meeting", "{leader}带队开展重点项目观摩，要求倒排工期、挂图作战，确保按期建成投产。"),
        ("other", "协调供电公司为项目架设施工专线，解决施工用电问题。"),
        ("call", "企业反映建设资金紧张，协调银行对接项目贷款{loan}。"),
        ("visit_in", "督查组现场核查，项目累计完成投资{done}，现场施工人员{workers}人。"),
    ],
    "production": [
        ("visit_in", "走访企业了解投产后运行情况，产能利用率约{pct}%，企业反映用工缺口{n}人，"
                     "已协调人社部门组织专场招聘。"),
        ("call", "电话回访{contact}，企业订单饱满，协助申报省级技改资金和规上企业入库。"),
        ("meeting", "召开政企座谈会，收集企业在物流运输、融资方面的诉求，列入问题清单。"),
    ],
    "achieved": [
        ("visit_in", "回访企业，项目已达产达效，预计年产值{output}、纳税{tax}，企业有意谋划二期。"),
        ("call", "与{contact}沟通企业扩产计划，协调新增用地需求。"),
        ("meeting", "组织企业参加全市重点项目观摩，企业作典型发言。"),
    ],
}

PAUSED_TEXTS: list[tuple[str, str]] = [
    ("call", "电话回访{contact}，企业表示暂缓原因尚未消除，仍在观望，双方保持联系。"),
    ("visit_out", "赴{hq}拜访{inv}，了解企业投资决策进展，企业表示条件具备后重新启动。"),
]

MOVE_TEXTS: dict[str, tuple[str, str]] = {
    "intent": ("meeting", "{inv}正式提交投资意向书，拟投资{amount}建设{product}，"
                          "项目转入意向阶段。"),
    "signed": ("signing_ceremony", "在{occasion}上，{leader}出席并见证{county}与{inv}签署投资协议，"
                                   "协议投资{agreed}。"),
    "contract": ("meeting", "与{inv}正式签订投资合同，合同金额{contract}，"
                            "项目公司已在{county}注册。"),
    "groundbreaking": ("other", "项目举行开工仪式，{leader}出席并宣布项目开工。"),
    "production": ("visit_in", "项目建成投产，{leader}出席投产仪式并察看生产线。"),
    "achieved": ("visit_in", "经统计部门核实，项目达到设计产能，年产值{output}，纳税{tax}。"),
}
MOVE_NOTES: dict[str, str] = {
    "intent": "企业提交投资意向书",
    "signed": "在{occasion}签约",
    "contract": "正式投资合同签订，项目公司完成注册",
    "groundbreaking": "举行开工仪式",
    "production": "一期建成投产",
    "achieved": "达到设计产能，统计部门已核实",
}
MOVE_BACK_TEXT = ("meeting", "{reason}。专班重新梳理推进计划。")
PAUSE_TEXT = ("call", "{reason}。专班研究后同意暂缓，每月跟踪一次企业进展。")
RESUME_TEXT = ("meeting", "{reason}，专班召开推进会，重新明确时间节点。")
TERMINATE_TEXT = ("meeting", "{inv}书面函告：{reason}。经专班研究，报请终止项目。")

NEXT_STEPS: dict[str, list[str]] = {
    "contact": ["寄送{county}招商政策汇编及项目推介资料", "邀请企业来{county}实地考察",
                "对接企业高层，争取签署投资意向书", "梳理企业诉求，研究要素保障方案"],
    "intent": ["起草投资协议初稿，提交政府常务会研究", "协调自然资源部门出具用地预审意见",
               "专班研究企业提出的要素保障诉求", "邀请企业高层来{county}会谈"],
    "signed": ["推动项目公司注册，跟进合同谈判", "完成立项备案和用地预审", "申报市重点项目",
               "协调土地组卷报批"],
    "contract": ["完成施工许可办理，确保按期开工", "协调土地摘牌", "督促施工单位进场",
                 "协调电力接入方案"],
    "groundbreaking": ["跟进设备安装进度", "协调电力接入工程", "督促企业按月报送投资完成情况",
                       "协调解决施工用水问题"],
    "production": ["协助企业申报规上入库", "跟进达产进度", "对接人才招聘", "协助申报技改资金"],
    "achieved": ["谋划二期项目", "收集企业诉求，列入问题清单", "推荐企业参评市级龙头企业"],
    "paused": ["每月电话回访一次，了解企业决策进展", "跟踪用地指标批复进展",
               "适时邀请企业高层再次来访"],
}
CONCERNS = ["电价", "用地价格", "税收奖补", "人才公寓", "物流运输成本", "用水指标", "能耗指标"]
PROBLEMS = ["土地组卷报批", "电力接入", "环评审批", "林地手续", "施工用水", "征地拆迁",
            "规划调整"]
CODE_NAMES = ["启明星", "北斗", "天枢", "玉衡", "开阳", "摇光", "天璇", "天玑", "鲲鹏", "青鸾"]
