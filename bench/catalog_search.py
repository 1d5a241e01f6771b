"""Catalog search benchmark: the search index against a plain substring scan, same run, same rows.

Generates N published resources of a Hebei-like catalog (provincial, city and county departments,
realistic Chinese names, summaries and data items), loads them with `govshare.search.bulk.rebuild`
(batched; COPY on PostgreSQL), then times a fixed set of queries through `search()` and through
a LIKE '%term%' scan over the same rows with the same facet counting, and prints p50/p95 in ms.

    .venv/bin/python bench/catalog_search.py --n 1000000 --db both \
        --pg-url postgresql://postgres@127.0.0.1:5432/bench_search

The data is built once per database and size and reused by later runs (SQLite file under
var/bench/, the PostgreSQL database named by --pg-url); --rebuild forces a new load.
"""

import argparse
import datetime
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = 20160101
START = datetime.datetime(2019, 1, 1, tzinfo=datetime.UTC)

CITIES = [
    ("130100", "石家庄市"), ("130200", "唐山市"), ("130300", "秦皇岛市"), ("130400", "邯郸市"),
    ("130500", "邢台市"), ("130600", "保定市"), ("130700", "张家口市"), ("130800", "承德市"),
    ("130900", "沧州市"), ("131000", "廊坊市"), ("131100", "衡水市"),
]
COUNTY_NAMES = [
    "长安区", "桥西区", "新华区", "裕华区", "正定县", "行唐县", "灵寿县", "高邑县", "深泽县",
    "赞皇县", "无极县", "平山县", "元氏县", "赵县", "晋州市", "新乐市", "路南区", "路北区",
    "滦南县", "乐亭县", "迁西县", "玉田县", "遵化市", "迁安市", "昌黎县", "卢龙县", "涉县",
    "磁县", "临漳县", "成安县", "大名县", "魏县", "武安市", "内丘县", "柏乡县", "隆尧县",
    "宁晋县", "巨鹿县", "新河县", "广宗县", "涞水县", "阜平县", "定兴县", "唐县", "高阳县",
]
# Department → (subjects it catalogs, data items typical of its resources).
DEPARTMENTS = {
    "公安局": (["常住人口", "户籍", "暂住人口", "机动车", "驾驶证", "出入境", "治安", "车辆"],
              ["姓名", "性别", "民族", "出生日期", "公民身份号码", "户籍地址", "户号", "与户主关系",
               "号牌号码", "车辆类型", "车辆识别代号", "准驾车型", "初次领证日期"]),
    "民政局": (["婚姻", "低保", "特困人员", "养老机构", "社会组织", "殡葬", "行政区划", "地名"],
              ["男方姓名", "女方姓名", "登记日期", "婚姻状况", "保障金额", "救助类型",
               "机构名称", "床位数", "统一社会信用代码", "业务范围"]),
    "人力资源和社会保障局": (["社保", "社会保险", "就业", "职业资格", "工资", "劳动合同",
                             "养老保险", "失业保险"],
                            ["社会保障号码", "参保状态", "缴费基数", "缴费年月", "单位名称",
                             "就业状态", "证书编号", "职业名称", "发证日期"]),
    "自然资源和规划局": (["不动产", "土地", "矿产", "国土空间规划", "测绘", "林地"],
                         ["不动产单元号", "权利人", "坐落", "面积", "用途", "权利性质",
                          "宗地代码", "规划用途", "批准文号"]),
    "市场监督管理局": (["企业", "个体工商户", "信用", "食品经营许可", "特种设备", "商标",
                        "营业执照", "行政处罚"],
                       ["企业名称", "统一社会信用代码", "法定代表人", "注册资本", "成立日期",
                        "经营范围", "登记机关", "许可证编号", "处罚决定书文号"]),
    "卫生健康委员会": (["医疗", "医疗机构", "执业医师", "出生医学证明", "疫苗接种",
                        "传染病", "健康档案"],
                       ["机构名称", "医师姓名", "执业类别", "执业范围", "新生儿姓名",
                        "出生时间", "接种日期", "疫苗名称", "诊断结果"]),
    "教育局": (["教育", "学籍", "学校", "教师资格", "招生", "学生资助"],
              ["学生姓名", "学籍号", "学校名称", "年级", "班级", "入学日期", "教师资格证号",
               "资助金额"]),
    "住房和城乡建设局": (["建设工程", "房屋", "物业", "住房保障", "公积金", "施工许可"],
                         ["项目名称", "建设单位", "施工单位", "房屋坐落", "建筑面积",
                          "合同编号", "缴存基数", "施工许可证号"]),
    "税务局": (["纳税人", "税收", "发票", "纳税信用", "税务登记"],
              ["纳税人识别号", "纳税人名称", "税种", "税额", "所属期", "信用等级",
               "发票代码"]),
    "医疗保障局": (["医保", "医疗保险", "医保结算", "定点医药机构"],
                   ["参保人姓名", "医保编号", "结算金额", "就诊日期", "定点机构名称",
                    "统筹支付"]),
    "交通运输局": (["道路运输", "营运车辆", "公路", "客运", "货运"],
                   ["经营许可证号", "车牌号码", "道路运输证号", "线路名称", "里程"]),
    "生态环境局": (["排污许可", "环境监测", "环境影响评价", "危险废物"],
                   ["排污单位名称", "许可证编号", "监测点位", "监测值", "监测时间"]),
    "应急管理局": (["安全生产", "危险化学品", "应急预案", "自然灾害"],
                   ["企业名称", "许可证编号", "预案名称", "灾害类型", "受灾人口"]),
    "退役军人事务局": (["退役军人", "优抚对象", "军休干部"],
                       ["姓名", "公民身份号码", "入伍时间", "退役时间", "优待类别"]),
    "农业农村局": (["农村土地承包", "农机", "畜牧", "农产品质量"],
                   ["承包方名称", "地块编码", "承包面积", "农机型号", "检测结果"]),
    "司法局": (["律师", "公证", "法律援助", "人民调解"],
              ["律师姓名", "执业证号", "公证书编号", "受援人姓名", "调解结果"]),
}
COMMON_ITEMS = ["联系电话", "地址", "备注", "更新时间", "数据来源", "有效期", "办理状态"]
QUALIFIERS = ["", "", "", "基本", "变更", "注销", "年度", "统计", "审批", "核查"]
SUFFIXES = ["信息", "登记信息", "目录", "数据", "台账", "清单", "统计表", "名录", "档案"]
CLASSIFICATIONS = ["人口基础信息", "法人单位基础信息", "自然资源和空间地理基础信息",
                   "宏观经济基础信息", "社会信用主题", "医疗健康主题", "社会保障主题",
                   "教育科技主题", "城乡建设主题", "生态环境主题", "部门信息资源"]
SHARE_TYPES = [("无条件共享", 60), ("有条件共享", 35), ("不予共享", 5)]
OPEN_TYPES = [("不开放", 60), ("有条件开放", 25), ("开放", 15)]
FORMATS = [("数据库", 55), ("接口", 25), ("电子文件", 15), ("图片", 3), ("音视频", 2)]
CYCLES = [("实时", 15), ("每日", 25), ("每周", 5), ("每月", 25), ("每季度", 10),
          ("每年", 15), ("不定期", 5)]
# About one resource in 20,000 concerns these: the rare-term query.
RARE = ("古树名木", ["树种", "树龄", "保护等级", "坐标"])

# (label, query, options): the fixed queries, each timed through search() and the scan.
QUERIES = [
    ("single term", "户籍", {}),
    ("two terms", "企业 信用", {}),
    ("rare term", "古树名木", {}),
    ("common term", "登记", {}),
    ("term + facet filters", "社保",
     {"filters": {"share_type": ["无条件共享"], "format": ["接口", "数据库"]}}),
    ("common term + filter", "登记", {"filters": {"share_type": ["有条件共享"]}}),
    ("empty + facet filter", "", {"filters": {"share_type": ["有条件共享"]}}),
    ("term + region", "不动产", {"region": "130100"}),
    ("empty query", "", {}),
    ("empty + region", "", {"region": "130100"}),
    ("term, page 5", "婚姻", {"page": 5}),
]


def regions():
    """(code, name, level, parent code) of the province, its cities and their counties."""
    rows = [("130000", "河北省", "province", None)]
    for index, (code, name) in enumerate(CITIES):
        rows.append((code, name, "city", None if code == "130000" else "130000"))
        for k in range(1, 13 if index else 16):
            county = COUNTY_NAMES[(index * 7 + k) % len(COUNTY_NAMES)]
            rows.append((f"{code[:4]}{k:02d}", county, "county", code))
    return rows


def providers():
    """(provider_id, name, region code, region path, department) for every department."""
    paths, names, result = {}, {}, []
    for code, name, _level, parent in regions():
        paths[code] = f"{paths[parent]}/{code}" if parent else code
        names[code] = name if not parent or parent == "130000" else names[parent] + name
    for code in paths:
        for department in DEPARTMENTS:
            label = department.replace("局", "厅") if code == "130000" else department
            result.append((len(result) + 1, f"{names[code]}{label}", code, paths[code],
                           department))
    return result


def _weighted(rng, choices):
    return rng.choices([c for c, _w in choices], [w for _c, w in choices])[0]


def documents(n, seed=SEED):
    """N Documents, the same for the same n and seed."""
    from govshare.search.index import Document

    rng = random.Random(seed)
    departments = providers()
    # Provincial and city departments publish more than county ones.
    weights = [6 if path.count("/") == 0 else 3 if path.count("/") == 1 else 1
               for _id, _name, _code, path, _dept in departments]
    span = int((datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC) - START).total_seconds())
    for resource_id in range(1, n + 1):
        provider_id, provider, code, path, department = rng.choices(departments, weights)[0]
        subjects, items = DEPARTMENTS[department]
        if rng.random() < 1 / 20000:
            subject, items = RARE
        else:
            subject = rng.choice(subjects)
        suffix = rng.choice(SUFFIXES)
        name = f"{subject}{rng.choice(QUALIFIERS)}{suffix}"
        chosen = rng.sample(items, min(len(items), rng.randint(4, 9)))
        chosen += rng.sample(COMMON_ITEMS, rng.randint(1, 3))
        cycle = _weighted(rng, CYCLES)
        summary = (f"{provider}在履行职责中产生的{subject}{suffix}。"
                   f"主要包括{'、'.join(chosen[:3])}等内容，{cycle}更新。")
        yield Document(
            resource_id=resource_id,
            code=f"{rng.randint(1, 6):02d}-{rng.randint(1, 30):02d}-{resource_id:07d}",
            name=name, summary=summary, data_items=" ".join(chosen),
            provider_id=provider_id, provider_name=provider, region_code=code,
            region_path=path, classification=rng.choice(CLASSIFICATIONS),
            share_type=_weighted(rng, SHARE_TYPES), open_type=_weighted(rng, OPEN_TYPES),
            format=_weighted(rng, FORMATS), update_cycle=cycle,
            published_at=START + datetime.timedelta(seconds=rng.randrange(span)),
        )


def load_regions():
    from govshare.orgs.models import Region

    made = {}
    for code, name, level, parent in regions():
        made[code], _ = Region.objects.update_or_create(
            code=code, defaults={"name": name, "level": level, "parent": made.get(parent)})


def load(n, *, force=False, hot_min_documents=None):
    """Make the index hold exactly the N generated documents, reusing it when it already does;
    return the seconds spent loading (0 when reused)."""
    from django.db import connection

    from govshare.search.aggregates import HOT_MIN_DOCUMENTS, refresh_hot_terms
    from govshare.search.bulk import rebuild

    hot_min_documents = hot_min_documents or HOT_MIN_DOCUMENTS
    load_regions()
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*), MAX(resource_id) FROM search_document")
        count, highest = cursor.fetchone()
        cursor.execute("SELECT COUNT(*) FROM search_hot_term")
        hot = cursor.fetchone()[0]
    started = time.perf_counter()
    if count == n and highest == n and not force:
        if hot:
            return 0.0
        refresh_hot_terms(hot_min_documents)
    else:
        rebuild(documents(n), hot_min_documents=hot_min_documents)
    return time.perf_counter() - started


def substring_search(query, *, filters=None, region=None, page=1, per_page=20):
    """The baseline: LIKE '%word%' over the four text columns for each word of the query, the
    same filters, the same facet counting, newest first."""
    from django.db import connection

    from govshare.search import index
    from govshare.search.backends import backend

    clauses, params = index._filter_conditions(filters)
    region_clauses, region_params = index._region_conditions(backend(connection), region)
    clauses, params = clauses + region_clauses, params + region_params
    for word in query.split():
        clauses.append("(d.name LIKE %s OR d.summary LIKE %s OR d.data_items LIKE %s"
                       " OR d.provider_name LIKE %s)")
        params.extend([f"%{word}%"] * 4)
    total, facets = index._count_facets("search_document d", clauses, params)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT d.resource_id FROM search_document d {index._where(clauses)} "
                       "ORDER BY d.published_at DESC, d.resource_id DESC LIMIT %s OFFSET %s",
                       [*params, per_page, (page - 1) * per_page])
        ids = [row[0] for row in cursor.fetchall()]
    return total, ids, facets


def _timings(call, repeat, budget_seconds=30.0):
    """`repeat` timings of `call` in ms, or as many as fit in the budget (at least 5): a query
    that takes seconds says what it has to say in a few runs."""
    call()  # warm the caches (and jieba's dictionary) before timing
    samples, deadline = [], time.perf_counter() + budget_seconds
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append((time.perf_counter() - started) * 1000)
        if len(samples) >= 5 and time.perf_counter() > deadline:
            break
    return samples


def _percentile(samples, p):
    return statistics.quantiles(samples, n=100, method="inclusive")[p - 1] if len(
        samples) > 1 else samples[0]


def measure(repeat, baseline_repeat):
    from govshare.search.index import search

    rows = []
    for label, query, options in QUERIES:
        result = search(query, **options)
        fast = _timings(lambda q=query, o=options: search(q, **o), repeat)
        slow = _timings(lambda q=query, o=options: substring_search(q, **o), baseline_repeat)
        rows.append({
            "query": label, "text": query, "total": result.total,
            "runs": len(fast), "p50": _percentile(fast, 50), "p95": _percentile(fast, 95),
            "scan_p50": _percentile(slow, 50), "scan_p95": _percentile(slow, 95),
        })
    return rows


def run_one(args):
    url = (args.pg_url if args.db == "postgresql"
           else f"sqlite:///{ROOT / 'var' / 'bench' / f'catalog_search_{args.n}.sqlite3'}")
    if args.db == "sqlite":
        (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
    os.environ["GOVSHARE_DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "govshare.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    load_seconds = load(args.n, force=args.rebuild)
    return {"db": args.db, "n": args.n, "load_seconds": load_seconds,
            "rows": measure(args.repeat, args.baseline_repeat)}


def table(report):
    lines = [f"### {report['db']}, N = {report['n']:,}"
             + (f" (loaded in {report['load_seconds']:.0f} s)" if report["load_seconds"] else ""),
             "", "| query | hits | runs | p50 ms | p95 ms | scan p50 ms | scan p95 ms "
             "| ratio p95 |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for r in report["rows"]:
        lines.append(f"| {r['query']} | {r['total']:,} | {r['runs']} | {r['p50']:.1f} | "
                     f"{r['p95']:.1f} | "
                     f"{r['scan_p50']:.0f} | {r['scan_p95']:.0f} | "
                     f"{r['scan_p95'] / r['p95']:.0f}× |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:5432/bench_search")
    parser.add_argument("--repeat", type=int, default=40, help="timed runs per query")
    parser.add_argument("--baseline-repeat", type=int, default=5, help="timed scans per query")
    parser.add_argument("--rebuild", action="store_true", help="load the data again")
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.db != "both":
        report = run_one(args)
        print(json.dumps(report) if args.json else table(report))
        return
    for db in ("sqlite", "postgresql"):
        command = [sys.executable, __file__, "--db", db, "--n", str(args.n), "--pg-url",
                   args.pg_url, "--repeat", str(args.repeat),
                   "--baseline-repeat", str(args.baseline_repeat), "--json"]
        if args.rebuild:
            command.append("--rebuild")
        done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)  # noqa: S603
        print(table(json.loads(done.stdout.strip().splitlines()[-1])), "\n", flush=True)


if __name__ == "__main__":
    main()
