"""Synthetic population register (公安 人口基本信息) for the demo and the benchmarks.

Identity numbers follow GB 11643-1999: six-digit region code, eight-digit birth date, three-digit
sequence (odd for men), and the ISO 7064 MOD 11-2 check character. The rows are generated from a
seed, so a demo database is the same on every machine.
"""

import datetime
import random
import sqlite3
from pathlib import Path

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"
REGIONS = ("130102", "130104", "130105", "130107", "130108", "130109", "130110", "130111",
           "130121", "130123", "130125", "130126", "130127", "130128", "130129", "130130",
           "130131", "130132", "130133", "130181", "130183", "130184")
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红梅鹏飞宇浩然子涵欣怡"
STREETS = ("中山路", "建设大街", "和平路", "裕华路", "体育大街", "友谊大街", "胜利大街", "槐安路")

COLUMNS = ("sfzh", "xm", "xb", "csrq", "hjdq", "zz", "hnrs", "gxsj")
CREATE = ("CREATE TABLE IF NOT EXISTS people (sfzh TEXT PRIMARY KEY, xm TEXT NOT NULL, "
          "xb TEXT NOT NULL, csrq DATE NOT NULL, hjdq TEXT NOT NULL, zz TEXT NOT NULL, "
          "hnrs INTEGER NOT NULL, gxsj TIMESTAMP NOT NULL)")


def check_character(first17: str) -> str:
    """The GB 11643 check character of the first seventeen digits."""
    return CHECK[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def is_valid_id(number: str) -> bool:
    return (len(number) == 18 and number[:17].isdigit()
            and number[17] == check_character(number[:17]))


def person(index: int, rng: random.Random) -> tuple:
    region = REGIONS[index % len(REGIONS)]
    born = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(365 * 65))
    sequence = rng.randrange(1000)
    sex = "男" if sequence % 2 else "女"
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    number = first17 + check_character(first17)
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    address = f"河北省石家庄市{rng.choice(STREETS)}{rng.randrange(1, 400)}号"
    updated = datetime.datetime(2024, 1, 1) + datetime.timedelta(seconds=index)
    return (number, name, sex, f"{first17[6:10]}-{first17[10:12]}-{first17[12:14]}", region,
            address, rng.randrange(1, 7), updated.isoformat(sep=" "))


def people(count: int, seed: int = 11643):
    """`count` distinct synthetic people, always the same for the same seed (a repeated
    identity number, rare, is skipped)."""
    rng = random.Random(seed)  # noqa: S311  (synthetic demo data, not a secret)
    seen = set()
    index = 0
    while len(seen) < count:
        row = person(index, rng)
        index += 1
        if row[0] not in seen:
            seen.add(row[0])
            yield row


def write_database(path: Path, count: int, seed: int = 11643, chunk: int = 50_000) -> int:
    """Create (or replace) the SQLite business database with `count` people."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    db = sqlite3.connect(path)
    db.execute(CREATE)
    rows = people(count, seed)
    while batch := [row for _, row in zip(range(chunk), rows, strict=False)]:
        db.executemany("INSERT INTO people VALUES (?, ?, ?, ?, ?, ?, ?, ?)", batch)
    db.commit()
    db.close()
    return count
