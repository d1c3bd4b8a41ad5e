"""Make the example 填报工作簿 of examples/填报/ as a unit would: ``jixiao template``, then type
the values into the yellow cells with openpyxl, finding each row by its label.

    .venv/bin/python examples/make_workbooks.py            # writes examples/填报/*.xlsx
    .venv/bin/jixiao author examples/填报/clean_2025_示例区档案馆_填报.xlsx -o out/填报

The units, people and amounts are invented (see examples/README.md). ``fill`` and the three data
sets are also used by tests/test_author_roundtrip.py.
"""

from __future__ import annotations

import copy
import sys
from pathlib import Path
from typing import Any

from openpyxl import load_workbook

HERE = Path(__file__).resolve().parent
OUT = HERE / "填报"

# 绩效指标 rows: 一级, 二级, 三级, 指标性质, 年度指标值, 计量单位, 实际完成值, 分值, 定性指标得分, 偏差原因
Row = tuple[str, str, str, str, Any, str | None, Any, float, float | None, str | None]

PROBLEMS = ("1.预算编制的精准性有待提高。年初预算对库房改造工程的进度估计不足，年中追加预算20万元，预算调整率4.76%。\n"
            "2.资金支付进度前松后紧。数字化外包项目按合同分期付款，第四季度集中支付，资金使用效益没有均衡发挥。\n"
            "3.资产管理台账更新不及时。部分数字化设备验收后未及时登记入账，账实核对工作滞后。\n"
            "4.政府采购计划编制不够细。数字化外包服务采购需求论证不充分，采购文件两次修改。\n"
            "5.档案利用服务效能有待提升。线上查档平台年底才上线，群众知晓度不高，查档利用人次未达目标。")
MEASURES = ("1.提高预算编制的精准性：结合库房改造工程进度测算预算，减少年中追加。\n"
            "2.均衡资金支付进度：数字化外包项目按季度验收、按季度支付，按月通报资金支付进度。\n"
            "3.完善资产管理台账：设备验收后五个工作日内登记入账，每半年开展一次账实核对。\n"
            "4.细化政府采购计划：采购前开展需求论证，采购文件由业务科室和财务共同审核。\n"
            "5.提升档案利用服务效能：加强线上查档平台宣传，开通网上预约查档，提高查档利用人次。")

CLEAN_DEPARTMENT: dict[str, Any] = {
    "kind": "department",
    "year": 2025,
    "file": "clean_2025_示例区档案馆_填报.xlsx",
    "基本信息": {"预算部门名称": "示例区档案馆", "年度": 2025, "填表人": "王敏", "联系电话": "0730-1234567"},
    "基础数据表": {
        "编制数": 20, "2025年实际在职人数": 18,
        "其中：公车购置": (0, 0, 0), "公车运行维护": (2.10, 2.00, 1.86), "2、出国经费": (0, 0, 0), "3、公务接待": (1.20, 1.20, 1.12),
        "项目支出": (120.00, 130.00, 124.50), "公用经费": (38.60, 40.00, 37.25), "政府采购金额": (25.00, 30.00, 30.00),
        "部门基本支出预算调整": (300.10, 310.00, 305.20),
        "固定资产总额": 520.00, "在用固定资产": 520.00,
    },
    "资金": {
        "年度资金总额": (420.00, 440.00, 429.70),
        "一般公共预算": (421.70,), "政府性基金拨款": (0,), "纳入专户管理的非税收入拨款": (0,), "其他资金": (8.00,),
        "基本支出": (305.20,), "项目支出": (124.50,),
    },
    "绩效指标": [
        ("产出指标", "数量指标", "馆藏档案数字化页数", "正向", 120, "万页", 126, 10, None, None),
        ("产出指标", "数量指标", "接待查档利用人次", "正向", 8000, "人次", 7600, 10, None,
         "受库房改造影响，第三季度暂停现场查档一个月；下一年度开通网上预约查档。"),
        ("产出指标", "数量指标", "档案安全检查次数", "正向", 12, "次", 12, 10, None, None),
        ("产出指标", "质量指标", "档案数字化质量合格率", "正向", 98, "%", 99.2, 10, None, None),
        ("产出指标", "时效指标", "年度数字化任务完成时间", "反向", "12月", None, "11月", 5, None, None),
        ("产出指标", "成本指标", "单页数字化成本", "反向", 0.5, "元", 0.46, 5, None, None),
        ("效益指标", "社会效益指标", "档案服务社会公众水平", "定性", "有效提升", None, "有效提升", 15, 14,
         "线上查档平台年底才上线，社会公众知晓度还不高；下一年度加强宣传。"),
        ("效益指标", "可持续影响指标", "档案安全保管长效机制", "定性", "持续完善", None, "持续完善", 15, 15, None),
        ("满意度指标", "服务对象满意度指标", "查档群众满意度", "正向", 90, "%", 96, 10, None, None),
    ],
    "文字部分": {
        "年度总体目标·预期目标": "1.完成馆藏档案数字化120万页；\n2.做好档案安全保管，全年开展安全检查12次；\n3.接待查档利用8000人次。",
        "年度总体目标·实际完成情况": "1.完成馆藏档案数字化126万页；\n2.开展档案安全检查12次，未发生安全事故；\n3.接待查档利用7600人次。",
        "一、部门（单位）基本情况": "示例区档案馆负责全区档案的收集、保管和利用。内设办公室、保管利用股、信息技术股3个股室，编制20人，年末在职18人。",
        "二、一般公共预算支出情况": "全年支出429.70万元，其中基本支出305.20万元，项目支出124.50万元。",
        "三、政府性基金预算支出情况": "本单位无此项支出。",
        "四、国有资本经营预算支出情况": "本单位无此项支出。",
        "五、社会保险基金预算支出情况": "本单位无此项支出。",
        "六、部门整体支出绩效情况": "全年完成馆藏档案数字化126万页，数字化质量合格率99.2%，查档群众满意度96%。",
        "七、存在的问题及原因分析": PROBLEMS,
        "八、下一步改进措施": MEASURES,
        "九、部门整体支出绩效自评结果拟应用和公开情况": "自评结果作为下一年度预算安排的依据，并在单位门户网站公开。",
        "十、其他需要说明的情况": "本单位项目支出绩效自评表按要求另行报送，无其他需要说明的情况。",
    },
}

CLEAN_PROJECT: dict[str, Any] = {
    "kind": "project",
    "year": 2025,
    "file": "clean_2025_示例区居家养老服务补助资金_填报.xlsx",
    "基本信息": {"项目名称": "示例区社区居家养老服务补助资金", "主管部门": "示例区民政局", "实施单位": "示例区养老服务指导中心",
               "年度": 2025, "填表人": "李华", "联系电话": "0730-7654321"},
    "资金": {"当年财政拨款": (150.00, 160.00, 152.00), "上年结转资金": (10.00, 10.00, 9.50), "其他资金": (0, 0, 0)},
    "绩效指标": [
        ("产出指标", "数量指标", "服务老年人数", "正向", 1200, "人", 1260, 15, None, None),
        ("产出指标", "数量指标", "上门服务次数", "正向", 24000, "次", 22800, 15, None,
         "部分老人冬季住院或随子女外出，上门服务次数减少；下一年度改为按月预约。"),
        ("产出指标", "质量指标", "服务质量抽查合格率", "正向", 95, "%", 97, 10, None, None),
        ("产出指标", "时效指标", "补助资金拨付完成时间", "反向", "2025年12月31日前", None, "2025年12月20日", 5, None, None),
        ("产出指标", "成本指标", "人均服务补助标准", "反向", 1300, "元/人", 1282, 5, None, None),
        ("效益指标", "社会效益指标", "老年人居家养老生活质量", "定性", "明显改善", None, "明显改善", 15, 14,
         "助餐服务只覆盖城区，农村老人受益较少；下一年度增设两个农村助餐点。"),
        ("效益指标", "可持续影响指标", "居家养老服务网络", "定性", "持续完善", None, "持续完善", 15, 15, None),
        ("满意度指标", "服务对象满意度指标", "服务对象满意度", "正向", 90, "%", 95, 10, None, None),
    ],
    "文字部分": {
        "年度总体目标·预期目标": "为1200名居家老年人提供助餐、助洁、助医等上门服务24000次，服务质量抽查合格率不低于95%。",
        "年度总体目标·实际完成情况": "为1260名居家老年人提供上门服务22800次，服务质量抽查合格率97%，服务对象满意度95%。",
        "一、项目概况": "项目资金用于向政府购买社区居家养老上门服务，全年预算170.00万元。",
        "二、绩效目标完成情况": "服务老年人数、服务质量、拨付时间等目标均已实现，上门服务次数完成95%。",
        "三、存在的问题及原因分析": "上门服务次数未达目标：部分老人冬季住院或随子女外出。",
        "四、下一步改进措施": "改为按月预约上门服务，增设农村助餐点。",
        "五、自评结果应用和公开情况": "自评结果用于下一年度项目预算安排，并在民政局门户网站公开。",
    },
}


def _planted() -> dict[str, Any]:
    """The clean department with three planted problems (examples/README.md):
    P1 三公经费决算超预算 (公务接待 预算 1.00、决算 2.60) → JX301;
    P2 数量指标“举办青少年科普活动场次” ≥40场、实际 30场，偏差原因空着 → JX405;
    P3 全年执行数 430.00 / 全年预算数 500.00 = 86.00% < 90% → JX305."""
    d = copy.deepcopy(CLEAN_DEPARTMENT)
    d["file"] = "planted_2025_示例区青少年宫_填报.xlsx"
    d["基本信息"].update({"预算部门名称": "示例区青少年宫", "填表人": "赵刚", "联系电话": "0730-2345678"})
    b = d["基础数据表"]
    b["公车运行维护"] = (2.20, 2.00, 2.10)
    b["3、公务接待"] = (1.20, 1.00, 2.60)  # P1
    b["部门基本支出预算调整"] = (300.10, 310.00, 305.50)
    d["资金"].update({"年度资金总额": (480.00, 500.00, 430.00), "一般公共预算": (422.00,), "基本支出": (305.50,)})  # P3
    d["绩效指标"][2] = ("产出指标", "数量指标", "举办青少年科普活动场次", "正向", 40, "场", 30, 10, None, None)  # P2
    d["文字部分"]["一、部门（单位）基本情况"] = "示例区青少年宫负责全区青少年校外教育活动。内设办公室、活动部2个股室，编制20人，年末在职18人。"
    d["文字部分"]["二、一般公共预算支出情况"] = "全年支出430.00万元，其中基本支出305.50万元，项目支出124.50万元。"
    return d


PLANTED_DEPARTMENT = _planted()
EXAMPLES = (CLEAN_DEPARTMENT, CLEAN_PROJECT, PLANTED_DEPARTMENT)
PLANTED_CODES = {"JX301", "JX305", "JX405"}  # the findings (error and warning) PLANTED_DEPARTMENT should give


def _label_rows(ws) -> dict[str, int]:
    return {str(c.value).strip(): c.row for c in ws["A"] if c.value is not None}


def fill(path: str | Path, data: dict[str, Any]) -> Path:
    """Type ``data`` into the workbook at ``path`` (made by ``jixiao template``) as a unit would:
    each value in the cells right of its label; the indicator rows under the 绩效指标 header."""
    wb = load_workbook(path)
    for sheet, values in data.items():
        if sheet not in wb.sheetnames:
            continue
        ws = wb[sheet]
        if sheet == "绩效指标":
            header = next(c.row for c in ws["A"] if c.value == "一级指标")
            for n, row in enumerate(values, header + 1):
                for col, v in enumerate(row, 1):
                    if v is not None:
                        ws.cell(n, col, v)
            continue
        rows = _label_rows(ws)
        for label, v in values.items():
            if label not in rows:
                raise KeyError(f"工作表“{sheet}”没有标签“{label}”")
            for col, x in enumerate(v if isinstance(v, tuple) else (v,), 2):
                ws.cell(rows[label], col, x)
    wb.save(path)
    return Path(path)


def make(data: dict[str, Any], folder: Path) -> Path:
    """``jixiao template`` for the data's kind and year, filled with ``data``."""
    from jixiao.author.template import write_template

    folder.mkdir(parents=True, exist_ok=True)
    path = write_template(data["kind"], folder / data["file"], data["year"])
    return fill(path, data)


def main(argv: list[str]) -> int:
    folder = Path(argv[0]) if argv else OUT
    for data in EXAMPLES:
        print(make(data, folder))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
